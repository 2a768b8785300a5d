"""The rush for seats from many connections at once: real threads, each with its own database
connection, released together by a barrier (as in tests/groups/test_concurrency.py). On
PostgreSQL the occurrence's row lock (select_for_update) orders them; on SQLite the IMMEDIATE
transactions queue the writers for the one file, so the test gives SQLite a long busy timeout."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection, connections
from django.utils import timezone

from events import services
from events.models import Occurrence, Registration
from events.notifications import REGISTRATION
from members.models import Notification
from tests.factories import GroupFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

CAPACITY, RUSH, CANCELS = 10, 40, 5
BUSY_TIMEOUT = 60  # seconds a SQLite writer waits for the file (Python's default is 5)
Status = Registration.Status


@pytest.fixture(autouse=True)
def own_connections():
    """Every thread holds its own connection through the whole rush. PostgreSQL: Django's pool
    (settings: at most 20) has fewer than the threads, so the test connects without it. SQLite:
    40 writers queue for one file on a busy machine, longer than Python's 5 s default."""
    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    connection.close()
    if connection.vendor == "postgresql":
        options.pop("pool", None)
    else:
        options["timeout"] = BUSY_TIMEOUT
    yield
    connection.close()
    options.clear()
    options.update(saved)


def together(calls):
    """Run the calls at the same moment, each in its own thread with its own connection (opened
    before the barrier, closed at the end); their results, or the exceptions they raised."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            return call()
        except Exception as error:  # handed back to the test, which says what it expected
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def occurrence_with(capacity: int) -> Occurrence:
    organizer = MemberFactory()
    series = services.series_create(
        author=organizer, group=GroupFactory(owner=organizer), title="滞納整理の実務勉強会",
        first_start=timezone.now() + timedelta(days=7), rule="", capacity=capacity,
    )  # fmt: skip
    return series.occurrences.get()


def fresh(occurrence: Occurrence) -> Occurrence:
    """A copy of its own for each thread, loaded as the views load it."""
    return Occurrence.objects.select_related("series__group").get(pk=occurrence.pk)


def register(member, occurrence):
    return partial(services.registration_create, member=member, occurrence=fresh(occurrence))


def cancel(member, occurrence):
    return partial(services.registration_cancel, member=member, occurrence=fresh(occurrence))


def failures(results) -> list:
    return [result for result in results if isinstance(result, BaseException)]


def registrations(occurrence) -> list[Registration]:
    return list(Registration.objects.filter(occurrence=occurrence).order_by("position"))


def told(member, event: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=member, kind=REGISTRATION,
                                            params__event=event))  # fmt: skip


def assert_seats_add_up(occurrence) -> None:
    occurrence.refresh_from_db()
    confirmed = Registration.objects.filter(occurrence=occurrence, status=Status.CONFIRMED)
    assert occurrence.confirmed_count == confirmed.count() == occurrence.capacity
    waitlisted = registrations(occurrence)
    places = [services.waitlist_place(r) for r in waitlisted if r.status == Status.WAITLISTED]
    assert places == list(range(1, len(places) + 1))


def test_forty_at_once_for_ten_seats_then_five_cancel_at_once():
    occurrence = occurrence_with(CAPACITY)
    members = MemberFactory.create_batch(RUSH)
    results = together([register(member, occurrence) for member in members])
    assert not failures(results), failures(results)
    assert all(created for _registration, created in results)

    rows = registrations(occurrence)
    assert [r.position for r in rows] == list(range(1, RUSH + 1))  # unique and contiguous
    assert [r.status for r in rows] == [Status.CONFIRMED] * CAPACITY + [Status.WAITLISTED] * (
        RUSH - CAPACITY
    )
    # Arrival order: a place is taken under the lock, at the registration's time.
    assert [r.registered_at for r in rows] == sorted(r.registered_at for r in rows)
    occurrence.refresh_from_db()
    assert occurrence.last_position == RUSH
    assert_seats_add_up(occurrence)
    for row in rows:  # one notification each, with the place it had when it came
        (notification,) = Notification.objects.filter(recipient=row.member_id, kind=REGISTRATION)
        assert notification.params["event"] == row.status
        if row.status == Status.WAITLISTED:
            assert notification.params["place"] == row.position - CAPACITY

    leaving = [row.member for row in rows[:CANCELS]]
    results = together([cancel(member, occurrence) for member in leaving])
    assert not failures(results), failures(results)
    assert all(result.status == Status.CANCELLED for result in results)

    rows = registrations(occurrence)
    promoted = [row for row in rows if row.promoted_at is not None]
    first_waiting = rows[CAPACITY : CAPACITY + CANCELS]
    assert [row.pk for row in promoted] == [row.pk for row in first_waiting]
    assert all(row.status == Status.CONFIRMED for row in promoted)
    assert Counter(row.status for row in rows) == {
        Status.CONFIRMED: CAPACITY, Status.CANCELLED: CANCELS,
        Status.WAITLISTED: RUSH - CAPACITY - CANCELS,
    }  # fmt: skip
    assert_seats_add_up(occurrence)
    for row in promoted:
        assert len(told(row.member, "promoted")) == 1
    for row in rows:
        if row.promoted_at is None:
            assert told(row.member, "promoted") == []


def test_the_same_member_from_two_tabs_at_once_registers_once():
    occurrence = occurrence_with(1)
    member = MemberFactory()
    results = together([register(member, occurrence) for _ in range(2)])
    assert not failures(results), failures(results)
    assert sorted(created for _registration, created in results) == [False, True]
    assert len({registration.pk for registration, _created in results}) == 1
    (row,) = registrations(occurrence)
    assert (row.status, row.position) == (Status.CONFIRMED, 1)
    assert len(told(member, "confirmed")) == 1
    occurrence.refresh_from_db()
    assert (occurrence.confirmed_count, occurrence.last_position) == (1, 1)


def test_the_same_member_eight_times_at_once_registers_once():
    occurrence = occurrence_with(CAPACITY)
    member = MemberFactory()
    results = together([register(member, occurrence) for _ in range(8)])
    assert not failures(results), failures(results)
    assert [created for _registration, created in results].count(True) == 1
    assert len(registrations(occurrence)) == 1
    occurrence.refresh_from_db()
    assert (occurrence.confirmed_count, occurrence.last_position) == (1, 1)


def test_a_confirmed_member_cancelling_twice_at_once_frees_one_seat():
    occurrence = occurrence_with(1)
    first, second, third = MemberFactory.create_batch(3)
    for member in (first, second, third):
        services.registration_create(member=member, occurrence=fresh(occurrence))
    results = together([cancel(first, occurrence) for _ in range(4)])
    assert not failures(results), failures(results)
    assert sum(result is not None for result in results) == 1
    statuses = {row.member_id: row.status for row in registrations(occurrence)}
    assert statuses == {first.pk: Status.CANCELLED, second.pk: Status.CONFIRMED,
                        third.pk: Status.WAITLISTED}  # fmt: skip
    assert len(told(second, "promoted")) == 1
    assert_seats_add_up(occurrence)


def test_cancellations_and_newcomers_at_once():
    """Five confirmed members leave while five newcomers arrive: every seat is taken once,
    by the waitlist first, and every place is still unique."""
    occurrence = occurrence_with(CAPACITY)
    early = MemberFactory.create_batch(CAPACITY + 3)
    for member in early:
        services.registration_create(member=member, occurrence=fresh(occurrence))
    newcomers = MemberFactory.create_batch(CANCELS)
    results = together([cancel(member, occurrence) for member in early[:CANCELS]]
                       + [register(member, occurrence) for member in newcomers])  # fmt: skip
    assert not failures(results), failures(results)
    rows = registrations(occurrence)
    assert sorted(r.position for r in rows) == list(range(1, CAPACITY + 3 + CANCELS + 1))
    assert_seats_add_up(occurrence)
    status = {row.member_id: row.status for row in rows}
    promoted = [row.member_id for row in rows if row.promoted_at is not None]
    waiting_before = [member.pk for member in early[CAPACITY:]]
    assert promoted[: len(waiting_before)] == waiting_before  # the waitlist came first
    assert {status[pk] for pk in promoted} == {Status.CONFIRMED}
    assert {pk for pk, s in status.items() if s == Status.WAITLISTED} <= {m.pk for m in newcomers}
    assert all(len(told(member_id, "promoted")) == 1 for member_id in promoted)
