from channels.db import database_sync_to_async

from cityhall import policies

UNAUTHENTICATED = 4401
FORBIDDEN = 4403


class MembersOnlyWebSocket:
    """Lets a WebSocket through only for a verified member (put in ``scope['member']``);
    everyone else is accepted and closed at once with 4401, so clients can tell why."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if await database_sync_to_async(policies.is_verified_member)(user):
            return await self.app(dict(scope, member=user), receive, send)
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": UNAUTHENTICATED})
