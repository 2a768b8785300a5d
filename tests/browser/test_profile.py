import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

OTHER_MEMBER = "demo-organizer@pref.kanagawa.lg.jp"


def test_edit_profile_hide_a_field_and_see_it_as_others_do(page, new_context, login, screenshot):
    marker = uuid.uuid4().hex[:6]
    department, section, team = f"経済観光局{marker}", "経済政策課", "企画係"
    bio = f"4月から経済観光局に異動しました。商店街の支援を担当しています。{marker}"

    login(page)
    page.goto("/profile/")
    screenshot(page, "profile-edit")
    form = page.locator("form").filter(has=page.get_by_role("button", name="保存する"))
    form.get_by_label("局・部", exact=True).fill(department)
    form.get_by_label("課・室", exact=True).fill(section)
    form.get_by_label("係・担当", exact=True).fill(team)
    form.get_by_role("textbox", name="自己紹介").fill(bio)
    private = form.get_by_role("group", name="他の会員に見せない項目")
    private.get_by_role("checkbox", name="所属部署").check()
    form.get_by_role("button", name="保存する").click()

    expect(page).to_have_url(re.compile(r"/profile/$"))
    expect(
        page.get_by_role("status").filter(has_text="プロフィールを保存しました。")
    ).to_be_visible()
    expect(form.get_by_label("局・部", exact=True)).to_have_value(department)
    expect(private.get_by_role("checkbox", name="所属部署")).to_be_checked()

    page.get_by_role("link", name="他の会員からの見え方を確認する").click()
    expect(page).to_have_url(re.compile(r"/members/\d+/\?as=member$"))
    expect(page.get_by_role("note")).to_contain_text("他の会員から見たあなたのプロフィールです。")
    expect(page.locator("article.profile")).to_contain_text(bio)
    expect(page.locator("article.profile")).not_to_contain_text(department)

    profile_url = page.url.removesuffix("?as=member")
    page.goto(profile_url)
    profile = page.locator("article.profile")
    expect(page.get_by_role("heading", level=1)).to_contain_text("山本 美咲")
    expect(profile).to_contain_text(f"{department} {section} {team}")
    expect(profile).to_contain_text(bio)

    other = new_context().new_page()
    login(other, OTHER_MEMBER)
    other.goto(profile_url)
    expect(other.get_by_role("heading", level=1)).to_contain_text("山本 美咲")
    expect(other.locator("article.profile")).to_contain_text(bio)
    expect(other.locator("article.profile")).not_to_contain_text(department)
    expect(other.locator("article.profile")).not_to_contain_text(section)
