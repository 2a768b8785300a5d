"""The chat socket, /ws/chat/<room>/?after=<seq>&changes=<change>. See docs/chat-protocol.md.

Each connection remembers the last message (``seq_sent``) and the last change
(``change_sent``) it has passed on. An event from the channel layer that follows on directly
is sent as it is; anything else (a gap: the layer dropped an event, or it came from another
process out of step) makes the consumer read what it lacks from the database. A timer does
the same when no event comes, so even a dropped last event reaches the client."""

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cityhall.consumers import MemberSocket, SessionEnded
from cityhall.params import BIGINT_MAX, has_unstorable_text, int_param
from cityhall.websocket import FORBIDDEN, UNAUTHENTICATED
from groups.chat import access, selectors, services
from groups.chat.models import Message, room_channel_group


class FrameError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _int_field(content: dict, name: str) -> int:
    value = content.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= BIGINT_MAX:
        raise FrameError("missing_field", _("%(name)s(0以上の整数)が必要です。") % {"name": name})
    return value


def _cursor(query: dict, name: str) -> int | None:
    return int_param(query.get(name, [None])[0])


PRESENCE_FLUSH_SECONDS = 1.0


class PresenceOutbox:
    """The joins and leaves of this process's sockets, gathered per room and sent to the
    room's group at most once a second. 500 people arriving at the start of a session then
    cost each socket about one event a second from each process, instead of 500 events (the
    cost of the other way grows with the square of the crowd)."""

    def __init__(self):
        self.batches = {}  # (event loop, group) -> {"joined": {id: entry}, "left": {ids}}

    def add(self, layer, group: str, *, joined: dict | None = None, left=()) -> None:
        loop = asyncio.get_running_loop()
        key = (loop, group)
        batch = self.batches.get(key)
        if batch is None:
            batch = self.batches[key] = {"joined": {}, "left": set()}
            loop.call_later(
                PRESENCE_FLUSH_SECONDS, lambda: loop.create_task(self.flush(layer, key))
            )
        if joined is not None:
            batch["left"].discard(joined["id"])
            batch["joined"][joined["id"]] = joined
        for member_id in left:
            batch["joined"].pop(member_id, None)
            batch["left"].add(member_id)

    async def flush(self, layer, key) -> None:
        batch = self.batches.pop(key)
        event = {"type": "chat.presence", "joined": list(batch["joined"].values()),
                 "left": sorted(batch["left"])}  # fmt: skip
        if event["joined"] or event["left"]:
            await layer.group_send(key[1], event)


presence_outbox = PresenceOutbox()


class RoomWatch:
    """What each socket of a room needs now and then, done once for all of a process's
    sockets in that room: every CHAT_HEAD_CHECK_SECONDS the room's head is read and the
    sockets that are behind it are told to catch up (so even a dropped last event arrives);
    every CHAT_PRESENCE_SECONDS their presence rows are refreshed in one update and rows left
    by dead processes pruned. Per socket this cost 500 queries per interval in a room of 500."""

    def __init__(self):
        self.rooms = {}  # (event loop, room id) -> {"sockets": set, "tasks": tuple}

    def join(self, socket) -> None:
        key = (asyncio.get_running_loop(), socket.room.pk)
        entry = self.rooms.get(key)
        if entry is None:
            sockets = set()
            tasks = (asyncio.create_task(self.check_head(socket.room.pk, sockets)),
                     asyncio.create_task(self.refresh_presence(socket.room, sockets)))  # fmt: skip
            entry = self.rooms[key] = {"sockets": sockets, "tasks": tasks}
        entry["sockets"].add(socket)

    def leave(self, socket) -> None:
        key = (asyncio.get_running_loop(), socket.room.pk)
        entry = self.rooms.get(key)
        if entry is None:
            return
        entry["sockets"].discard(socket)
        if not entry["sockets"]:
            for task in entry["tasks"]:
                task.cancel()
            del self.rooms[key]
            shared_reads.forget(socket.room.pk)

    async def check_head(self, room_id: int, sockets: set) -> None:
        while True:
            await asyncio.sleep(settings.CHAT_HEAD_CHECK_SECONDS)
            checked_at = asyncio.get_running_loop().time()
            _seq, change = await database_sync_to_async(selectors.head)(room_id)
            await self.tell_behind(sockets, change, checked_at)

    async def tell_behind(self, sockets: set, change: int, checked_at: float) -> None:
        """Ask each socket that has not passed on ``change`` to catch up. Its event for that
        change may only be in flight (the head was read after the commit, before the layer
        brought the event), so the request names the change and comes behind that event: a
        socket already there by then reads nothing. (A check during a message's fan-out used
        to send all 500 sockets to the database at once.) Those still behind share reads begun
        after ``checked_at``."""
        request = {"type": "chat.behind", "change": change, "since": checked_at}
        for socket in [socket for socket in sockets if socket.change_sent < change]:
            await socket.channel_layer.send(socket.channel_name, request)

    async def refresh_presence(self, room, sockets: set) -> None:
        while True:
            await asyncio.sleep(settings.CHAT_PRESENCE_SECONDS)
            channels = [socket.channel_name for socket in sockets]
            left = await database_sync_to_async(services.presence_refresh)(
                room=room, channel_names=channels
            )
            if left and sockets:
                socket = next(iter(sockets))
                presence_outbox.add(socket.channel_layer, socket.group, left=left)


