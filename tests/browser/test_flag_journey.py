"""A moderator handles a flag from the nav count: a member flags another's reply in 債権回収
(choosing a reason is required), the group's moderator sees the number in the nav's
「モデレーション」 entry grow, follows it to the overview and to the flags, answers 「問題なし」,
and the number goes down again. Members get no 通報 link on their own posts."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MODERATOR = "demo-moderator@city.funabashi.lg.jp"
TOPIC_TITLE = "分納誓約が途中で止まった滞納者への次の一手"  # asked by demo-member in saiken


def _waiting(page) -> int:
    page.goto("/")
    entry = page.locator("#site-nav a", has_text="モデレーション")
    badge = entry.locator("[data-moderation-count]")
    return int(badge.get_attribute("data-count"))


def test_a_moderator_handles_a_flag_from_the_nav_count(new_context, login, axe_check):
    moderator = new_context().new_page()
    login(moderator, MODERATOR)
    before = _waiting(moderator)

    member = new_context().new_page()
    login(member)
    member.goto("/groups/saiken/")
    member.get_by_role("link", name=TOPIC_TITLE).click()
    own_post = member.locator("article", has_text="4月に福祉局から税務部に異動してきました")
    expect(own_post.get_by_role("link", name="通報", exact=True)).to_have_count(0)
    reply = member.locator("article", has_text="札幌市では")
    reply.get_by_role("link", name="通報", exact=True).click()
    member.get_by_role("button", name="通報する").click()  # no reason chosen yet
    expect(member.get_by_role("alert")).to_be_visible()
    member.get_by_label("話題と関係がない").check()
    member.get_by_role("button", name="通報する").click()
    expect(member.get_by_text(re.compile("通報しました"))).to_be_visible()

    assert _waiting(moderator) == before + 1
    moderator.locator("#site-nav").get_by_role("link", name=re.compile("モデレーション")).click()
    expect(moderator).to_have_url(re.compile(r"/moderation/$"))
    axe_check(moderator)
    moderator.get_by_role("link", name="担当グループの通報").click()
    flag = moderator.locator("li.card", has_text=TOPIC_TITLE).filter(has_text="話題と関係がない")
    flag.get_by_role("button", name="問題なし").click()
    expect(moderator.locator("li.card", has_text="話題と関係がない")).to_have_count(0)
    assert _waiting(moderator) == before
