"""Waiting for a seat: an occurrence of a study session in 債権回収 with two seats (made by the
organizer's service in a child process, as the knowledge journey makes its section). Two
members register and are confirmed; a third finds the session full, registers and is told
「補欠 1 番目」; one of the confirmed members cancels in their browser; the waitlisted member
reloads and finds 「参加予定」, and the promotion among their notifications."""

import re
import subprocess
import sys
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, site_env

pytestmark = pytest.mark.browser

FIRST = "demo-member@city.kobe.lg.jp"
SECOND = "demo-moderator@city.funabashi.lg.jp"
THIRD = "watanabe.ayaka@city.sendai.jp"  # 渡辺 彩花, a plain member of every demo group

# One occurrence of a new series in 債権回収 (open to every member), organized by the demo
# organizer, a week ahead, two seats, first come; prints the occurrence's id.
MAKE_OCCURRENCE = """
import sys
from datetime import timedelta
import django
django.setup()
from django.utils import timezone
from events import services
from groups.models import Group
from members.models import User
series = services.series_create(
    author=User.objects.get(email="demo-organizer@pref.kanagawa.lg.jp"),
    group=Group.objects.get(slug="saiken"), title=sys.argv[1],
    description="差押えから配当までを事例で確認します。",
    first_start=timezone.now() + timedelta(days=7), rule="", capacity=2,
)
print(series.occurrences.get().pk)
"""


@pytest.fixture
def occurrence(live_site):
    """(path, title) of a fresh occurrence with two seats."""
    title = f"滞納整理の実務勉強会({uuid.uuid4().hex[:8]})"
    made = subprocess.run(
        [sys.executable, "-c", MAKE_OCCURRENCE, title], cwd=ROOT, capture_output=True,
        text=True, env=site_env(live_site.database_url, live_site.mail_dir), timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    return f"/events/{int(made.stdout.strip().splitlines()[-1])}/", title


def _on_the_occurrence(new_context, login, address, path):
    page = login(new_context().new_page(), address)
    page.goto(path)
    return page


def _my_status(page):
    return page.get_by_role("region", name="申込").locator("[data-my-status] [data-status]")


def _message(page):
    return page.get_by_role("status").locator(".messages")


def test_a_waitlisted_member_is_promoted_when_a_seat_is_freed(new_context, login, occurrence,
                                                              axe_check):  # fmt: skip
    path, title = occurrence

    confirmed = []
    for address in (FIRST, SECOND):
        page = _on_the_occurrence(new_context, login, address, path)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        page.get_by_role("button", name="参加を申し込む").click()
        expect(_message(page)).to_contain_text("参加が確定しました。")
        expect(_my_status(page)).to_have_text("参加予定")
        confirmed.append(page)
    expect(confirmed[-1].locator(".event__facts")).to_contain_text("2 / 2 人")

    third = _on_the_occurrence(new_context, login, THIRD, path)
    expect(third.get_by_role("button", name="参加を申し込む")).to_have_count(0)
    third.get_by_role("button", name="補欠として申し込む").click()
    expect(_message(third)).to_contain_text("補欠 1 番目")
    expect(_my_status(third)).to_have_text("補欠 1 番目")
    expect(third.get_by_role("region", name="申込")).to_contain_text(
        "キャンセルが出ると自動で繰り上がり、お知らせします。"
    )
    axe_check(third)

    first = confirmed[0]
    asked = []
    first.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    first.get_by_role("button", name="申込を取り消す").click()
    expect(_message(first)).to_contain_text("申込を取り消しました。")
    assert asked == ["この回の申込を取り消します。よろしいですか?"]  # asked first
    expect(_my_status(first)).to_have_count(0)
    expect(first.locator(".event__facts")).to_contain_text("2 / 2 人")  # the seat went on

    third.reload()
    expect(_my_status(third)).to_have_text("参加予定")
    expect(third.locator(".event__facts")).not_to_contain_text("補欠")

    third.goto("/notifications/")
    notice = third.locator(".notification", has_text=title)
    expect(notice.filter(has_text="空きが出たため、参加が確定しました。")).to_have_count(1)
    expect(notice.filter(has_text="補欠1番目で受け付けました")).to_have_count(1)
    notice.filter(has_text="空きが出たため").get_by_role("link").click()
    expect(third).to_have_url(re.compile(re.escape(path) + "$"))
    expect(_my_status(third)).to_have_text("参加予定")
