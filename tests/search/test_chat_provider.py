"""Chat messages in site search: a group's room and an event occurrence's room, each found only
by whoever may enter the room now (the same answer as the room's own pages), gone at once when
that changes or the message is deleted, and indexed in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import services as event_services
from groups import services as group_services
from groups.chat import policies
from groups.chat import services as chat
from groups.chat.access import standing_of
from groups.chat.search import ChatProvider
from groups.models import Group
from search import registry
from search.models import Outbox
from search.services import Filters, search
from tests.factories import (
    GroupFactory,
    MemberFactory,
    MembershipFactory,
    make_occurrence,
    register,
)
from tests.search.conftest import facet, found

pytestmark = pytest.mark.django_db


def say(author, room, body, client_id=None):
    return chat.message_send(author=author, room=room, client_id=client_id or body[:60],
                             body=body)[0]  # fmt: skip


@pytest.fixture
def group(db):
    return GroupFactory(name="債権回収", slug="saiken")


@pytest.fixture
def talker(group):
    return MembershipFactory(group=group).member


@pytest.fixture
def message(group, talker, indexed):
    with indexed():
        return say(
            talker,
            chat.room_for_group(group),
            "預金照会の回答が来ない金融機関には督促していますか?",
        )


def test_a_groups_chat_is_found_by_its_members(message, talker, group):
    assert found(talker, "預金 照会") == [f"chat:{message.pk}"]
    hit = search(talker, Filters(q="督促")).results[0]
    assert hit.hit.title == "債権回収"
    assert hit.hit.url == reverse("chat:room", args=["saiken"]) + f"?seq={message.seq}#m1"
    assert hit.kind_label == "チャット"
    assert hit.hit.group_id == group.pk


def test_an_open_groups_chat_is_for_its_members_only_even_in_counts(message, talker, group):
    """Anyone may read an open group's topics, but its chat only its members (can_enter)."""
    outsider = MemberFactory()
    results = search(outsider, Filters(q="預金照会"))
    assert (results.results, results.total) == ([], 0)
    assert all(not counts for counts in results.facets.values())
    results = search(talker, Filters(q="預金照会"))
    assert (results.total, facet(results, "kind"), facet(results, "group_id")) == (
        1, {"chat": 1}, {group.pk: 1},
    )  # fmt: skip
    staff = MemberFactory(is_site_moderator=True)
    assert found(staff, "預金照会") == [f"chat:{message.pk}"]


def test_leaving_the_group_or_switching_its_chat_off_hides_it_at_once(message, talker, group):
    other = MembershipFactory(group=group).member
    group_services.group_leave(member=talker, group=group)
    assert found(talker, "預金照会") == []
    assert found(other, "預金照会") == [f"chat:{message.pk}"]
    chat.room_switch(owner=group.proposed_by, group=group, enabled=False)
    assert found(other, "預金照会") == []
    assert found(group.proposed_by, "預金照会") == []
    assert not Outbox.objects.exists()


def test_a_deleted_message_is_gone_before_the_drain_and_after(message, talker, committing,
                                                             run_tasks):  # fmt: skip
    with committing():
        chat.message_delete(actor=talker, message=message)
    assert Outbox.objects.filter(key=f"chat:{message.pk}", hides=True).exists()
    assert found(talker, "預金照会") == []
    run_tasks()
    assert found(talker, "預金照会") == []
    assert not Outbox.objects.exists()


def test_a_message_deleted_over_a_flag_is_gone(message, group, indexed):
    flagger = MembershipFactory(group=group).member
    flag = chat.message_flag_create(flagger=flagger, message=message, reason="spam")
    with indexed():
        chat.message_flag_resolve(moderator=group.proposed_by, flag=flag, delete_message=True)
    assert found(flagger, "預金照会") == []


def test_an_edit_is_found_in_its_new_words(message, talker, indexed):
    with indexed():
        chat.message_edit(editor=talker, message=message, body="差押えの順序を確認したいです")
    assert found(talker, "預金照会") == []
    assert found(talker, "差押え") == [f"chat:{message.pk}"]


@pytest.fixture
def event_room(db):
    """A closed group's occurrence starting in ten minutes (its room open to registrants)."""
    group = GroupFactory(kind=Group.Kind.CLOSED, name="ワクチン接種体制")
    organizer = MembershipFactory(group=group).member
    occurrence = make_occurrence(group=group, organizer=organizer, title="接種会場の運営")
    return occurrence, organizer


