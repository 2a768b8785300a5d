"""Reminders the day before and an hour before, to confirmed registrants only, each exactly
once however often the clock runs (a second worker, a restart); the clock itself (the events
task enqueued once per minute through cityhall.periodic) and the lottery drawn at its close."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cityhall import periodic
from events import services
from events.models import Occurrence, Registration
from events.notifications import REGISTRATION, REMINDER
from members.models import Notification
from tests.events.conftest import first_occurrence, make_series
from tests.factories import MemberFactory

Status = Registration.Status


def _reminders(member=None):
    found = Notification.objects.filter(kind=REMINDER)
    return found.filter(recipient=member) if member else found


def _starting_in(occurrence, delta):
    start = timezone.now() + delta
    ends = start + timedelta(hours=1)
    Occurrence.objects.filter(pk=occurrence.pk).update(starts_at=start, ends_at=ends)


@pytest.mark.django_db
def test_the_day_before_then_the_hour_before_once_each(occurrence):
    member, waiting = MemberFactory(), MemberFactory()
    services.registration_create(member=member, occurrence=occurrence)
    services.occurrence_capacity_set(actor=occurrence.series.created_by, occurrence=occurrence,
                                     capacity=1)  # fmt: skip
    services.registration_create(member=waiting, occurrence=occurrence)
    _starting_in(occurrence, timedelta(days=2))
    assert services.reminders_send() == 0
    _starting_in(occurrence, timedelta(hours=20))
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    _starting_in(occurrence, timedelta(minutes=50))
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    sent = [n.params["event"] for n in _reminders(member).order_by("pk")]
    assert sent == ["day", "hour"]
    assert not _reminders(waiting).exists()  # the waitlist is not reminded


@pytest.mark.django_db
def test_someone_confirmed_in_the_last_hour_gets_only_the_hour_reminder(occurrence):
    _starting_in(occurrence, timedelta(minutes=30))
    member = MemberFactory()
    services.registration_create(member=member, occurrence=occurrence)
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert [n.params["event"] for n in _reminders(member)] == ["hour"]


@pytest.mark.django_db
def test_a_cancelled_occurrence_or_registration_is_not_reminded(organizer, occurrence):
    stays, leaves = MemberFactory(), MemberFactory()
    for member in (stays, leaves):
        services.registration_create(member=member, occurrence=occurrence)
    services.registration_cancel(member=leaves, occurrence=occurrence)
    _starting_in(occurrence, timedelta(hours=5))
    services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    assert services.reminders_send() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_remind_each_registrant_once(organizer, vaccine_group):
    occurrence = first_occurrence(make_series(organizer, vaccine_group, capacity=30))
    members = [MemberFactory() for _ in range(12)]
    for member in members:
        services.registration_create(member=member, occurrence=occurrence)
    _starting_in(occurrence, timedelta(hours=3))
    barrier, counts, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            counts.append(services.reminders_send())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sum(counts) == 12
    assert _reminders().count() == 12
    assert {n.recipient_id for n in _reminders()} == {m.pk for m in members}


@pytest.mark.django_db
def test_the_clock_enqueues_the_events_task_once_a_minute(run_tasks):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now().replace(second=5)
    assert "events.tick" in periodic.enqueue_due(now)
    assert "events.tick" not in periodic.enqueue_due(now + timedelta(seconds=30))
    assert "events.tick" in periodic.enqueue_due(now + timedelta(seconds=60))
    ticks = DBTaskResult.objects.filter(task_path="events.tasks.events_tick")
    assert ticks.count() == 2
    run_tasks()  # with the other apps' clock tasks (the search outbox's drain, ...)
    assert ticks.filter(status="SUCCESSFUL").count() == 2


@pytest.mark.django_db
def test_the_clock_draws_a_closed_lottery_and_reminds(organizer, vaccine_group, run_tasks):
    from events.tasks import events_tick

    occurrence = first_occurrence(make_series(organizer, vaccine_group, capacity=1,
                                              mode="lottery"))  # fmt: skip
    entrants = [MemberFactory() for _ in range(3)]
    for member in entrants:
        services.registration_create(member=member, occurrence=occurrence)
    _starting_in(occurrence, timedelta(minutes=40))
    Occurrence.objects.filter(pk=occurrence.pk).update(
        lottery_closes_at=timezone.now() - timedelta(minutes=1)
    )
    events_tick.enqueue()
    assert run_tasks() == 1
    occurrence.refresh_from_db()
    assert occurrence.lottery_drawn_at and occurrence.lottery_seed
    winner = occurrence.registrations.get(status=Status.CONFIRMED).member
    assert [n.params["event"] for n in _reminders()] == ["hour"]
    assert _reminders().get().recipient == winner
    results = Notification.objects.filter(kind=REGISTRATION, params__event__in=["won", "lost"])
    assert results.count() == 3


@pytest.mark.django_db
def test_a_moved_occurrence_reminds_its_registrants_again_for_the_new_start(organizer, occurrence):
    member = MemberFactory()
    services.registration_create(member=member, occurrence=occurrence)
    _starting_in(occurrence, timedelta(minutes=30))
    assert services.reminders_send() == 1  # the hour's reminder, for the old start
    start = timezone.now() + timedelta(days=1, hours=-2)
    occurrence.refresh_from_db()
    services.occurrence_move(actor=organizer, occurrence=occurrence, starts_at=start,
                             ends_at=start + timedelta(hours=1))  # fmt: skip
    assert services.reminders_send() == 1
    assert [n.params["event"] for n in _reminders(member).order_by("pk")] == ["hour", "day"]
