"""Mention by reading: the demo member (山本 美咲) types 「@やま」 in a reply, the group's members
whose reading starts so are offered, she picks 山田 遥 with the keyboard, posts, and the mention
in her post leads to 山田's profile; a click on a name opens the member card in place."""

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TOPIC = "/groups/saiken/t/1/"


def test_mention_a_member_by_reading_with_the_keyboard(member_page, axe_check):
    page = member_page
    page.goto(TOPIC)
    box = page.get_by_role("textbox", name="返信")
    box.click()
    box.press_sequentially("詳しい方に伺います @やま")
    listbox = page.get_by_role("listbox", name="呼びかける相手の候補")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text("山口 奈央")  # やまぐち before やまだ
    expect(options.nth(1)).to_contain_text("山田 遥")
    expect(options.first).to_have_attribute("aria-selected", "true")
    axe_check(page)

    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value(re.compile(r"^詳しい方に伺います @yamada-haruka $"))

    # Escape closes the list without choosing; the text stays as typed.
    marker = uuid.uuid4().hex[:6]
    box.press_sequentially("と @さと")
    expect(options.first).to_contain_text("佐藤 健太")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press_sequentially(f" {marker}")
    expect(box).to_have_value(re.compile(rf"@yamada-haruka と @さと {marker}$"))
    page.get_by_role("button", name="返信する").click()

    post = page.locator("article.post").filter(has_text=marker)
    expect(post).to_have_count(1)
    mention = post.locator("a.mention", has_text="@yamada-haruka")
    expect(mention).to_have_attribute("href", "/members/@yamada-haruka")

    # The member card: a click on the author's name shows who it is without leaving the page.
    # The reply reloaded the page; its scripts run before "load", and without them the link opens
    # the profile, as it should.
    page.wait_for_load_state()
    post.locator(".post__header a[data-member-card]").first.click()
    card = page.get_by_role("dialog", name=re.compile("山本 美咲"))
    expect(card).to_be_visible()
    expect(card).to_contain_text("@")
    expect(card).to_contain_text("神戸市")
    axe_check(page)
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()

    mention.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("山田 遥")
    expect(page.get_by_text("@yamada-haruka")).to_be_visible()