room_watch = RoomWatch()


@dataclass
class RoomReads:
    waiting: dict = field(default_factory=dict)  # cursors -> future, for a read not begun
    recent: dict = field(default_factory=dict)  # cursors -> (began, future), reads of late
    reader: asyncio.Task | None = None


class SharedReads:
    """The catch-up reads of this process, shared by the sockets of a room. Every
    database_sync_to_async call of a process runs on one thread, one after another (asgiref's
    thread-sensitive executor), so 500 sockets catching up at once were 500 reads in a row,
    and every message sent meanwhile waited behind them: seconds.

    Here each room has one reader, and sockets asking from the same cursors share a read: one
    not begun yet, or one begun after ``since``, the moment their need arose (a head check
    names the moment it read the head, so its crowd shares a read even when its requests come
    one by one, as over Redis). Without ``since`` (a gap, a resume) only a read not begun yet
    will do, so a read always sees everything committed before the request."""

    def __init__(self):
        self.rooms = {}  # (event loop, room id) -> RoomReads

    async def missed(self, room_id: int, seq_after: int, change_after: int, *,
                     since: float | None = None) -> selectors.Missed:  # fmt: skip
        loop = asyncio.get_running_loop()
        room = self.rooms.setdefault((loop, room_id), RoomReads())
        cursors = (seq_after, change_after)
        began, future = room.recent.get(cursors, (None, None))
        if since is None or future is None or began < since:
            future = room.waiting.get(cursors)
            if future is None:
                future = room.waiting[cursors] = loop.create_future()
            if room.reader is None:
                room.reader = loop.create_task(self.read(room_id, room))
        return await asyncio.shield(future)

    async def read(self, room_id: int, room: RoomReads) -> None:
        loop = asyncio.get_running_loop()
        try:
            while room.waiting:
                waiting, room.waiting = room.waiting, {}
                kept_from = loop.time() - settings.CHAT_HEAD_CHECK_SECONDS
                room.recent = {cursors: read for cursors, read in room.recent.items()
                               if read[0] > kept_from}  # fmt: skip
                for (seq_after, change_after), future in waiting.items():
                    room.recent[seq_after, change_after] = (loop.time(), future)
                    try:
                        found = await database_sync_to_async(selectors.missed_frames)(
                            room_id, seq_after=seq_after, change_after=change_after
                        )
                    except Exception as problem:  # every socket waiting on it sees the error
                        future.set_exception(problem)
                    else:
                        future.set_result(found)
        finally:
            room.reader = None

    def forget(self, room_id: int) -> None:
        """The process's last socket of the room has gone."""
        self.rooms.pop((asyncio.get_running_loop(), room_id), None)


shared_reads = SharedReads()


