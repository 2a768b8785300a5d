"""An occurrence's chat room: who may enter it (its registrants and organizers, from 30 minutes
before the start; readable after the end), the pages it shares with a group's room, and its
socket. What every room guarantees (once, in order, replay) runs on both kinds of room in
tests/groups/chat/."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cityhall.websocket import FORBIDDEN, UNAUTHENTICATED
from events import services as event_services
from groups.chat import access as chat_access
from groups.chat import selectors, services
from groups.chat.models import Message, MessageFlag, Mute, Room
from groups.models import ModerationLog
from members.models import Notification
from tests.factories import GroupFactory, MemberFactory, MembershipFactory, make_occurrence
from tests.factories import register as register_for
from tests.groups.chat.test_consumer import (
    _close,
    _connect,
    _entered,
    _event_lost,
    _frames_until,
    _messages,
)
from tests.groups.conftest import client_for

db = pytest.mark.django_db
sockets = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


def _room(occurrence) -> Room:
    return Room.objects.get(pk=occurrence.room_id)


def _organizer(occurrence):
    return occurrence.series.organizers.get()


def _cancelled(occurrence):
    member = MembershipFactory(group=occurrence.series.group).member
    register_for(member, occurrence)
    event_services.registration_cancel(member=member, occurrence=occurrence)
    return member


def _registrant(status: str):
    """(member, occurrence): a registrant whose registration is ``status``, in a room open now."""
    if status == "lottery":
        occurrence = make_occurrence(lottery=True)
    else:
        occurrence = make_occurrence(capacity=1)
        if status == "waitlisted":
            register_for(MemberFactory(), occurrence)
    member = MemberFactory()
    assert register_for(member, occurrence).status == status
    return member, occurrence


def _people(occurrence) -> dict:
    """Everyone who may and may not be in the occurrence's room (of a closed group)."""
    return {
        "organizer": _organizer(occurrence),
        "group's owner": occurrence.series.group.proposed_by,
        "cancelled": _cancelled(occurrence),
        "never registered": MembershipFactory(group=occurrence.series.group).member,
        "not a member of the closed group": MemberFactory(),
    }


IN = {"organizer", "group's owner"}


@pytest.mark.parametrize("status", ["confirmed", "waitlisted", "lottery"])
@db
def test_every_active_registrant_enters_and_talks(status):
    member, occurrence = _registrant(status)
    page = client_for(member).get(reverse("events:chat", args=[occurrence.pk]))
    assert page.status_code == 200 and f'data-chat-room="{occurrence.room_id}"' in page.text
    assert 'data-can-send="true"' in page.text and 'data-can-moderate="false"' in page.text
    # told that the organizers may keep the chat as notes, and who will read them
    assert "ナレッジはすべての会員が読めます。" in page.text  # an open group's session
    message, created = services.message_send(author=member, room=_room(occurrence),
                                              client_id="c1", body="よろしく")  # fmt: skip
    assert created and message.seq == 1


@db
def test_others_get_the_same_404_as_for_a_missing_room():
    occurrence = make_occurrence(group=GroupFactory(kind="closed"))
    missing = occurrence.pk + 1000
    for who, member in _people(occurrence).items():
        client = client_for(member)
        for name in ("events:chat", "events:chat_messages"):
            status = client.get(reverse(name, args=[occurrence.pk])).status_code
            assert status == (200 if who in IN else 404), (who, name)
            assert client.get(reverse(name, args=[missing])).status_code == 404
        if who not in IN:
            with pytest.raises(Http404):
                chat_access.room_by_id(member, occurrence.room_id)
        else:  # a closed group's notes are for its members: the room says so
            page = client.get(reverse("events:chat", args=[occurrence.pk])).text
            assert "読めるのはこのグループの会員だけです。" in page


@db
def test_after_the_lottery_everyone_drawn_or_waitlisted_stays():
    occurrence = make_occurrence(lottery=True, capacity=1)
    entrants = [MemberFactory(), MemberFactory()]
    for member in entrants:
        register_for(member, occurrence)
    occurrence.lottery_closes_at = timezone.now()
    occurrence.save(update_fields=["lottery_closes_at"])
    [won] = event_services.lottery_draw(occurrence=occurrence, seed="固定の種")
    [lost] = [member for member in entrants if member.pk != won.member_id]
    assert chat_access.room_by_id(won.member, occurrence.room_id)[1].send
    assert chat_access.room_by_id(lost, occurrence.room_id)  # waitlisted in drawn order
    event_services.registration_cancel(member=lost, occurrence=occurrence)
    with pytest.raises(Http404):
        chat_access.room_by_id(lost, occurrence.room_id)


