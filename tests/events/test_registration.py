"""Registering for an occurrence: seats while they last, then the waitlist in arrival order,
promotions exactly once when someone cancels, the lottery, and bad input refused clearly."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Occurrence, Registration
from events.notifications import REGISTRATION
from groups.models import Membership
from members.models import Notification
from tests.events.conftest import first_occurrence, make_series
from tests.factories import GroupFactory, MemberFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db
Status = Registration.Status


def _register(occurrence, count):
    return [services.registration_create(member=MemberFactory(), occurrence=occurrence)[0]
            for _ in range(count)]  # fmt: skip


def _statuses(occurrence):
    return list(occurrence.registrations.order_by("position").values_list("status", flat=True))


def test_seats_then_the_waitlist_in_arrival_order(occurrence):
    registrations = _register(occurrence, 5)
    assert _statuses(occurrence) == [Status.CONFIRMED] * 3 + [Status.WAITLISTED] * 2
    assert [services.waitlist_place(r) for r in registrations[3:]] == [1, 2]
    occurrence.refresh_from_db()
    assert occurrence.confirmed_count == 3


def test_registering_twice_keeps_one_registration(occurrence, member):
    first, created = services.registration_create(member=member, occurrence=occurrence)
    again, created_again = services.registration_create(member=member, occurrence=occurrence)
    assert created and not created_again and again.pk == first.pk
    assert occurrence.registrations.count() == 1


def test_a_cancelled_seat_promotes_the_first_waitlisted_once_and_tells_them(occurrence):
    confirmed, _b, _c, first_waiting, second_waiting = _register(occurrence, 5)
    services.registration_cancel(member=confirmed.member, occurrence=occurrence)
    services.registration_cancel(member=confirmed.member, occurrence=occurrence)  # a second tab
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Status.CONFIRMED and first_waiting.promoted_at
    assert second_waiting.status == Status.WAITLISTED
    assert services.waitlist_place(second_waiting) == 1
    told = Notification.objects.filter(recipient=first_waiting.member, kind=REGISTRATION)
    assert [n.params["event"] for n in told.order_by("pk")] == ["waitlisted", "promoted"]
    occurrence.refresh_from_db()
    assert occurrence.confirmed_count == 3


def test_cancelling_a_waitlisted_place_promotes_nobody(occurrence):
    *_confirmed, waiting = _register(occurrence, 4)
    services.registration_cancel(member=waiting.member, occurrence=occurrence)
    assert _statuses(occurrence) == [Status.CONFIRMED] * 3 + [Status.CANCELLED]


def test_a_member_who_cancelled_may_register_again_at_the_end_of_the_line(occurrence):
    first, *_rest = _register(occurrence, 4)
    services.registration_cancel(member=first.member, occurrence=occurrence)
    again, created = services.registration_create(member=first.member, occurrence=occurrence)
    assert created and again.pk == first.pk
    assert again.status == Status.WAITLISTED and again.position == 5


def test_more_seats_promote_from_the_waitlist(occurrence, organizer):
    _register(occurrence, 5)
    services.occurrence_capacity_set(actor=organizer, occurrence=occurrence, capacity=4)
    assert _statuses(occurrence) == [Status.CONFIRMED] * 4 + [Status.WAITLISTED]


def test_fewer_seats_than_confirmed_is_refused(occurrence, organizer):
    _register(occurrence, 3)
    with pytest.raises(ValidationError, match="より少なくはできません"):
        services.occurrence_capacity_set(actor=organizer, occurrence=occurrence, capacity=2)
    with pytest.raises(ValidationError, match="1以上"):
        services.occurrence_capacity_set(actor=organizer, occurrence=occurrence, capacity=0)


def test_a_cancelled_or_finished_occurrence_takes_no_registration(occurrence, organizer, member):
    services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    with pytest.raises(PermissionDenied):
        services.registration_create(member=member, occurrence=occurrence)
    finished = first_occurrence(make_series(organizer, occurrence.series.group))
    Occurrence.objects.filter(pk=finished.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    finished.refresh_from_db()
    with pytest.raises(ValidationError, match="終了しました"):
        services.registration_create(member=member, occurrence=finished)


def test_closed_group_events_are_for_its_members_only(organizer):
    closed = GroupFactory(owner=organizer, kind="closed", slug="zaisei", name="財政")
    occurrence = first_occurrence(make_series(organizer, closed))
    outsider = MemberFactory()
    with pytest.raises(PermissionDenied):
        services.registration_create(member=outsider, occurrence=occurrence)
    Membership.objects.create(group=closed, member=outsider)
    assert services.registration_create(member=outsider, occurrence=occurrence)[1]


def test_required_answers_and_choices_are_checked(organizer, vaccine_group, member):
    series = make_series(organizer, vaccine_group, questions=[
        {"label": "所属自治体の規模", "kind": "choice", "choices": "政令市\n中核市\nその他",
         "required": True},
        {"label": "聞きたいこと", "kind": "text", "required": False},
    ])  # fmt: skip
    occurrence = first_occurrence(series)
    size, wish = series.questions.order_by("position")
    with pytest.raises(ValidationError) as missing:
        services.registration_create(member=member, occurrence=occurrence, answers={})
    assert "「所属自治体の規模」は必須です。" in missing.value.messages
    with pytest.raises(ValidationError, match="選択肢から"):
        services.registration_create(member=member, occurrence=occurrence,
                                     answers={str(size.pk): "町村"})  # fmt: skip
    with pytest.raises(ValidationError, match="使えない文字"):
        odd = {str(size.pk): "中核市", str(wish.pk): "予約\x00"}
        services.registration_create(member=member, occurrence=occurrence, answers=odd)
    assert not occurrence.registrations.exists()
    registration, _ = services.registration_create(
        member=member, occurrence=occurrence, answers={str(size.pk): "中核市", str(wish.pk): " "}
    )
    assert registration.answers == {str(size.pk): "中核市"}


# --- the lottery ---------------------------------------------------------------------------


def _lottery(organizer, group, capacity=2):
    occurrence = first_occurrence(make_series(organizer, group, capacity=capacity, mode="lottery"))
    assert occurrence.is_lottery
    return occurrence


def _close(occurrence):
    Occurrence.objects.filter(pk=occurrence.pk).update(
        lottery_closes_at=timezone.now() - timedelta(minutes=1)
    )
    occurrence.refresh_from_db()


def test_lottery_entries_wait_then_exactly_capacity_win(organizer, vaccine_group):
    occurrence = _lottery(organizer, vaccine_group)
    entries = _register(occurrence, 5)
    assert set(_statuses(occurrence)) == {Status.LOTTERY}
    with pytest.raises(ValidationError, match="締切前"):
        services.lottery_draw(occurrence=occurrence)
    _close(occurrence)
    with pytest.raises(ValidationError, match="締め切りました"):
        services.registration_create(member=MemberFactory(), occurrence=occurrence)
    winners = services.lottery_draw(occurrence=occurrence, seed="令和8年12月")
    assert len(winners) == 2
    assert sorted(_statuses(occurrence)) == sorted([Status.CONFIRMED] * 2 + [Status.WAITLISTED] * 3)
    assert services.lottery_draw(occurrence=occurrence) == []  # drawn once
    told = Notification.objects.filter(kind=REGISTRATION, params__event__in=["won", "lost"])
    assert told.count() == 5
    assert {n.recipient_id for n in told} == {r.member_id for r in entries}
    waiting = occurrence.registrations.filter(status=Status.WAITLISTED).order_by("position")
    places = {n.recipient_id: n.params["place"] for n in told.filter(params__event="lost")}
    assert [places[r.member_id] for r in waiting] == [1, 2, 3]  # in drawn order
    services.registration_cancel(member=winners[0].member, occurrence=occurrence)
    assert occurrence.registrations.get(member=waiting[0].member).status == Status.CONFIRMED


def test_the_draw_is_reproducible_from_its_seed_and_uniform():
    entries = list(range(1, 11))
    assert services.lottery_winners(entries, 3, "seed") == services.lottery_winners(
        entries, 3, "seed"
    )
    assert services.lottery_winners(entries, 3, "seed") != services.lottery_winners(
        entries, 3, "another seed"
    )
    wins = dict.fromkeys(entries, 0)
    for number in range(2000):
        for position in services.lottery_winners(entries, 3, f"s{number}"):
            wins[position] += 1
    assert all(450 <= count <= 750 for count in wins.values()), wins  # 600 expected each


def test_fewer_entries_than_seats_all_win_and_the_seats_left_go_first_come(
    organizer, vaccine_group
):
    occurrence = _lottery(organizer, vaccine_group, capacity=3)
    _register(occurrence, 2)
    _close(occurrence)
    assert len(services.lottery_draw(occurrence=occurrence)) == 2
    occurrence.refresh_from_db()
    late, later = MemberFactory(), MemberFactory()
    assert services.registration_create(member=late, occurrence=occurrence)[0].status == (
        Status.CONFIRMED
    )  # the seat nobody drew
    assert services.registration_create(member=later, occurrence=occurrence)[0].status == (
        Status.WAITLISTED
    )
    page = client_for(MemberFactory()).get(reverse("events:occurrence", args=[occurrence.pk]))
    assert "補欠として申し込む" in page.text and "抽選に申し込む" not in page.text