class ChatConsumer(MemberSocket):
    room = None
    seq_sent = change_sent = 0

    async def dispatch(self, message):
        """Everything this socket says (error frames included) is in the member's language."""
        with translation.override(self.scope.get("language")):
            await super().dispatch(message)

    async def connect(self):
        self.member = self.scope["member"]
        room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        try:
            self.room, _membership = await database_sync_to_async(access.room_by_id)(
                self.member, room_id
            )
        except Http404:
            await self.accept()
            await self.close(code=FORBIDDEN)
            return
        await self.accept()
        await self.follow_member()
        self.group = room_channel_group(room_id)
        await self.follow(self.group)
        query = parse_qs(self.scope.get("query_string", b"").decode())
        await self.resume(_cursor(query, "after"), _cursor(query, "changes"))
        joined = await database_sync_to_async(services.presence_enter)(
            member=self.member, room=self.room, channel_name=self.channel_name
        )
        if joined:
            presence_outbox.add(self.channel_layer, self.group, joined=joined)
        await self.send_presence()
        room_watch.join(self)

    async def disconnect(self, code):
        if self.room is not None:
            room_watch.leave(self)
            left = await database_sync_to_async(services.presence_leave)(
                room=self.room, channel_name=self.channel_name
            )
            if left:
                presence_outbox.add(self.channel_layer, self.group, left=left)

    async def resume(self, seq_after: int | None, change_after: int | None) -> None:
        """Replay what the client lacks, then say how far the room goes."""
        if seq_after is None:
            self.seq_sent, self.change_sent = await self.head()
        else:
            self.seq_sent, self.change_sent = seq_after, change_after or 0
            await self.catch_up()
        await self.send_json({"type": "ready", "seq": self.seq_sent, "change": self.change_sent})

    async def head(self) -> tuple[int, int]:
        return await database_sync_to_async(selectors.head)(self.room.pk)

    async def catch_up(self, since: float | None = None) -> None:
        missed = await shared_reads.missed(self.room.pk, self.seq_sent, self.change_sent,
                                           since=since)  # fmt: skip
        if missed.reload is not None:
            self.seq_sent, self.change_sent = missed.reload
            await self.send_json({"type": "reload", "seq": self.seq_sent,
                                  "change": self.change_sent})  # fmt: skip
            return
        for seq, change, payload in missed.frames:
            await self.pass_on_encoded(seq, change, payload)

    async def pass_on_encoded(self, seq: int, change: int, payload: str) -> None:
        """Send a message frame built around an already encoded payload (``{"seq":…}``)."""
        kind = "message" if seq > self.seq_sent else "message.updated"
        await self.send(text_data=f'{{"type":"{kind}",{payload[1:]}')
        self.seq_sent = max(self.seq_sent, seq)
        self.change_sent = max(self.change_sent, change)

    async def send_presence(self) -> None:
        members = await database_sync_to_async(selectors.present_members)(self.room.pk)
        await self.send_json({"type": "presence", "members": members})

    # --- events from the channel layer ------------------------------------------------------

    async def chat_change(self, event):
        change, seq = event["change"], event["seq"]
        if change <= self.change_sent:
            return  # already passed on
        follows = seq == self.seq_sent + 1 or seq <= self.seq_sent
        if change == self.change_sent + 1 and follows:
            await self.pass_on_encoded(seq, change, event["payload"])
        else:
            await self.catch_up()

    async def chat_presence(self, event):
        """Joins and leaves, as gathered by each process's PresenceOutbox. This socket's own
        member is always here, as the list sent on entering says."""
        me = self.member.pk
        joined = [member for member in event["joined"] if member["id"] != me]
        left = [member_id for member_id in event["left"] if member_id != me]
        if joined or left:
            await self.send_json({"type": "presence.changed", "joined": joined, "left": left})

    async def chat_behind(self, event):
        """The room's head was past this socket when RoomWatch read it: unless the events in
        flight then have brought it there since, read what is missing."""
        if self.change_sent < event["change"]:
            await self.catch_up(since=event["since"])

    async def chat_access(self, event):
        """The room's access changed (the chat was switched off, a member left, a registrant
        cancelled): whoever may no longer be here is closed (MemberSocket.member_access)."""
        if event.get("member") in (None, self.member.pk):
            await self.member_access(event)

    def still_allowed(self, member) -> bool:
        try:
            access.room_by_id(member, self.room.pk)
        except Http404:
            return False
        return True

    async def shut(self, code: int, content: dict | None = None) -> None:
        """Say why in an error frame, then close."""
        if code == UNAUTHENTICATED:
            await self.error("signed_out", _("ログインが切れたため、チャットから切断されました。"
                                             "もう一度ログインしてください。"), content)  # fmt: skip
        elif self.room.group_id is None:
            await self.error(
                "left", _("このルームに入れなくなったため、チャットから切断されました。")
            )
        elif await database_sync_to_async(selectors.chat_enabled)(self.room.pk):
            await self.error(
                "left", _("このグループのメンバーではなくなったため、チャットから切断されました。")
            )
        else:
            await self.error(
                "chat_off",
                _("グループのオーナーがチャットを止めました。メッセージは残っています。"),
            )
        await super().shut(code, content)

    async def chat_muted(self, event):
        """A moderator muted this socket's member, or lifted the mute."""
        if event["member"] != self.member.pk:
            return
        if event["until"] is None:
            await self.send_json({"type": "unmuted"})
            return
        until = timezone.localtime(datetime.fromisoformat(event["until"]))
        text = _("モデレーターにより %(until)s まで発言を停止されています。") % {
            "until": formats.date_format(until, "DATETIME_FORMAT")
        }
        await self.send_json({"type": "muted", "until": event["until"], "message": text})

    # --- frames from the client --------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        try:
            content = json.loads(text_data or "")
        except (ValueError, RecursionError):
            await self.error("bad_json", _("JSONとして読めないフレームです。"))
            return
        if not isinstance(content, dict):
            await self.error("bad_frame", _("フレームはJSONオブジェクトで送ってください。"))
            return
        if has_unstorable_text(content):
            await self.error("bad_text", _("NUL文字などの使えない文字が含まれています。"), content)
            return
        kind = content.get("type")
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self.error("unknown_type", _("知らない種類のフレームです。"), content)
            return
        try:
            await handler(self, content)
        except FrameError as problem:
            await self.error(problem.code, problem.message, content)
        except SessionEnded:
            await self.shut(UNAUTHENTICATED, content)
        except ValidationError as problem:  # ChatError, RateLimited
            await self.error(getattr(problem, "code", None) or "invalid", problem.messages[0],
                             content)  # fmt: skip
        except (PermissionDenied, Http404):
            await self.error("forbidden", _("この操作はできません。"), content)

    async def error(self, code: str, message: str, content: dict | None = None) -> None:
        frame = {"type": "error", "code": code, "message": message}
        if isinstance(content, dict) and "client_id" in content:
            frame["client_id"] = content["client_id"]
        await self.send_json(frame)

    # Each write runs through MemberSocket.act: the member as they are now (still signed in,
    # active and verified) in the same database call as the service, which checks the rest.

    async def frame_message(self, content):
        reply_to = content.get("reply_to")
        message, _created = await self.act(lambda member: services.message_send(
            author=member, room=self.room, client_id=content.get("client_id"),
            body=content.get("body"), reply_to_seq=reply_to if isinstance(reply_to, int) else None,
        ))  # fmt: skip
        await self.send_json({"type": "ack", "client_id": message.client_id, "seq": message.seq})

    async def frame_edit(self, content):
        seq = _int_field(content, "seq")
        await self.act(lambda member: services.message_edit(
            editor=member, message=self.message_at(seq), body=content.get("body")
        ))  # fmt: skip

    async def frame_delete(self, content):
        seq = _int_field(content, "seq")
        await self.act(
            lambda member: services.message_delete(actor=member, message=self.message_at(seq))
        )

    async def frame_react(self, content):
        seq = _int_field(content, "seq")
        await self.act(lambda member: services.reaction_toggle(
            member=member, message=self.message_at(seq), kind=content.get("kind")
        ))  # fmt: skip

    async def frame_read(self, content):
        seq = _int_field(content, "seq")
        await self.act(
            lambda member: services.room_mark_read(member=member, room=self.room, seq=seq)
        )

    async def frame_sync(self, content):
        await self.catch_up()

    async def frame_presence(self, content):
        await self.send_presence()

    def message_at(self, seq: int) -> Message:
        return access.message_in(self.room, seq)

    handlers = {
        "message": frame_message,
        "edit": frame_edit,
        "delete": frame_delete,
        "react": frame_react,
        "read": frame_read,
        "sync": frame_sync,
        "presence": frame_presence,
    }
