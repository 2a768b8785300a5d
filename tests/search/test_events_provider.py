"""Events in site search: one result per series, linked to its next occurrence, found by whoever
may see its group's events, never by the meeting URL or venue that only confirmed registrants
see, kept current as occurrences pass, move or are cancelled."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services
from events.search import EventProvider, refresh_passed
from groups.models import Group
from members.models import WorkField
from search.models import Outbox
from search.services import Filters, search
from tests.factories import GroupFactory, MemberFactory, MembershipFactory
from tests.search.conftest import facet, found

pytestmark = pytest.mark.django_db


def weekly(group, organizer, **more):
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    fields = {
        "title": "ワクチン接種体制 情報交換会", "rule": "FREQ=WEEKLY;COUNT=4",
        "description": "接種会場の運営や**予約システム**について情報交換します。",
        "venue": "県庁 新庁舎 大会議室", "meeting_url": "https://meet.example.lg.jp/himitsu",
        "first_start": start, "duration_minutes": 90,
    } | more  # fmt: skip
    return services.series_create(author=organizer, group=group, **fields)


@pytest.fixture
def closed(db):
    return GroupFactory(kind=Group.Kind.CLOSED, name="ワクチン接種体制")


@pytest.fixture
def organizer(closed):
    return MembershipFactory(group=closed).member


@pytest.fixture
def series(closed, organizer, indexed):
    with indexed():
        made = weekly(closed, organizer)
        made.work_fields.set(WorkField.objects.all()[:1])
    return made


def test_a_series_is_found_and_links_to_its_next_occurrence(series, organizer):
    assert found(organizer, "予約システム 接種") == [f"event:{series.pk}"]
    hit = search(organizer, Filters(q="情報交換会")).results[0]
    first = series.occurrences.order_by("starts_at").first()
    assert hit.hit.url == reverse("events:occurrence", args=[first.pk])
    assert hit.hit.date == first.starts_at
    assert hit.kind_label == "イベント"
    field = series.work_fields.get()
    assert found(organizer, field.name) == [f"event:{series.pk}"]


def test_the_meeting_url_and_venue_are_not_in_the_document(series, organizer):
    document = EventProvider().documents([series.pk])[series.pk]
    assert "himitsu" not in document.body + document.url
    assert "大会議室" not in document.body
    assert found(organizer, "大会議室") == []
    assert found(organizer, "himitsu") == []


def test_a_closed_groups_events_are_for_its_members_only_even_in_counts(series, closed):
    outsider = MemberFactory()
    results = search(outsider, Filters(q="情報交換会"))
    assert (results.results, results.total) == ([], 0)
    assert all(not counts for counts in results.facets.values())
    member = MembershipFactory(group=closed).member
    results = search(member, Filters(q="情報交換会"))
    assert (results.total, facet(results, "group_id")) == (1, {closed.pk: 1})
    closed.memberships.filter(member=member).delete()
    assert found(member, "情報交換会") == []


def test_a_passed_occurrence_hands_the_link_on_to_the_next(series, organizer, committing,
                                                          run_tasks):  # fmt: skip
    first, second = series.occurrences.order_by("starts_at")[:2]
    past = timezone.now() - timedelta(hours=1)
    series.occurrences.filter(pk=first.pk).update(starts_at=past - timedelta(minutes=90),
                                                  ends_at=past)  # fmt: skip
    with committing():
        assert refresh_passed() == 1
    run_tasks()
    hit = search(organizer, Filters(q="情報交換会")).results[0].hit
    assert hit.url == reverse("events:occurrence", args=[second.pk])


def test_cancelling_or_moving_an_occurrence_reindexes_its_series(series, organizer, indexed):
    first, second = series.occurrences.order_by("starts_at")[:2]
    with indexed():
        services.occurrence_cancel(actor=organizer, occurrence=first)
    hit = search(organizer, Filters(q="情報交換会")).results[0].hit
    assert hit.url == reverse("events:occurrence", args=[second.pk])
    when = second.starts_at + timedelta(hours=1)
    with indexed():
        services.occurrence_move(actor=organizer, occurrence=second, starts_at=when,
                                 ends_at=when + timedelta(hours=1))  # fmt: skip
    assert search(organizer, Filters(q="情報交換会")).results[0].hit.date == when


def test_a_series_with_nothing_ahead_links_to_its_latest_occurrence(series, organizer):
    occurrences = list(series.occurrences.order_by("starts_at"))
    series.occurrences.update(status="cancelled")
    document = EventProvider().documents([series.pk])[series.pk]
    assert document.url == reverse("events:occurrence", args=[occurrences[-1].pk])


def test_an_edited_series_is_found_by_its_new_title(series, organizer, indexed):
    with indexed():
        services.series_update(actor=organizer, series=series, title="予算編成 勉強会")
    assert found(organizer, "予算編成") == [f"event:{series.pk}"]
    assert found(organizer, "ワクチン") == []


def test_documents_take_the_same_queries_for_one_or_many(closed, organizer):
    ids = [weekly(closed, organizer, title=f"勉強会{n}").pk for n in range(4)]
    counts = []
    for chosen in (ids[:1], ids):
        with CaptureQueriesContext(connection) as queries:
            documents = EventProvider().documents(chosen)
        assert sorted(documents) == sorted(chosen)
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2  # the series with their occurrences, the fields


def test_every_series_write_records_its_document(closed, organizer):
    made = weekly(closed, organizer)
    assert Outbox.objects.filter(key=f"event:{made.pk}").exists()