@db
def test_the_occurrence_page_links_the_room_for_those_who_may_enter():
    occurrence = make_occurrence()
    member = MemberFactory()
    url = reverse("events:occurrence", args=[occurrence.pk])
    assert "data-chat-room-link" not in client_for(member).get(url).text
    register_for(member, occurrence)
    page = client_for(member).get(url).text
    assert "チャットルーム" in page and reverse("events:chat", args=[occurrence.pk]) in page


@db
def test_before_opening_the_page_says_when_and_only_organizers_are_in():
    occurrence = make_occurrence(starts_in=timedelta(hours=2))
    member = MemberFactory()
    register_for(member, occurrence)
    page = client_for(member).get(reverse("events:chat", args=[occurrence.pk]))
    assert page.status_code == 200 and "data-chat-opens" in page.text
    assert "に開きます" in page.text and "data-chat-room=" not in page.text
    messages = reverse("events:chat_messages", args=[occurrence.pk])
    assert client_for(member).get(messages).status_code == 404
    with pytest.raises(Http404):
        chat_access.room_by_id(member, occurrence.room_id)
    organizer = _organizer(occurrence)
    early = client_for(organizer).get(reverse("events:chat", args=[occurrence.pk])).text
    assert 'data-can-send="true"' in early and "data-chat-opens" not in early


@db
def test_half_an_hour_before_the_start_the_room_is_open():
    occurrence = make_occurrence(starts_in=timedelta(minutes=29))
    member = MemberFactory()
    register_for(member, occurrence)
    assert chat_access.room_by_id(member, occurrence.room_id)[0].pk == occurrence.room_id


@db
def test_after_the_end_registrants_read_and_organizers_still_write():
    occurrence = make_occurrence(starts_in=timedelta(minutes=-30), minutes=20)
    member = MemberFactory()
    occurrence.registrations.create(member=member, status="confirmed", position=1)
    organizer = _organizer(occurrence)
    services.message_send(author=organizer, room=_room(occurrence), client_id="c1", body="資料です")
    page = client_for(member).get(reverse("events:chat", args=[occurrence.pk])).text
    assert "資料です" in page and "data-chat-ended" in page and 'data-can-send="false"' in page
    with pytest.raises(services.ChatError) as refused:
        services.message_send(author=member, room=_room(occurrence), client_id="c2", body="遅刻")
    assert refused.value.code == "forbidden"
    message = Message.objects.get(client_id="c1")
    with pytest.raises(PermissionDenied):  # nor react
        services.reaction_toggle(member=member, message=message, kind="like")
    assert services.reaction_toggle(member=organizer, message=message, kind="like")


@db
def test_organizers_export_the_transcript_and_registrants_may_not():
    occurrence = make_occurrence(title="オープンデータ勉強会")
    member = MemberFactory()
    register_for(member, occurrence)
    services.message_send(author=member, room=_room(occurrence), client_id="c1", body="質問です")
    url = reverse("events:chat_transcript", args=[occurrence.pk])
    assert client_for(member).get(url).status_code == 404
    response = client_for(_organizer(occurrence)).get(url)
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert f"chat-event-{occurrence.pk}-" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# オープンデータ勉強会(") and "質問です" in text


@db
def test_organizers_mute_a_registrant_and_the_group_log_records_it():
    occurrence = make_occurrence()
    member, organizer = MemberFactory(display_name="連投 次郎"), _organizer(occurrence)
    register_for(member, occurrence)
    client, url = client_for(organizer), reverse("events:chat_mutes", args=[occurrence.pk])
    response = client.post(url, {"member": f"@{member.handle}", "minutes": 10, "reason": "宣伝"})
    assert response.status_code == 302 and "連投 次郎" in client.get(url).text
    with pytest.raises(services.ChatError) as refused:
        services.message_send(author=member, room=_room(occurrence), client_id="c1", body="まだ?")
    assert refused.value.code == "muted"
    log = ModerationLog.objects.get(target_member=member)
    assert (log.group, log.action) == (occurrence.series.group, "chat_mute")
    mute = Mute.objects.get(member=member)
    client.post(reverse("events:chat_mute_lift", args=[occurrence.pk, mute.pk]))
    assert services.message_send(author=member, room=_room(occurrence), client_id="c2",
                                 body="戻りました")[1]  # fmt: skip


