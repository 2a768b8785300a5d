from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from cityhall import realtime
from cityhall.websocket import FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, session_member


class SessionEnded(Exception):
    """The socket's session no longer gives a verified member: nothing more is done for it."""


class MemberSocket(AsyncJsonWebsocketConsumer):
    """A socket of one member (``scope["member"]``). It hears the member's channel-layer group,
    so it closes as soon as the member logs out of this session or the account stops being a
    verified member's (4401), or the member may no longer see what it shows (4403,
    ``still_allowed``). Writes go through ``act``, which checks the same in the same database
    call, so a frame sent before the close arrives is refused too."""

    async def dispatch(self, message):
        """Channels' own dispatch first runs close_old_connections on the database thread, for
        every event. A process has one such thread, so a message to a room of 500 queued 500
        calls there, and every read and write of the process waited behind them. Each database
        call here goes through database_sync_to_async, which closes old connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def follow(self, group: str) -> None:
        """Hear ``group`` until the socket closes (channels discards ``self.groups`` then)."""
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)

    async def follow_member(self) -> None:
        await self.follow(realtime.member_group(self.scope["member"].pk))

    async def act(self, write):
        """``write(member)`` for the member as they are now; SessionEnded if they are not."""
        return await database_sync_to_async(self._act)(write)

    def _act(self, write):
        member = session_member(self.scope)
        if member is None:
            raise SessionEnded
        return write(member)

    def still_allowed(self, member) -> bool:
        """Whether ``member`` may still see what this socket shows (synchronous, may query)."""
        return True

    def _close_code(self) -> int | None:
        member = session_member(self.scope)
        if member is None:
            return UNAUTHENTICATED
        return None if self.still_allowed(member) else FORBIDDEN

    async def shut(self, code: int, content: dict | None = None) -> None:
        """Stop hearing every group and close with ``code``."""
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups.clear()
        await self.close(code=code)

    # --- events to the member's group ---------------------------------------------------------

    async def member_signed_out(self, event):
        """The member logged out of one session: that session's sockets close."""
        if event["session"] == self.scope["session"].session_key:
            await self.shut(UNAUTHENTICATED)

    async def member_access(self, event):
        """Something took a right away (deactivation, a membership): check again."""
        code = await database_sync_to_async(self._close_code)()
        if code is not None:
            await self.shut(code)

    async def unread_changed(self, event):
        """For the bell's socket (NotificationConsumer); other sockets of the member ignore it."""


class ListenOnlyConsumer(MemberSocket):
    """A socket that only hears channel-layer events; anything the client sends gets an error
    frame and the socket stays open."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Any frame, JSON or not, text or binary, gets the same answer."""
        await self.send_json(
            {"type": "error", "code": "read_only", "message": _("この接続は受信専用です。")}
        )


class NoSuchRouteConsumer(AsyncWebsocketConsumer):
    """A /ws/ path no route matches (``/ws/chat/²/``, an id past 64 bits): closed with 4404,
    as a page would answer 404, rather than failing in the router (a 1011 close)."""

    async def connect(self):
        await self.accept()
        await self.close(code=NOT_FOUND)
