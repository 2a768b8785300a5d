"""What organizers and members take away from an occurrence: the printable notice (和暦 in
Japanese, English dates in English, always Japan time)."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from events import services
from groups.models import Group
from tests.events.conftest import first_occurrence
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")


def _client(member, language: str = "ja") -> Client:
    client = Client()
    client.force_login(member)
    client.cookies["django_language"] = language
    return client


def _saturday_at(hour: int) -> datetime:
    """A Saturday about a month ahead, at ``hour`` in Japan time."""
    day = timezone.localdate() + timedelta(days=30)
    day += timedelta(days=(5 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def _occurrence_at(organizer, group, start, **more):
    series = services.series_create(
        author=organizer, group=group, title="滞納整理 勉強会", first_start=start,
        duration_minutes=90, description="**差押え**の実務を学びます。", **more,
    )  # fmt: skip
    return first_occurrence(series)


def _when(page: str) -> str:
    return re.search(r"<dd data-when>(.*?)</dd>", page, re.S).group(1)


# --- the notice -----------------------------------------------------------------------------


def test_the_notice_gives_the_date_in_wareki_with_the_weekday_in_japan_time(
    organizer, vaccine_group, member
):
    start = _saturday_at(8)  # Friday 23:00 UTC: the JST day must win
    occurrence = _occurrence_at(organizer, vaccine_group, start)
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    era_year = start.year - 2018
    expected = f"令和{era_year}年{start.month}月{start.day}日(土) 08:00〜09:30"
    assert re.sub(r"<[^>]+>", "", _when(page)) == expected
    assert "滞納整理 勉強会" in page and "ワクチン接種体制" in page
    assert "<strong>差押え</strong>" in page
    assert f"/events/{occurrence.pk}/" in page


def test_the_english_notice_has_english_dates_and_no_wareki(organizer, vaccine_group, member):
    start = _saturday_at(8)
    occurrence = _occurrence_at(organizer, vaccine_group, start)
    page = _client(member, "en").get(f"/events/{occurrence.pk}/notice/").content.decode()
    when = re.sub(r"<[^>]+>", "", _when(page))
    assert when == f"Sat, {start:%b} {start.day}, {start.year}, 08:00–09:30"
    assert "令和" not in page and "(土)" not in page


def test_a_notice_over_midnight_gives_both_days(organizer, vaccine_group, member):
    start = _saturday_at(23)
    occurrence = _occurrence_at(organizer, vaccine_group, start)
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    sunday = start + timedelta(days=1)
    assert re.sub(r"<[^>]+>", "", _when(page)).endswith(
        f"〜令和{sunday.year - 2018}年{sunday.month}月{sunday.day}日(日) 00:30"
    )


def test_the_notice_prints_without_the_site_around_it(organizer, vaccine_group, member):
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10))
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    assert 'href="/static/css/events.css"' in page
    css = (Path(django_settings.BASE_DIR) / "static/css/events.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".site-header" in print_rules and ".notice-sheet__back" in print_rules


def test_a_cancelled_occurrence_says_so_on_its_notice(organizer, vaccine_group, member):
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10))
    services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    page = _client(member).get(f"/events/{occurrence.pk}/notice/").content.decode()
    assert "この回は中止になりました。" in page


def test_the_notice_never_shows_the_meeting_url(organizer, vaccine_group):
    url = "https://meet.example.jp/j/secret"
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10), meeting_url=url)
    assert url not in _client(organizer).get(f"/events/{occurrence.pk}/notice/").content.decode()


def test_the_notice_of_a_closed_group_is_404_for_others(organizer, member):
    closed = GroupFactory(owner=organizer, kind=Group.Kind.CLOSED, slug="naisho")
    occurrence = _occurrence_at(organizer, closed, _saturday_at(10))
    assert _client(member).get(f"/events/{occurrence.pk}/notice/").status_code == 404
    assert _client(organizer).get(f"/events/{occurrence.pk}/notice/").status_code == 200


def test_the_wareki_filter_takes_a_datetime_in_japan_time():
    friday_night_utc = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("UTC"))
    rendered = Template("{% load cityhall %}{{ when|wareki }}").render(
        Context({"when": friday_night_utc})
    )
    assert rendered == "令和8年12月5日"


def test_the_occurrence_page_links_its_file_and_its_notice(organizer, vaccine_group, member):
    occurrence = _occurrence_at(organizer, vaccine_group, _saturday_at(10))
    page = _client(member).get(f"/events/{occurrence.pk}/").content.decode()
    assert f'href="/events/{occurrence.pk}/event.ics"' in page
    assert f'href="/events/{occurrence.pk}/notice/"' in page