def test_an_events_chat_is_found_by_those_in_its_room(event_room, indexed):
    occurrence, organizer = event_room
    registrant = MembershipFactory(group=occurrence.series.group).member
    register(registrant, occurrence)
    with indexed():
        message = say(organizer, occurrence.room, "予約システムの資料はこちらです")
    assert found(registrant, "予約システム") == [f"chat:{message.pk}"]
    hit = search(registrant, Filters(q="予約システム")).results[0].hit
    assert hit.url == reverse("events:chat", args=[occurrence.pk]) + "?seq=1#m1"
    assert hit.title.startswith("接種会場の運営")
    assert hit.group_id == occurrence.series.group_id
    unregistered = MembershipFactory(group=occurrence.series.group).member
    assert found(unregistered, "予約システム") == []
    event_services.registration_cancel(member=registrant, occurrence=occurrence)
    assert found(registrant, "予約システム") == []


def test_a_registrant_finds_an_events_chat_once_its_room_opens(event_room, indexed):
    occurrence, organizer = event_room
    later = {"starts_at": occurrence.starts_at + timedelta(hours=2),
             "ends_at": occurrence.ends_at + timedelta(hours=2)}  # fmt: skip
    occurrence.series.occurrences.update(**later)
    registrant = MembershipFactory(group=occurrence.series.group).member
    register(registrant, occurrence)
    with indexed():
        say(organizer, occurrence.room, "当日の進め方を共有します")
    assert found(registrant, "進め方") == []
    assert len(found(organizer, "進め方")) == 1
    occurrence.series.occurrences.update(starts_at=occurrence.starts_at,
                                         ends_at=occurrence.ends_at)  # fmt: skip
    assert len(found(registrant, "進め方")) == 1


def test_tokens_agree_with_who_may_enter_each_room(event_room):
    """A member holds "chatroom:<id>" exactly for the rooms the chat lets them into now."""
    occurrence, organizer = event_room
    group = occurrence.series.group
    later = make_occurrence(group=group, organizer=organizer, starts_in=timedelta(days=2))
    early, registrant, moderator = (MembershipFactory(group=group).member for _ in range(3))
    group.memberships.filter(member=moderator).update(role="moderator")
    register(registrant, occurrence)
    register(early, later)
    open_group = GroupFactory()
    rooms = [occurrence.room, later.room, chat.room_for_group(group),
             chat.room_for_group(open_group)]  # fmt: skip
    for room in rooms[:3]:  # a room without messages needs no token
        say(organizer, room, "よろしくお願いします")
    say(open_group.proposed_by, rooms[3], "よろしくお願いします")
    members = [organizer, registrant, early, moderator, group.proposed_by, MemberFactory(),
               MemberFactory(is_site_moderator=True), open_group.proposed_by]  # fmt: skip
    for member in members:
        tokens = registry.viewer_tokens(member)
        for room in rooms:
            expected = policies.can_enter(member, room, standing_of(member, room))
            assert (f"chatroom:{room.pk}" in tokens) == expected, (member, room)


def test_documents_take_the_same_queries_for_one_or_many(event_room, group, talker):
    occurrence, organizer = event_room
    room = chat.room_for_group(group)
    ids = [say(talker, room, f"督促の相談{n}").pk for n in range(3)]
    ids += [say(organizer, occurrence.room, f"会場の相談{n}").pk for n in range(3)]
    counts = []
    for chosen in (ids[:1], ids):
        with CaptureQueriesContext(connection) as queries:
            documents = ChatProvider().documents(chosen)
        assert sorted(documents) == sorted(chosen)
        counts.append(len(queries))
    assert counts[1] <= 2  # the messages, and the owner's rooms
    with CaptureQueriesContext(connection) as queries:
        ChatProvider().documents(ids[3:])
    assert len(queries) == counts[1]


def test_a_room_its_owner_no_longer_claims_is_left_out(event_room, indexed):
    occurrence, organizer = event_room
    with indexed():
        message = say(organizer, occurrence.room, "予約システムの資料はこちらです")
    assert ChatProvider().documents([message.pk])
    occurrence.series.delete()
    assert ChatProvider().documents([message.pk]) == {}


def test_tokens_take_one_query_however_many_rooms(event_room, django_assert_num_queries):
    occurrence, organizer = event_room
    for _ in range(3):
        group = MembershipFactory(member=organizer).group
        say(organizer, chat.room_for_group(group), "こんにちは")
    say(organizer, occurrence.room, "こんにちは")
    with django_assert_num_queries(1):
        tokens = list(ChatProvider().tokens(organizer))
    assert len(tokens) == 4
