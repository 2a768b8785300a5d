"""The chat socket with real channel layers (in-memory and Redis) and a real database."""

import contextlib
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction

from cityhall.asgi import application
from cityhall.websocket import FORBIDDEN, UNAUTHENTICATED
from events.models import Occurrence
from groups import services as group_services
from groups.chat import services
from groups.chat.models import Message, Room
from groups.models import Membership
from members.models import User
from tests.cityhall.test_websocket import _session_cookie
from tests.factories import MemberFactory, make_occurrence, register
from tests.groups.conftest import make_group

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def _room(kind="open", of="group"):
    """(moderator, group, room): a group's room and the group's owner, or (``of="occurrence"``)
    the room of an occurrence in the group, open now, and its organizer (a plain member)."""
    owner = MemberFactory()
    group = make_group(owner, kind=kind, slug=f"chat-{kind}")
    if of == "group":
        return owner, group, services.room_for_group(group)
    occurrence = make_occurrence(group=group)
    organizer = occurrence.series.organizers.get()
    return organizer, group, Room.objects.get(pk=occurrence.room_id)


def _member_of(group):
    member = MemberFactory()
    Membership.objects.create(group=group, member=member)
    return member


def _talker(room):
    """A member who may talk in ``room``: a member of its group, or a confirmed registrant of
    its occurrence."""
    if room.group_id is not None:
        return _member_of(room.group)
    member = MemberFactory()
    register(member, Occurrence.objects.select_related("series__group").get(room=room))
    return member


async def _connect(member, room, query="", language=None):
    headers = [ORIGIN]
    if member is not None:
        name, value = await sync_to_async(_session_cookie)(member)
        if language:
            value += f"; django_language={language}".encode()
        headers.append((name, value))
    path = f"/ws/chat/{room.pk}/" + (f"?{query}" if query else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=10)  # a busy machine takes over 1 s
    assert connected
    return communicator


async def _entered(communicator) -> dict:
    """Read the frames a socket gets on entering, up to the presence list; return ``ready``."""
    frames = await _frames_until(communicator, "presence")
    return next(frame for frame in frames if frame["type"] == "ready")


async def _frames_until(communicator, kind, limit=50):
    frames = []
    for _ in range(limit):
        frame = await communicator.receive_json_from(timeout=5)
        frames.append(frame)
        if frame["type"] == kind:
            return frames
    raise AssertionError(f"no {kind} frame in {frames}")


def _send(member, room, client_id, body="こんにちは"):
    return services.message_send(author=member, room=room, client_id=client_id, body=body)[0]


def _send_many(member, room, count):
    """``count`` messages as message_send leaves them (seq and change one apiece, the room's
    head after the last), written at once: sending 501 one by one took 30 s of this test."""
    first = _send(member, room, "c0")
    Message.objects.bulk_create([
        Message(room=room, seq=number, change=number, author=member, client_id=f"c{number}",
                body=first.body, body_html=first.body_html)
        for number in range(2, count + 1)
    ])  # fmt: skip
    Room.objects.filter(pk=room.pk).update(last_seq=count, last_change=count)


@contextlib.contextmanager
def _event_lost():
    """Commit what the block writes but drop its announcement, as an overloaded layer may."""
    with transaction.atomic():
        yield
        connection.run_on_commit.clear()


async def _messages(communicator, count, kind="message"):
    """The next ``count`` frames of ``kind`` (others, such as acks, are set aside)."""
    found = []
    while len(found) < count:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == kind:
            found.append(frame)
    return found


async def test_both_members_get_each_message_once_in_order_and_the_sender_an_ack(room_kind):
    owner, group, room = await sync_to_async(_room)(of=room_kind)
    other = await sync_to_async(_talker)(room)
    first, second = await _connect(owner, room), await _connect(other, room)
    for communicator in (first, second):
        assert await _entered(communicator) == {"type": "ready", "seq": 0, "change": 0}
    for number in range(1, 4):
        await first.send_json_to(
            {"type": "message", "client_id": f"c{number}", "body": f"発言{number}"}
        )
    received = await _messages(first, 3)
    assert [frame["seq"] for frame in received] == [1, 2, 3]
    assert [frame["seq"] for frame in await _messages(second, 3)] == [1, 2, 3]
    assert received[1]["body_html"] == "<p>発言2</p>\n" and received[1]["author"]["id"] == owner.pk
    await first.disconnect()
    await second.disconnect()


