"""Series and their occurrences: the recurrence in Japan time (around midnight too), editing a
series without losing registrations, moving or cancelling one occurrence (registrants told),
and bad input refused with Japanese messages."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import recurrence, services
from events.models import Occurrence
from events.notifications import CHANGE
from members.models import Notification
from tests.events.conftest import first_occurrence, make_series
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")


def _jst(occurrence):
    return occurrence.starts_at.astimezone(JST)


def test_every_saturday_at_ten_stays_ten_in_japan_time():
    first = datetime(2026, 12, 5, 10, 0, tzinfo=JST)  # a Saturday
    starts = recurrence.starts("FREQ=WEEKLY;BYDAY=SA", first, until=date(2027, 1, 31),
                               horizon=datetime(2027, 6, 1, tzinfo=JST))  # fmt: skip
    local = [start.astimezone(JST) for start in starts]
    assert len(local) == 9 and local[-1].date() == date(2027, 1, 30)
    assert {(day.weekday(), day.time()) for day in local} == {(5, time(10, 0))}
    assert starts[0].astimezone(ZoneInfo("UTC")).hour == 1  # 10:00 JST is 01:00 UTC


def test_a_session_just_after_midnight_falls_on_the_japanese_date():
    first = datetime(2026, 12, 5, 0, 30, tzinfo=JST)  # 15:30 UTC on the 4th
    starts = recurrence.starts("FREQ=DAILY;COUNT=3", first,
                               horizon=datetime(2027, 1, 1, tzinfo=JST))  # fmt: skip
    assert [s.astimezone(JST).date().day for s in starts] == [5, 6, 7]
    assert starts[0].astimezone(ZoneInfo("UTC")).date() == date(2026, 12, 4)


def test_a_weekly_series_gets_its_occurrences_up_to_the_horizon(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY")
    count = series.occurrences.count()
    assert 15 <= count <= 18  # 120 days ahead
    starts = [_jst(o) for o in series.occurrences.order_by("starts_at")]
    assert {s.time() for s in starts} == {starts[0].time()}
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))


def test_bad_series_input_is_refused_in_japanese(organizer, vaccine_group):
    cases = [
        ({"days": -1}, "初回の開始は今より後"),
        ({"rule": "FREQ=SOMETIMES"}, "繰り返しの指定を読み取れません"),
        ({"rule": "FREQ=WEEKLY\x00"}, "繰り返しの指定を読み取れません"),
    ]
    for fields, message in cases:
        with pytest.raises(ValidationError, match=message):
            make_series(organizer, vaccine_group, **fields)
    with pytest.raises(ValidationError):
        make_series(organizer, vaccine_group, capacity=0)
    assert not vaccine_group.event_series.exists()


def test_only_members_of_the_group_organize_in_it(vaccine_group):
    with pytest.raises(PermissionDenied):
        make_series(MemberFactory(), vaccine_group)


def test_editing_the_series_keeps_occurrences_with_registrations(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY")
    kept = first_occurrence(series)
    registration, _ = services.registration_create(member=MemberFactory(), occurrence=kept)
    kept_start = kept.starts_at
    services.series_update(actor=organizer, series=series, rule="FREQ=WEEKLY;INTERVAL=2",
                           capacity=50)  # fmt: skip
    kept.refresh_from_db()
    registration.refresh_from_db()
    assert kept.starts_at == kept_start and kept.capacity == 3
    assert registration.status == registration.Status.CONFIRMED
    others = series.occurrences.exclude(pk=kept.pk).order_by("starts_at")
    assert {o.capacity for o in others} == {50}
    gaps = {b.starts_at - a.starts_at for a, b in zip(others, others[1:], strict=False)}
    assert gaps == {timedelta(days=14)}


def test_moving_one_occurrence_tells_its_registrants(organizer, occurrence):
    member = MemberFactory()
    services.registration_create(member=member, occurrence=occurrence)
    later = occurrence.starts_at + timedelta(days=1)
    services.occurrence_move(actor=organizer, occurrence=occurrence, starts_at=later,
                             ends_at=later + timedelta(hours=2))  # fmt: skip
    told = Notification.objects.get(recipient=member, kind=CHANGE)
    assert told.params["event"] == "moved"
    assert timezone.localtime(later).strftime("%-d日") in told.params["when"]
    with pytest.raises(ValidationError, match="終了は開始より後"):
        services.occurrence_move(actor=organizer, occurrence=occurrence, starts_at=later,
                                 ends_at=later)  # fmt: skip
    with pytest.raises(ValidationError, match="開始は今より後"):
        past = timezone.now() - timedelta(days=1)
        services.occurrence_move(actor=organizer, occurrence=occurrence, starts_at=past,
                                 ends_at=past + timedelta(hours=1))  # fmt: skip


def test_cancelling_one_occurrence_leaves_the_others(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY")
    first, second = series.occurrences.order_by("starts_at")[:2]
    member = MemberFactory()
    services.registration_create(member=member, occurrence=first)
    services.occurrence_cancel(actor=organizer, occurrence=first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Occurrence.Status.CANCELLED
    assert second.status == Occurrence.Status.SCHEDULED
    assert Notification.objects.get(recipient=member, kind=CHANGE).params["event"] == "cancelled"


def test_only_organizers_move_or_cancel(occurrence):
    stranger = MemberFactory()
    with pytest.raises(PermissionDenied):
        services.occurrence_cancel(actor=stranger, occurrence=occurrence)
    occurrence.refresh_from_db()
    assert occurrence.status == Occurrence.Status.SCHEDULED


def test_a_cancelled_occurrence_keeps_its_time_and_capacity(organizer, occurrence):
    services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    start = occurrence.starts_at + timedelta(days=7)
    with pytest.raises(ValidationError):
        services.occurrence_move(actor=organizer, occurrence=occurrence, starts_at=start,
                                 ends_at=start + timedelta(hours=1))  # fmt: skip
    with pytest.raises(ValidationError):
        services.occurrence_capacity_set(actor=organizer, occurrence=occurrence, capacity=50)
    occurrence.refresh_from_db()
    assert occurrence.starts_at < start and occurrence.capacity == 3
    assert not Notification.objects.filter(kind=CHANGE, params__event="moved").exists()


def test_a_new_start_time_adds_no_second_session_on_a_day_with_registrants(
    organizer, vaccine_group
):
    series = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY")
    registered = first_occurrence(series)
    services.registration_create(member=MemberFactory(), occurrence=registered)
    services.series_update(actor=organizer, series=series,
                           first_start=series.first_start + timedelta(minutes=30))  # fmt: skip
    days = [timezone.localdate(o.starts_at) for o in series.occurrences.all()]
    assert len(days) == len(set(days))  # one session a day
    registered.refresh_from_db()
    assert registered.starts_at == series.occurrences.order_by("starts_at").first().starts_at


def test_a_first_date_moved_into_the_past_adds_no_past_sessions(organizer, vaccine_group):
    series = make_series(organizer, vaccine_group, rule="FREQ=WEEKLY")
    services.series_update(actor=organizer, series=series,
                           first_start=series.first_start - timedelta(weeks=5))  # fmt: skip
    assert not series.occurrences.filter(starts_at__lte=timezone.now()).exists()
    assert series.occurrences.exists()


def test_a_lottery_whose_first_deadline_has_passed_is_refused(organizer, vaccine_group):
    with pytest.raises(ValidationError) as refused:
        make_series(organizer, vaccine_group, days=1, mode="lottery", lottery_hours_before=48)
    assert "lottery_hours_before" in refused.value.message_dict
    assert make_series(organizer, vaccine_group, days=3, mode="lottery", lottery_hours_before=48)
