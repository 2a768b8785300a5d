"""Search as a member meets it: results in the header box as she types (arrow down and Enter
open one; the last option leads to all the results), the search page with highlighted words and
facets, the header box without JavaScript, and similar questions, solved ones first, while she
writes a new topic's title.

The documents are put straight into the live site's index (in a subprocess, as the apps'
providers would through the outbox), under words no demo text holds, each pointing at a real
page of the demo site."""

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, site_env

pytestmark = pytest.mark.browser

WORD = "流鏑馬"
TITLE = "流鏑馬行事の警備計画を教えてください"
DOCUMENTS = [
    # key, title, body, url, solved
    ("topic:990001", "流鏑馬の警備体制", "馬場の周りの警備員の配置", "/groups/saiken/", False),
    ("topic:990002", "流鏑馬行事の警備計画の作り方", "昨年の計画書を共有します", "/groups/", True),
    ("topic:990003", "流鏑馬の当日運営", "交通規制と案内", "/events/", False),
    ("page:990004", "流鏑馬の歴史(記事)", "神事としての流鏑馬", "/knowledge/", False),
    # found by its text alone: a chat message, titled with its room's name
    ("chat:990005", "行事ルーム", "当日の流鏑馬の駐車場は第二グラウンドです", "/groups/", False),
]

INDEX = """
import django, json, sys
django.setup()
from datetime import datetime, timedelta, UTC
from search.backends import get_backend
from search.documents import Document

now = datetime.now(UTC)
get_backend().write([
    Document(key=key, kind=key.split(":")[0], title=title, body=body, url=url, solved=solved,
             date=now - timedelta(days=n))
    for n, (key, title, body, url, solved) in enumerate(json.loads(sys.argv[1]))
], [])
"""


@pytest.fixture(scope="module")
def indexed(live_site):
    done = subprocess.run(
        [sys.executable, "-c", INDEX, json.dumps(DOCUMENTS)], cwd=ROOT, capture_output=True,
        text=True, env=site_env(live_site.database_url, live_site.mail_dir), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


def _errors(page) -> list:
    seen: list = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    return seen


def test_results_as_you_type_then_arrow_down_and_enter(member_page, indexed, axe_check, screenshot):
    page = member_page
    errors = _errors(page)
    page.goto("/")
    box = page.get_by_role("combobox", name="サイト内を検索")
    box.press_sequentially(WORD, delay=30)
    listbox = page.get_by_role("listbox", name="検索の候補")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(len(DOCUMENTS) + 1)
    expect(options.last).to_have_text("すべての結果を見る")
    expect(listbox.locator("mark").first).to_have_text(WORD)
    expect(box).to_have_attribute("aria-expanded", "true")
    axe_check(page)

    box.press("ArrowDown")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    screenshot(page, "search-instant")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    target = first.inner_text()
    url = next(d[3] for d in DOCUMENTS if d[1] in target)
    box.press("Enter")
    page.wait_for_url(lambda u: u.endswith(url))
    assert errors == []


def test_a_result_found_by_its_text_shows_the_words_in_it(member_page, indexed):
    page = member_page
    page.goto("/")
    page.get_by_role("combobox", name="サイト内を検索").press_sequentially(WORD, delay=30)
    chat = page.get_by_role("option").filter(has_text="行事ルーム")
    expect(chat.locator(".instant-results__snippet mark")).to_have_text(WORD)
    expect(chat).to_contain_text("駐車場は第二グラウンド")
    titled = page.get_by_role("option").filter(has_text="流鏑馬の警備体制")
    expect(titled.locator(".instant-results__snippet")).to_have_count(0)


def test_options_for_other_words_are_never_chosen(member_page, indexed):
    """Cleared, or changed and not yet looked up again, the box's old options are not chosen by
    the arrows and Enter: Enter sends the words in the box."""
    page = member_page
    page.goto("/groups/")
    box = page.get_by_role("combobox", name="サイト内を検索")
    box.press_sequentially(WORD, delay=30)
    listbox = page.get_by_role("listbox", name="検索の候補")
    expect(listbox.get_by_role("option")).to_have_count(len(DOCUMENTS) + 1)
    box.press("ArrowDown")
    box.press("End")
    box.press("Backspace")  # one word fewer: the options shown are for the old words
    box.press("ArrowDown")
    assert listbox.locator("[aria-selected=true]").count() == 0  # now, before the new look-up
    box.fill("")
    expect(listbox).to_be_hidden()
    box.press("ArrowDown")
    expect(listbox).to_be_hidden()
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".+"))
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=$"))