async def test_a_resent_client_id_gets_the_same_ack_and_no_second_message(room_kind):
    owner, _group, room = await sync_to_async(_room)(of=room_kind)
    client = await _connect(owner, room)
    await _entered(client)
    frame = {"type": "message", "client_id": "same-id", "body": "一度だけ"}
    await client.send_json_to(frame)
    frames = await _frames_until(client, "ack")
    await client.send_json_to(frame)
    frames += await _frames_until(client, "ack")
    if len([f for f in frames if f["type"] == "message"]) == 0:
        frames.append(await client.receive_json_from(timeout=5))
    acks = [f for f in frames if f["type"] == "ack"]
    assert acks == [{"type": "ack", "client_id": "same-id", "seq": 1}] * 2
    assert [f["seq"] for f in frames if f["type"] == "message"] == [1]
    assert await client.receive_nothing(timeout=0.5)
    await client.disconnect()


async def test_reconnecting_client_gets_what_it_missed_once_in_order_then_live(room_kind):
    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    for number in range(1, 6):
        await sync_to_async(_send)(talker, room, f"c{number}", f"発言{number}")
    edited = await sync_to_async(lambda: room.messages.get(seq=2))()
    await sync_to_async(services.message_edit)(editor=talker, message=edited, body="直しました")
    client = await _connect(owner, room, "after=3&changes=3")
    frames = await _frames_until(client, "ready")
    assert [(f["type"], f["seq"]) for f in frames] == [
        ("message", 4),
        ("message", 5),
        ("message.updated", 2),
        ("ready", 5),
    ]
    assert frames[-1]["change"] == 6
    await sync_to_async(_send)(talker, room, "c6", "ライブ")
    assert (await _messages(client, 1))[0]["seq"] == 6
    await client.disconnect()


async def test_a_lost_event_is_filled_in_from_the_database(settings, room_kind):
    settings.CHAT_HEAD_CHECK_SECONDS = 0.3
    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    client = await _connect(owner, room)
    await _entered(client)

    def lose_then_send():
        _send(talker, room, "c1", "一")
        with _event_lost():
            _send(talker, room, "c2", "二(通知が失われる)")
        _send(talker, room, "c3", "三")
        with _event_lost():
            _send(talker, room, "c4", "四(最後の通知も失われる)")

    await sync_to_async(lose_then_send)()
    received = await _messages(client, 4)
    assert [frame["seq"] for frame in received] == [1, 2, 3, 4]
    assert await client.receive_nothing(timeout=0.8)
    await client.disconnect()


