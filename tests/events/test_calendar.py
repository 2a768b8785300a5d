"""An occurrence as an .ics file, the member's calendar feed (no session: the token is the key)
and its settings page: times in Japan time with their VTIMEZONE, the meeting URL only for those
who may see it, a revoked token answered 404 at once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import CalendarToken, Registration
from groups import services as group_services
from groups.models import Group, Membership
from members import services as member_services
from tests.events.conftest import first_occurrence, make_series
from tests.factories import GroupFactory, MemberFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
MEETING_URL = "https://meet.example.jp/j/secret-room-123"
VENUE = "神戸市役所 1号館 14階 大会議室"
Status = Registration.Status


def _saturday_at(hour: int) -> datetime:
    """A Saturday about a month ahead, at ``hour`` in Japan time."""
    day = timezone.localdate() + timedelta(days=30)
    day += timedelta(days=(5 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def series_at(organizer, group, start, **more):
    return services.series_create(
        author=organizer, group=group, title="滞納整理 勉強会", description="差押えの実務。",
        first_start=start, duration_minutes=90, rule="", **more,
    )  # fmt: skip


@pytest.fixture
def meeting(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, capacity=1, meeting_url=MEETING_URL,
                         venue=VENUE)  # fmt: skip
    return first_occurrence(series)


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _ics(member, occurrence) -> icalendar.Calendar:
    return _parse(_client(member).get(reverse("events:occurrence_ics", args=[occurrence.pk])))


def _feed_url(member) -> str:
    return reverse("events:calendar_feed", args=[services.calendar_token_for(member).token])


def _feed(member) -> icalendar.Calendar:
    return _parse(Client().get(_feed_url(member)))


def _register(member, occurrence) -> Registration:
    return services.registration_create(member=member, occurrence=occurrence)[0]


# --- one occurrence as a file ---------------------------------------------------------------


def test_the_file_parses_back_with_the_start_in_japan_time(organizer, vaccine_group, member):
    start = _saturday_at(8)  # 23:00 UTC on the Friday
    occurrence = first_occurrence(series_at(organizer, vaccine_group, start))
    response = _client(member).get(f"/events/{occurrence.pk}/event.ics")
    assert response["Content-Disposition"] == f'attachment; filename="event-{occurrence.pk}.ics"'
    calendar = _parse(response)
    [event] = calendar.events
    assert event.start == start and event.end == start + timedelta(minutes=90)
    in_utc = event.start.astimezone(UTC)
    assert (in_utc.weekday(), in_utc.hour) == (4, 23)  # Friday 23:00 UTC
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Tokyo"]
    assert b"DTSTART;TZID=Asia/Tokyo:" + start.strftime("%Y%m%dT080000").encode() in (
        response.content
    )


def test_the_event_has_a_summary_description_url_and_a_stable_uid(meeting, member, settings):
    settings.SITE_URL = "https://cityhall.example.jp"
    first, again = _ics(member, meeting).events[0], _ics(member, meeting).events[0]
    assert first.uid == again.uid == f"occurrence-{meeting.pk}@cityhall.example.jp"
    assert first["SUMMARY"] == "ワクチン接種体制 情報交換会"
    assert first["URL"] == f"https://cityhall.example.jp/events/{meeting.pk}/"
    description = first["DESCRIPTION"]
    assert "ワクチン接種体制" in description and "毎週の情報交換会です。" in description
    assert first["STATUS"] == "CONFIRMED"
    other = first_occurrence(make_series(meeting.series.created_by, meeting.series.group))
    assert _ics(member, other).events[0].uid != first.uid


def test_a_cancelled_occurrence_is_status_cancelled(meeting, organizer, member):
    services.occurrence_cancel(actor=organizer, occurrence=meeting)
    event = _ics(member, meeting).events[0]
    assert event["STATUS"] == "CANCELLED"
    assert "中止" in event["DESCRIPTION"]


def test_the_meeting_url_and_venue_only_for_who_may_see_them(meeting, organizer, member):
    confirmed, waitlisted = MemberFactory(), MemberFactory()
    _register(confirmed, meeting)
    assert _register(waitlisted, meeting).status == Status.WAITLISTED
    for outsider in (member, waitlisted):
        body = _client(outsider).get(f"/events/{meeting.pk}/event.ics").content
        assert MEETING_URL.encode() not in body and "大会議室".encode() not in body
        assert "LOCATION" not in _ics(outsider, meeting).events[0]
    for insider in (confirmed, organizer):
        event = _ics(insider, meeting).events[0]
        assert event["LOCATION"] == VENUE and MEETING_URL in event["DESCRIPTION"]


def test_a_waitlisted_place_is_tentative(meeting):
    _register(MemberFactory(), meeting)
    waiting = MemberFactory()
    _register(waiting, meeting)
    assert _ics(waiting, meeting).events[0]["STATUS"] == "TENTATIVE"


def test_an_occurrence_in_a_closed_group_is_the_same_404_as_a_missing_one(organizer, member):
    closed = GroupFactory(owner=organizer, kind=Group.Kind.CLOSED, slug="naisho")
    occurrence = first_occurrence(make_series(organizer, closed))
    client = _client(member)
    assert client.get(f"/events/{occurrence.pk}/event.ics").status_code == 404
    assert client.get(f"/events/{occurrence.pk + 1000}/event.ics").status_code == 404
    assert client.get("/events/99999999999999999999999/event.ics").status_code == 404


# --- the feed -------------------------------------------------------------------------------


def test_the_feed_works_without_a_session_and_lists_active_registrations(
    organizer, vaccine_group, member, settings
):
    settings.SITE_URL = "https://cityhall.example.jp"
    seats = first_occurrence(make_series(organizer, vaccine_group, capacity=1, days=3))
    _register(MemberFactory(), seats)
    waitlisted = seats
    confirmed = first_occurrence(make_series(organizer, vaccine_group, days=4))
    lottery = first_occurrence(make_series(organizer, vaccine_group, days=5, mode="lottery"))
    cancelled_by_me = first_occurrence(make_series(organizer, vaccine_group, days=6))
    not_mine = first_occurrence(make_series(organizer, vaccine_group, days=7))
    for occurrence in (waitlisted, confirmed, lottery, cancelled_by_me):
        _register(member, occurrence)
    services.registration_cancel(member=member, occurrence=cancelled_by_me)
    calendar = _feed(member)
    statuses = {str(event.uid): str(event["STATUS"]) for event in calendar.events}
    uid = "occurrence-{}@cityhall.example.jp".format
    assert statuses == {
        uid(waitlisted.pk): "TENTATIVE", uid(confirmed.pk): "CONFIRMED",
        uid(lottery.pk): "TENTATIVE",
    }  # fmt: skip
    assert uid(not_mine.pk) not in statuses
    assert calendar["X-WR-CALNAME"] == "オンライン市役所のイベント"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert [e.start for e in calendar.events] == sorted(e.start for e in calendar.events)


def test_the_feed_shows_a_cancelled_occurrence_as_cancelled(meeting, organizer, member):
    _register(member, meeting)
    services.occurrence_cancel(actor=organizer, occurrence=meeting)
    assert [str(e["STATUS"]) for e in _feed(member).events] == ["CANCELLED"]


def test_the_meeting_url_is_in_the_feed_of_the_confirmed_only(meeting, member):
    _register(member, meeting)
    waiting = MemberFactory()
    _register(waiting, meeting)
    assert _feed(member).events[0]["LOCATION"] == VENUE
    body = Client().get(_feed_url(waiting)).content
    assert MEETING_URL.encode() not in body and "大会議室".encode() not in body


def test_a_revoked_token_is_404_at_once_and_the_new_one_works(meeting, member):
    _register(member, meeting)
    old = _feed_url(member)
    assert Client().get(old).status_code == 200
    services.calendar_token_replace(member=member)
    assert Client().get(old).status_code == 404
    assert len(_feed(member).events) == 1


@pytest.mark.parametrize("token", ["x", "a" * 64, "a" * 65, "a" * 5000, "%E2%80%AE", ".."])
def test_an_unknown_token_is_404(client, token):
    assert client.get(f"/events/calendar/{token}.ics").status_code == 404


@pytest.mark.parametrize("no_longer", ["suspended", "unverified", "deactivated"])
def test_the_feed_of_a_member_who_may_not_sign_in_is_404(meeting, member, organizer, no_longer):
    _register(member, meeting)
    url = _feed_url(member)
    if no_longer == "suspended":
        organizer.is_site_moderator = True
        organizer.save(update_fields=["is_site_moderator"])
        until = timezone.now() + timedelta(days=7)
        member_services.member_suspend(actor=organizer, member=member, until=until, reason="荒らし")
    elif no_longer == "unverified":
        EmailAddress.objects.filter(user=member).update(verified=False)
    else:
        member.is_active = False
        member.save(update_fields=["is_active"])
    assert Client().get(url).status_code == 404


def test_leaving_a_closed_group_takes_its_occurrences_out_of_the_feed(organizer, member):
    closed = GroupFactory(owner=organizer, kind=Group.Kind.CLOSED, slug="naisho")
    Membership.objects.create(group=closed, member=member)
    occurrence = first_occurrence(make_series(organizer, closed))
    _register(member, occurrence)
    assert len(_feed(member).events) == 1
    group_services.group_leave(member=member, group=closed)
    assert _feed(member).events == []


def test_the_feed_asks_the_same_queries_however_much_it_lists(
    organizer, vaccine_group, member, django_assert_num_queries
):
    def register_more(days):
        group = GroupFactory(owner=organizer, kind=Group.Kind.CLOSED, slug=f"g{days}")
        Membership.objects.create(group=group, member=member, role=Membership.Role.MODERATOR)
        for where in (vaccine_group, group):
            series = make_series(organizer, where, days=days, meeting_url=MEETING_URL)
            series.organizers.add(MemberFactory())
            _register(member, first_occurrence(series))

    register_more(3)
    url = _feed_url(member)
    client = Client()
    # the token and its member, the verified address, the registrations, memberships, organizers
    with django_assert_num_queries(5):
        assert len(_parse(client.get(url)).events) == 2
    for days in range(4, 9):
        register_more(days)
    with django_assert_num_queries(5):
        calendar = _parse(client.get(url))
    assert len(calendar.events) == 12
    assert all(MEETING_URL in event["DESCRIPTION"] for event in calendar.events)  # moderator


# --- the settings page ----------------------------------------------------------------------


def test_the_settings_page_shows_the_absolute_feed_url(member_client, member, settings):
    settings.SITE_URL = "https://cityhall.example.jp"
    page = member_client.get("/events/calendar/").content.decode()
    token = CalendarToken.objects.get(member=member).token
    assert f'value="https://cityhall.example.jp/events/calendar/{token}.ics"' in page
    assert f'href="webcal://cityhall.example.jp/events/calendar/{token}.ics"' in page
    assert "貼り付けて" in page


def test_making_a_new_url_revokes_the_old_one(member_client, member):
    member_client.get("/events/calendar/")
    old = CalendarToken.objects.get(member=member).token
    response = member_client.post("/events/calendar/", follow=True)
    new = CalendarToken.objects.get(member=member).token
    assert new != old and f"/events/calendar/{new}.ics" in response.content.decode()
    assert "前のURLはもう使えません" in response.content.decode()
    assert Client().get(f"/events/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/events/calendar/{new}.ics").status_code == 200


def test_the_settings_page_is_for_members_only(client):
    response = client.get("/events/calendar/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/events/calendar/").status_code == 302


def test_the_events_page_links_to_the_calendar_settings(member_client):
    page = member_client.get("/events/").content.decode()
    assert 'href="/events/calendar/"' in page and "カレンダーに登録" in page