@db
def test_organizers_cannot_be_muted_nor_outsiders_and_registrants_cannot_mute():
    occurrence = make_occurrence()
    member, organizer = MemberFactory(), _organizer(occurrence)
    register_for(member, occurrence)
    client, url = client_for(organizer), reverse("events:chat_mutes", args=[occurrence.pk])
    owner = occurrence.series.group.proposed_by
    assert "オーナーとモデレーターの発言は止められません" in client.post(
        url, {"member": owner.handle, "minutes": 10}).text  # fmt: skip
    stranger = MemberFactory()
    assert "このルームに入れる会員に" in client.post(
        url, {"member": stranger.handle, "minutes": 10}).text  # fmt: skip
    assert client_for(member).get(url).status_code == 404
    assert not Mute.objects.exists()


@db
def test_a_flag_goes_to_the_organizers_on_the_room_page_and_they_delete_the_message():
    occurrence = make_occurrence()
    talker, flagger, organizer = MemberFactory(), MemberFactory(), _organizer(occurrence)
    for member in (talker, flagger):
        register_for(member, occurrence)
    room = _room(occurrence)
    services.message_send(author=talker, room=room, client_id="c1", body="不適切な宣伝")
    flag_url = reverse("events:chat_flag", args=[occurrence.pk])
    response = client_for(flagger).post(flag_url, {"seq": 1, "reason": "spam"})
    assert response.status_code == 302
    assert response["Location"] == reverse("events:chat", args=[occurrence.pk]) + "?seq=1#m1"
    flag = MessageFlag.objects.get()
    page = client_for(organizer).get(reverse("events:chat", args=[occurrence.pk])).text
    assert "data-chat-flags" in page and "不適切な宣伝" in page
    assert "data-chat-flags" not in client_for(talker).get(
        reverse("events:chat", args=[occurrence.pk])).text  # fmt: skip
    resolve = reverse("events:chat_flag_resolve", args=[occurrence.pk, flag.pk])
    assert client_for(talker).post(resolve, {"action": "delete"}).status_code == 404
    client_for(organizer).post(resolve, {"action": "delete"})
    assert Message.objects.get().is_deleted
    assert MessageFlag.objects.get().status == "acted"
    site = client_for(MemberFactory(is_site_moderator=True)).get(reverse("groups:site_moderation"))
    assert site.status_code == 200  # a group's flag list leaves rooms without a group alone


@db
def test_a_mention_tells_registrants_with_a_link_to_the_room_and_no_one_else(committing):
    occurrence = make_occurrence(title="防災DX勉強会")
    talker, listener, outsider = MemberFactory(), MemberFactory(), MemberFactory()
    for member in (talker, listener):
        register_for(member, occurrence)
    body = f"@{listener.handle} さん、@{outsider.handle} さん、資料です"
    with committing():
        services.message_send(author=talker, room=_room(occurrence), client_id="c1", body=body)
    notification = Notification.objects.get(kind="mention")
    assert notification.recipient == listener
    assert notification.url == reverse("events:chat", args=[occurrence.pk]) + "?seq=1#m1"
    assert notification.params["topic"].startswith("防災DX勉強会(")
    message = Message.objects.get()
    assert selectors.messages_seen({(listener.pk, message.pk), (outsider.pk, message.pk)}) == {
        (listener.pk, message.pk)
    }


@db
def test_unread_counts_leave_occurrence_rooms_out_and_pages_still_count(client):
    occurrence = make_occurrence()
    member = MembershipFactory(group=occurrence.series.group).member
    register_for(member, occurrence)
    services.message_send(author=_organizer(occurrence), room=_room(occurrence), client_id="c1",
                          body="開始します")  # fmt: skip
    assert selectors.unread_by_group(member) == {}
    page = client_for(member).get(reverse("home"))
    assert page.status_code == 200 and 'data-nav-count="chat.unread"' not in page.text


@db
def test_the_room_page_costs_the_same_queries_for_few_and_many_messages():
    occurrence = make_occurrence()
    registrants = [MemberFactory() for _ in range(6)]
    for member in registrants:
        register_for(member, occurrence)
    url = reverse("events:chat", args=[occurrence.pk])

    def queries() -> int:
        """For a registrant's first visit (whose read marker is stored)."""
        member = MemberFactory()
        register_for(member, occurrence)
        client = client_for(member)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.message_send(author=registrants[1], room=_room(occurrence), client_id="c", body="一")
    few = queries()
    room = _room(occurrence)
    for number, talker in enumerate(registrants[1:] * 8):
        message = services.message_send(author=talker, room=room, client_id=f"m{number}",
                                        body=f"多数{number}")[0]  # fmt: skip
        services.reaction_toggle(member=_organizer(occurrence), message=message, kind="like")
    assert queries() == few