async def test_too_many_missed_messages_ask_the_client_to_reload(settings, room_kind):
    from groups.chat import selectors

    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    await sync_to_async(_send_many)(talker, room, selectors.REPLAY_LIMIT + 1)
    client = await _connect(owner, room, "after=0&changes=0")
    last = selectors.REPLAY_LIMIT + 1
    assert await client.receive_json_from(timeout=10) == {"type": "reload", "seq": last,
                                                          "change": last}  # fmt: skip
    assert (await client.receive_json_from(timeout=5))["type"] == "ready"
    assert (await client.receive_json_from(timeout=5))["type"] == "presence"
    await client.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("これはJSONではない", "bad_json"),
        (json.dumps([1, 2]), "bad_frame"),
        (json.dumps({"type": "dance"}), "unknown_type"),
        (json.dumps({"type": "message", "client_id": "x"}), "empty"),
        (json.dumps({"type": "message", "client_id": "x", "body": "あ" * 4001}), "too_long"),
        (json.dumps({"type": "message", "body": "client_id がない"}), "invalid"),
        (json.dumps({"type": "edit", "body": "seq がない"}), "missing_field"),
        (json.dumps({"type": "delete", "seq": 99}), "forbidden"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_usable(frame, code):
    owner, _group, room = await sync_to_async(_room)()
    client = await _connect(owner, room)
    await _entered(client)
    await client.send_to(text_data=frame)
    error = await client.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == code and error["message"]
    await client.send_json_to({"type": "message", "client_id": "ok", "body": "まだ使えます"})
    assert (await _messages(client, 1, "ack"))[0]["seq"] == 1
    await client.disconnect()


async def test_the_eleventh_message_in_ten_seconds_gets_an_error_frame(rate_limits, room_kind):
    owner, _group, room = await sync_to_async(_room)(of=room_kind)
    client = await _connect(owner, room)
    await _entered(client)
    for number in range(11):
        await client.send_json_to({"type": "message", "client_id": f"c{number}", "body": "連投"})
    error = await _messages(client, 1, "error")
    assert error[0]["code"] == "rate_limited" and error[0]["client_id"] == "c10"
    assert "秒ほど待ってから" in error[0]["message"]
    await client.disconnect()


async def test_muted_member_gets_an_error_frame(room_kind):
    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    await sync_to_async(services.member_mute)(moderator=owner, room=room, member=talker, minutes=10)
    client = await _connect(talker, room)
    await _entered(client)
    await client.send_json_to({"type": "message", "client_id": "c1", "body": "話したい"})
    error = (await _messages(client, 1, "error"))[0]
    assert error["code"] == "muted" and "発言を停止" in error["message"]
    await client.disconnect()


async def test_anonymous_is_closed_with_4401_and_outsiders_with_4403(room_kind):
    _owner, _group, room = await sync_to_async(_room)("secret", of=room_kind)
    anonymous = await _connect(None, room)
    assert await anonymous.receive_output() == {"type": "websocket.close", "code": UNAUTHENTICATED}
    outsider = await sync_to_async(MemberFactory)()
    client = await _connect(outsider, room)
    assert await client.receive_output() == {"type": "websocket.close", "code": FORBIDDEN}


async def test_a_member_removed_while_connected_is_closed_with_4403():
    owner, group, room = await sync_to_async(_room)()
    talker = await sync_to_async(_member_of)(group)
    client = await _connect(talker, room)
    await _entered(client)
    membership = await sync_to_async(Membership.objects.get)(group=group, member=talker)
    await sync_to_async(group_services.membership_remove)(
        actor=owner, membership=membership, reason="退職"
    )
    notice = await client.receive_json_from(timeout=5)
    assert notice["code"] == "left" and "メンバーではなくなった" in notice["message"]
    assert await client.receive_output(timeout=5) == {"type": "websocket.close", "code": FORBIDDEN}


async def test_switching_the_chat_off_closes_every_socket_with_4403():
    owner, group, room = await sync_to_async(_room)()
    talker = await sync_to_async(_member_of)(group)
    client = await _connect(talker, room)
    await _entered(client)
    await sync_to_async(services.room_switch)(owner=owner, group=group, enabled=False)
    notice = (await _frames_until(client, "error"))[-1]
    assert notice["code"] == "chat_off" and "オーナーがチャットを止めました" in notice["message"]
    assert await client.receive_output(timeout=5) == {"type": "websocket.close", "code": FORBIDDEN}


async def test_a_layer_that_drops_events_over_capacity_still_delivers_all_in_order(
    settings, channel_layer, room_kind
):
    """The layer itself drops what does not fit (capacity 1), as Redis does under load."""
    settings.CHANNEL_LAYERS["default"].setdefault("CONFIG", {})["capacity"] = 1
    settings.CHAT_HEAD_CHECK_SECONDS = 0.3
    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    client = await _connect(owner, room)
    await _entered(client)

    def burst():
        for number in range(1, 31):
            _send(talker, room, f"c{number}", f"発言{number}")

    await sync_to_async(burst)()
    received = await _messages(client, 30)
    assert [frame["seq"] for frame in received] == list(range(1, 31))
    assert await client.receive_nothing(timeout=0.8)
    await client.disconnect()


async def test_error_frames_speak_the_members_language():
    owner, _group, room = await sync_to_async(_room)()
    client = await _connect(owner, room, language="en")
    await _entered(client)
    await client.send_json_to({"type": "message", "client_id": "c1", "body": "あ" * 4001})
    error = (await _messages(client, 1, "error"))[0]
    assert error["code"] == "too_long" and error["message"].startswith("A message can be at most")
    await client.disconnect()


async def test_the_read_marker_follows_messages_that_came_after_connecting(room_kind):
    from groups.chat.models import RoomRead

    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    client = await _connect(owner, room)
    await _entered(client)
    for number in range(1, 4):
        await sync_to_async(_send)(talker, room, f"c{number}")
    await _messages(client, 3)
    await client.send_json_to({"type": "read", "seq": 3})
    await client.send_json_to({"type": "presence"})  # answered after the read is stored
    await _frames_until(client, "presence")
    read = await sync_to_async(RoomRead.objects.get)(room=room, member=owner)
    assert read.last_read_seq == 3
    await client.disconnect()


async def test_a_muted_member_is_told_at_once_and_again_when_it_is_lifted(room_kind):
    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    client = await _connect(talker, room)
    await _entered(client)
    mute = await sync_to_async(services.member_mute)(
        moderator=owner, room=room, member=talker, minutes=10
    )
    muted = (await _frames_until(client, "muted"))[-1]
    assert "まで発言を停止されています" in muted["message"] and muted["until"]
    await sync_to_async(services.mute_lift)(moderator=owner, mute=mute)
    assert (await _frames_until(client, "unmuted"))[-1] == {"type": "unmuted"}
    await client.disconnect()


def _end_session(cookie: tuple[bytes, bytes]) -> None:
    """The session is gone (as after logging out), but its sockets have not heard yet."""
    key = cookie[1].decode().split("=", 1)[1]
    assert SessionStore(key).exists(key)
    SessionStore(key).delete()


async def _close(communicator) -> tuple[int, list[dict]]:
    frames = []
    while (output := await communicator.receive_output(timeout=5))["type"] != "websocket.close":
        frames.append(json.loads(output["text"]))
    return output["code"], frames


@pytest.mark.parametrize("frame", [
    {"type": "message", "client_id": "late", "body": "ログアウト後の発言"},
    {"type": "edit", "seq": 1, "body": "ログアウト後の編集"},
    {"type": "react", "seq": 1, "kind": "like"},
    {"type": "delete", "seq": 1},
])  # fmt: skip
async def test_a_frame_sent_after_logout_before_the_close_arrives_is_refused(frame, room_kind):
    owner, group, room = await sync_to_async(_room)(of=room_kind)
    talker = await sync_to_async(_talker)(room)
    await sync_to_async(_send)(talker, room, "first", "ログイン中の発言")
    cookie = await sync_to_async(_session_cookie)(talker)
    client = WebsocketCommunicator(application, f"/ws/chat/{room.pk}/", headers=[ORIGIN, cookie])
    assert (await client.connect())[0]
    await _entered(client)
    listener = await _connect(owner, room)
    await _entered(listener)

    await sync_to_async(_end_session)(cookie)
    await client.send_json_to(frame)
    code, frames = await _close(client)
    assert code == UNAUTHENTICATED
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "signed_out"
    assert frames[-1].get("client_id") == frame.get("client_id")
    message = await sync_to_async(room.messages.get)(seq=1)
    assert (message.body, message.change, await sync_to_async(room.messages.count)()) == (
        "ログイン中の発言", 1, 1,
    )  # fmt: skip
    await sync_to_async(_send)(owner, room, "next", "次の発言")
    frame = await listener.receive_json_from(timeout=5)
    while frame["type"].startswith("presence"):  # arrivals and departures, sent once a second
        frame = await listener.receive_json_from(timeout=5)
    assert (frame["type"], frame["seq"]) == ("message", 2)  # nothing came before it
    await listener.disconnect()


async def test_a_frame_from_a_deactivated_account_is_refused_before_the_close_arrives():
    _owner, group, room = await sync_to_async(_room)()
    talker = await sync_to_async(_member_of)(group)
    client = await _connect(talker, room)
    await _entered(client)
    await sync_to_async(User.objects.filter(pk=talker.pk).update)(is_active=False)
    await client.send_json_to({"type": "message", "client_id": "late", "body": "無効化の後"})
    code, frames = await _close(client)
    assert code == UNAUTHENTICATED and frames[-1]["code"] == "signed_out"
    assert not await sync_to_async(room.messages.exists)()


async def test_a_burst_of_reaction_frames_is_mostly_refused_and_not_fanned_out(rate_limits):
    rate_limits["chat-change"] = "20 per hour"  # the default's 10 s window, however slow the run
    owner, group, room = await sync_to_async(_room)()
    talker = await sync_to_async(_member_of)(group)
    await sync_to_async(_send)(owner, room, "first", "反応してください")
    client, listener = await _connect(talker, room), await _connect(owner, room)
    for communicator in (client, listener):
        await _entered(communicator)
    burst = 300
    for number in range(burst):
        await client.send_json_to(
            {"type": "react", "seq": 1, "kind": "like", "client_id": str(number)}
        )
    refused = await _messages(client, burst - 20, "error")
    assert {frame["code"] for frame in refused} == {"rate_limited"}
    assert "秒ほど待ってから" in refused[0]["message"]
    assert [int(frame["client_id"]) for frame in refused] == list(range(20, burst))
    head = await sync_to_async(lambda: room.messages.get(seq=1).change)()
    assert head == 1 + 20
    updates = await _messages(listener, 20, "message.updated")
    assert updates[-1]["change"] == head
    await sync_to_async(_send)(owner, room, "next", "次の発言")
    frame = await listener.receive_json_from(timeout=5)
    while frame["type"].startswith("presence"):  # the talker's arrival, sent once a second
        frame = await listener.receive_json_from(timeout=5)
    assert (frame["type"], frame["seq"]) == ("message", 2)  # no 21st update
    await client.disconnect()
    await listener.disconnect()


@pytest.fixture
def catch_up_reads(monkeypatch):
    """Every catch-up read of the database (selectors.missed), as the cursors it read from."""
    from groups.chat import selectors

    reads, read = [], selectors.missed

    def counted(room_id, *, seq_after, change_after):
        reads.append((seq_after, change_after))
        return read(room_id, seq_after=seq_after, change_after=change_after)

    monkeypatch.setattr(selectors, "missed", counted)
    return reads


async def _crowd(group, room, size):
    members = [await sync_to_async(_member_of)(group) for _ in range(size)]
    clients = [await _connect(member, room) for member in members]
    for client in clients:
        await _entered(client)
    return clients


async def _only_message(client) -> int:
    """The seq of the one message frame this socket gets (presence frames set aside)."""
    [frame] = await _messages(client, 1)
    while not await client.receive_nothing(timeout=0.3):
        later = await client.receive_json_from()
        assert not later["type"].startswith("message"), later
    return frame["seq"]


async def test_sockets_behind_together_share_one_database_read(settings, catch_up_reads):
    """The head check finds a whole crowd behind (the last event was lost): they catch up
    with one read, not one each; every database call of a process waits in one line, and
    500 reads in it held up every message sent meanwhile."""
    settings.CHAT_HEAD_CHECK_SECONDS = 0.3
    _owner, group, room = await sync_to_async(_room)()
    clients = await _crowd(group, room, 10)
    talker = await sync_to_async(_member_of)(group)

    def send_lost():
        with _event_lost():
            _send(talker, room, "c1", "通知が失われる")

    await sync_to_async(send_lost)()
    assert [await _only_message(client) for client in clients] == [1] * len(clients)
    assert catch_up_reads == [(0, 0)]
    for client in clients:
        await client.disconnect()


async def test_a_head_check_during_a_fan_out_sends_no_socket_to_the_database(catch_up_reads):
    """The head check reads the head after a commit, while the event is still on its way to
    the sockets: each gets the event first, then the request to catch up, and reads nothing."""
    import asyncio

    from channels.layers import get_channel_layer

    from groups.chat import selectors
    from groups.chat.consumers import room_watch
    from groups.chat.models import room_channel_group

    _owner, group, room = await sync_to_async(_room)()
    clients = await _crowd(group, room, 10)
    talker = await sync_to_async(_member_of)(group)

    def send_quietly():
        with _event_lost():
            message = _send(talker, room, "c1", "配信中に確認される")
        payload = selectors.encoded_payload(selectors.message_payload(message.pk))
        return {"type": "chat.change", "change": message.change, "seq": message.seq,
                "payload": payload}  # fmt: skip

    loop = asyncio.get_running_loop()
    event = await sync_to_async(send_quietly)()
    checked_at = loop.time()
    sockets = room_watch.rooms[(loop, room.pk)]["sockets"]
    await get_channel_layer().group_send(room_channel_group(room.pk), event)  # in flight
    await room_watch.tell_behind(sockets, event["change"], checked_at)  # the check, meanwhile
    assert [await _only_message(client) for client in clients] == [1] * len(clients)
    assert catch_up_reads == []
    for client in clients:
        await client.disconnect()


async def test_passing_a_message_on_to_a_crowd_takes_no_turn_on_the_database_thread(monkeypatch):
    """A process runs its database calls on one thread, one after another. Channels' dispatch
    closed old connections there before every event, so a message to 500 sockets queued 500
    calls in front of every read and write of the process."""
    import channels.db

    _owner, group, room = await sync_to_async(_room)()
    clients = await _crowd(group, room, 10)
    talker = await sync_to_async(_member_of)(group)
    turns, close_old_connections = [], channels.db.close_old_connections

    def counted():
        turns.append(1)
        close_old_connections()

    monkeypatch.setattr(channels.db, "close_old_connections", counted)
    await sync_to_async(_send)(talker, room, "c1", "全員へ")
    assert [await _only_message(client) for client in clients] == [1] * len(clients)
    assert turns == []
    for client in clients:
        await client.disconnect()