def test_escape_closes_and_the_last_option_shows_every_result(
    member_page, indexed, axe_check, screenshot
):
    page = member_page
    page.goto("/groups/")
    box = page.get_by_role("combobox", name="サイト内を検索")
    box.press_sequentially(WORD, delay=30)
    listbox = page.get_by_role("listbox", name="検索の候補")
    expect(listbox).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press("ArrowDown")  # opens the list again, on the first option
    expect(listbox).to_be_visible()
    box.press("ArrowUp")  # back to the box
    box.press("ArrowUp")  # round to the last option
    expect(listbox.get_by_role("option").last).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))

    results = page.locator(".search-result")
    expect(results).to_have_count(len(DOCUMENTS))
    expect(results.first.locator("mark").first).to_have_text(WORD)
    expect(page.locator(".result-count")).to_contain_text(f"検索結果 {len(DOCUMENTS)} 件")
    expect(page.get_by_role("combobox", name="サイト内を検索")).to_have_value(WORD)
    axe_check(page)

    screenshot(page, "search-results")

    # The page's own form narrows the search (the facets are tested in tests/search/).
    form = page.get_by_role("search", name="検索条件")
    form.locator("summary").click()
    form.get_by_label("解決済みのみ").check()
    form.get_by_role("button", name="検索").click()
    page.wait_for_url(re.compile(r"solved=on"))
    expect(results).to_have_count(1)
    expect(results.first.locator(".tag--solved")).to_have_text("解決済み")


def test_the_header_box_without_javascript(new_context, member_state, indexed):
    page = new_context(storage_state=member_state, java_script_enabled=False).new_page()
    page.goto("/")
    box = page.get_by_role("searchbox", name="サイト内を検索")
    box.fill(WORD)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.locator(".search-result")).to_have_count(len(DOCUMENTS))


def test_bad_dates_are_told_in_japanese(member_page, indexed):
    page = member_page
    page.goto(f"/search/?q={WORD}&since=2026-05-02&until=2026-05-01")
    expect(page.get_by_role("alert")).to_contain_text("終了日は開始日と同じ日か")


def test_similar_questions_while_writing_a_title(member_page, indexed, axe_check, screenshot):
    page = member_page
    errors = _errors(page)
    page.goto("/groups/saiken/new/")
    similar = page.get_by_role("region", name="似ている質問")
    expect(similar).to_be_hidden()
    title = page.get_by_label("タイトル")
    title.press_sequentially(TITLE, delay=20)
    expect(similar).to_be_visible()
    items = similar.get_by_role("listitem")
    # the three topics (demo topics that share a word may follow); never the article
    for _key, name, _body, _url, _solved in DOCUMENTS[:3]:
        expect(items.filter(has_text=name)).to_have_count(1)
    expect(items.filter(has_text=DOCUMENTS[3][1])).to_have_count(0)
    expect(items.first.locator(".tag--solved")).to_have_text("解決済み")
    expect(items.first).to_contain_text("流鏑馬行事の警備計画の作り方")
    expect(items.nth(1).locator(".tag--solved")).to_have_count(0)
    link = items.first.get_by_role("link")
    expect(link).to_have_attribute("target", "_blank")
    axe_check(page)
    screenshot(page, "similar-questions")

    title.fill("流")
    expect(similar).to_be_hidden()
    assert errors == []
