from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from cityhall import policies

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404


class MembersOnlyWebSocket:
    """Lets a WebSocket through only for a verified member (put in ``scope['member']``);
    everyone else is accepted and closed at once with 4401, so clients can tell why."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if await database_sync_to_async(policies.is_verified_member)(user):
            scope = dict(scope, member=user, language=scope_language(scope))
            return await self.app(scope, receive, send)
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": UNAUTHENTICATED})


def scope_language(scope) -> str:
    """The language a page would be shown in: the language cookie, else Accept-Language, else
    the site's (Japanese), as LocaleMiddleware decides for HTTP."""
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    accept = dict(scope.get("headers", [])).get(b"accept-language", b"").decode("latin-1")
    for code in [cookie, *(code for code, _quality in parse_accept_lang_header(accept))]:
        if not code or code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def session_member(scope):
    """The verified member the socket's session belongs to now, read afresh from the session
    store and the database: None once the member logged out, the account was deactivated or
    the password changed (Django's own session check, as for the next HTTP request)."""
    session = scope.get("session")
    key = session.session_key if session is not None else None
    if not key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    user = auth.get_user(SimpleNamespace(session=store))
    if user.pk != scope["member"].pk or not policies.is_verified_member(user):
        return None
    return user
