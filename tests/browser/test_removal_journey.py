"""A removed member cannot rejoin: a moderator removes a member of 子育てサロン after
confirming, with a reason; the member reads why in their notifications and finds the group
page telling them so instead of 「参加する」; the moderator allows rejoining and the button is
back. The new pages pass axe on the way."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MODERATOR = "demo-moderator@city.funabashi.lg.jp"
MEMBER = "kato.megumi@city.niigata.lg.jp"  # 加藤 恵, a plain member of every demo group
NAME = "加藤 恵"
GROUP = "/groups/kosodate/"
REASON = "業務と関係のない勧誘が続いたため"


def test_a_removed_member_is_told_why_and_cannot_rejoin_until_allowed(new_context, login,
                                                                       axe_check):  # fmt: skip
    moderator = new_context().new_page()
    login(moderator, MODERATOR)
    moderator.goto(f"{GROUP}members/")
    moderator.locator("tr", has_text=NAME).get_by_role("link", name="メンバーから外す…").click()
    expect(
        moderator.get_by_role("heading", name=f"{NAME}さんをメンバーから外しますか?")
    ).to_be_visible()
    moderator.get_by_role("button", name="メンバーから外す").click()
    expect(moderator.get_by_text("理由を書いてください。本人に伝わります。")).to_be_visible()
    axe_check(moderator)
    moderator.get_by_label("外す理由").fill(REASON)
    moderator.get_by_role("button", name="メンバーから外す").click()
    expect(moderator.get_by_text(f"{NAME}さんをメンバーから外しました。")).to_be_visible()
    removed_list = moderator.locator("h2:has-text('外したメンバー') + ul")
    expect(removed_list).to_contain_text(NAME)

    member = new_context().new_page()
    login(member, MEMBER)
    member.goto("/notifications/")
    expect(member.get_by_text(REASON)).to_be_visible()
    member.goto(GROUP)
    expect(member.get_by_role("status").filter(has_text=REASON)).to_be_visible()
    expect(member.get_by_role("button", name="参加する", exact=True)).to_have_count(0)
    axe_check(member)

    removed_list.locator("li", has_text=NAME).get_by_role("button", name="再参加を許可").click()
    expect(moderator.get_by_text(f"{NAME}さんの再参加を許可しました。")).to_be_visible()

    member.reload()
    member.get_by_role("button", name="参加する", exact=True).click()
    expect(member.get_by_text("グループに参加しました。")).to_be_visible()