# --- the socket ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["organizer", "cancelled", "never registered",
                                 "not a member of the closed group"])  # fmt: skip
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
async def test_the_socket_lets_in_whom_the_page_does_and_closes_others_like_a_missing_room(who):
    def world():
        occurrence = make_occurrence(group=GroupFactory(kind="closed"))
        return _room(occurrence), _people(occurrence)[who]

    room, member = await sync_to_async(world)()
    client = await _connect(member, room)
    if who in IN:
        assert (await _entered(client))["type"] == "ready"
        await client.disconnect()
        return
    assert await client.receive_output() == {"type": "websocket.close", "code": FORBIDDEN}
    missing = await _connect(member, Room(pk=room.pk + 1000))
    assert await missing.receive_output() == {"type": "websocket.close", "code": FORBIDDEN}


@pytest.mark.parametrize("when", ["before opening", "an occurrence the member cannot see"])
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
async def test_a_socket_refused_for_a_room_not_open_to_the_member(when):
    def world():
        if when == "before opening":
            occurrence = make_occurrence(starts_in=timedelta(hours=2))
            member = MemberFactory()
            register_for(member, occurrence)
            return _room(occurrence), member
        occurrence = make_occurrence(group=GroupFactory(kind="secret"))
        return _room(occurrence), MemberFactory()

    room, member = await sync_to_async(world)()
    client = await _connect(member, room)
    assert await client.receive_output() == {"type": "websocket.close", "code": FORBIDDEN}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
async def test_a_logged_out_socket_is_closed_with_4401():
    room = await sync_to_async(lambda: _room(make_occurrence()))()
    client = await _connect(None, room)
    assert await client.receive_output() == {"type": "websocket.close", "code": UNAUTHENTICATED}


def _open_room_with_registrant():
    occurrence = make_occurrence()
    member = MemberFactory()
    register_for(member, occurrence)
    return occurrence, member


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
async def test_a_registrant_who_cancels_is_closed_and_the_others_stay():
    occurrence, member = await sync_to_async(_open_room_with_registrant)()
    room = await sync_to_async(_room)(occurrence)
    organizer = await sync_to_async(_organizer)(occurrence)
    leaving, staying = await _connect(member, room), await _connect(organizer, room)
    for client in (leaving, staying):
        await _entered(client)
    await sync_to_async(event_services.registration_cancel)(member=member, occurrence=occurrence)
    code, frames = await _close(leaving)
    assert code == FORBIDDEN and frames[-1]["code"] == "left"
    assert "このルームに入れなくなった" in frames[-1]["message"]
    await sync_to_async(services.message_send)(author=organizer, room=room, client_id="c1",
                                               body="続けます")  # fmt: skip
    assert (await _messages(staying, 1))[0]["seq"] == 1
    await staying.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
async def test_a_cancelled_registrant_whose_close_was_lost_is_refused_on_the_next_frame():
    occurrence, member = await sync_to_async(_open_room_with_registrant)()
    room = await sync_to_async(_room)(occurrence)
    organizer = await sync_to_async(_organizer)(occurrence)
    await sync_to_async(services.message_send)(author=organizer, room=room, client_id="c1",
                                               body="ようこそ")  # fmt: skip
    client = await _connect(member, room)
    await _entered(client)

    def cancel_quietly():
        with _event_lost():
            event_services.registration_cancel(member=member, occurrence=occurrence)

    await sync_to_async(cancel_quietly)()
    for frame in ({"type": "message", "client_id": "late", "body": "取り消した後"},
                  {"type": "react", "seq": 1, "kind": "like"}):  # fmt: skip
        await client.send_json_to(frame)
        error = (await _frames_until(client, "error"))[-1]
        assert error["code"] == "forbidden", error
    message = await sync_to_async(Message.objects.get)()
    assert message.change == 1  # no reaction, nothing new
    await client.disconnect()


@db
def test_a_cancelled_sessions_room_and_meeting_url_are_the_organizers_alone():
    member, occurrence = _registrant("confirmed")
    organizer = _organizer(occurrence)
    event_services.occurrence_cancel(actor=organizer, occurrence=occurrence)
    occurrence.refresh_from_db()
    registrant = client_for(member)
    assert registrant.get(reverse("events:chat", args=[occurrence.pk])).status_code == 404
    with pytest.raises(Http404):
        chat_access.room_by_id(member, occurrence.room_id)
    page = registrant.get(reverse("events:occurrence", args=[occurrence.pk])).text
    assert "data-chat-room-link" not in page
    assert (
        client_for(organizer).get(reverse("events:chat", args=[occurrence.pk])).status_code == 200
    )
