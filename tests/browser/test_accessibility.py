"""axe-core finds nothing serious or critical on the pages of the members issue."""

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PUBLIC_PAGES = {
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
    "password-reset": "/accounts/password/reset/",
}
MEMBER_PAGES = {
    "home": "/",
    "profile-edit": "/profile/",
    "notifications": "/notifications/",
    "posting-add": "/profile/history/add",
    "member-directory": "/members/",
    "groups": "/groups/",
    "group": "/groups/saiken/",
    "group-leave": "/groups/saiken/leave",
    "group-people": "/groups/saiken/people/",
    "topic": "/groups/saiken/t/1/",
    "topic-new": "/groups/saiken/new/",
    "group-propose": "/groups/new/",
    "bookmarks": "/bookmarks/",
    "notification-preferences": "/notifications/preferences/",
    "email-change": "/accounts/email/",
    "password-change": "/accounts/password/change/",
}


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_page(page, axe_check, path):
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)


def test_signup_with_errors(page, sign_up, axe_check):
    sign_up(page, "hanako.yokohama@gmail.com", password="short")
    expect(page.get_by_text("自治体・省庁のメールアドレスでのみ登録できます。")).to_be_visible()
    axe_check(page)


def test_code_entry_page(page, sign_up, axe_check):
    sign_up(page, f"a11y.{uuid.uuid4().hex[:10]}@city.yokohama.lg.jp")
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    axe_check(page)


@pytest.mark.parametrize("path", MEMBER_PAGES.values(), ids=MEMBER_PAGES.keys())
def test_member_page(member_page, axe_check, screenshot, path):
    member_page.goto(path)
    expect(member_page.get_by_role("heading", level=1)).to_be_visible()
    if path == "/":
        screenshot(member_page, "home")
    axe_check(member_page)


def test_member_profile(member_page, axe_check):
    member_page.goto("/profile/")
    member_page.get_by_role("link", name="他の会員からの見え方を確認する").click()
    expect(member_page).to_have_url(re.compile(r"/members/\d+/\?as=member$"))
    axe_check(member_page)


def test_member_directory(member_page, axe_check):
    member_page.goto("/members/?q=%E8%B2%A1%E6%94%BF")
    expect(member_page.get_by_role("heading", level=1)).to_have_text("人を探す")
    expect(member_page.locator(".member-card").first).to_be_visible()
    axe_check(member_page)


def test_phone_menu(new_context, member_state, axe_check):
    page = new_context(
        storage_state=member_state, viewport={"width": 390, "height": 844}
    ).new_page()
    page.goto("/")
    toggle = page.get_by_role("button", name="メニュー")
    home_link = page.locator("#site-nav").get_by_role("link", name="ホーム")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(home_link).to_be_hidden()
    axe_check(page)

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(home_link).to_be_visible()
    axe_check(page)


def test_moderation_overview(page, login, axe_check):
    """The demo moderator moderates a group: the nav's moderation entry leads to the queues."""
    login(page, "demo-moderator@city.funabashi.lg.jp")
    page.locator("#site-nav").get_by_role("link", name="モデレーション").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("モデレーション")
    expect(page.get_by_role("link", name="担当グループの通報")).to_be_visible()
    axe_check(page)
