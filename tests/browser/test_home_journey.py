"""The morning home page: a member with unread topics and chat messages signs in, sees the
counts on the home page and beside グループ in the navigation, follows the chat count of
債権回収 into the room, and finds that count gone when back home. (axe checks the home page at
desktop and phone width in test_accessibility.py.)"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# In every demo group, with others' demo topics and chat messages she has not read yet; no
# other browser test signs in as her.
EARLY_BIRD = "watanabe.ayaka@city.sendai.jp"


def _nav_chat_count(page) -> int:
    badge = page.locator('#site-nav [data-nav-count="chat.unread"]')
    if badge.count() == 0:
        return 0
    return int(re.sub(r"\D", "", badge.inner_text()))


def test_morning_home_page_with_unread_counts(new_context, login):
    page = new_context().new_page()
    login(page, EARLY_BIRD)

    groups = page.locator("#home-my-groups")
    saiken = groups.locator('li[data-group="saiken"]')
    chat_count = saiken.get_by_role("link", name=re.compile(r"チャット 未読 \d+"))
    expect(chat_count).to_be_visible()
    expect(saiken.locator(".badge-new")).to_contain_text("新着")
    expect(page.locator("#home-topics")).to_contain_text(
        "分納誓約が途中で止まった滞納者への次の一手"
    )
    unread_in_saiken = int(re.search(r"\d+", chat_count.inner_text()).group())
    before = _nav_chat_count(page)
    assert before >= unread_in_saiken > 0

    chat_count.click()
    expect(page).to_have_url(re.compile(r"/groups/saiken/chat/$"))

    page.goto("/")
    expect(page.locator("#home-my-groups")).to_be_visible()
    expect(saiken.get_by_role("link", name=re.compile("チャット 未読"))).to_have_count(0)
    assert _nav_chat_count(page) == before - unread_in_saiken
