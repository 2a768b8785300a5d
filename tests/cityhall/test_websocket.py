import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from cityhall.asgi import application
from cityhall.websocket import UNAUTHENTICATED
from members import services
from members.models import Notification
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def _session_cookie(member) -> tuple[bytes, bytes]:
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode())


async def _connect(member=None, origin=ORIGIN):
    headers = [origin]
    if member is not None:
        headers.append(await sync_to_async(_session_cookie)(member))
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected


async def test_member_gets_the_unread_count_and_live_updates():
    member = await sync_to_async(MemberFactory)()
    communicator, connected = await _connect(member)
    assert connected
    assert await communicator.receive_json_from() == {"type": "unread.count", "count": 0}

    await sync_to_async(services.notification_create)(
        recipient=member, kind=Notification.Kind.WELCOME, params={"name": member.display_name}
    )
    assert await communicator.receive_json_from(timeout=3) == {"type": "unread.count", "count": 1}
    await communicator.disconnect()


async def test_unverified_account_is_closed_with_4401():
    member = await sync_to_async(MemberFactory)(verified=False)
    communicator, connected = await _connect(member)
    assert connected
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": UNAUTHENTICATED,
    }


async def _origin_admitted(headers, scheme="ws", **overrides) -> bool:
    member = await sync_to_async(MemberFactory)()
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[*headers, await _cookie(member)]
    )
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


async def _cookie(member):
    return await sync_to_async(_session_cookie)(member)


@pytest.mark.parametrize(
    "origin",
    [
        b"https://evil.example.com",
        b"http://127.0.0.1:9999",  # another port of the same machine
        b"https://127.0.0.1:8000",  # the site itself is served over plain HTTP
        b"http://127.0.0.1",
        b"null",
    ],
)
async def test_an_origin_other_than_the_sites_own_is_refused(origin):
    assert not await _origin_admitted([(b"origin", origin), (b"host", b"127.0.0.1:8000")])


async def test_the_sites_own_origin_is_admitted():
    assert await _origin_admitted([ORIGIN, (b"host", b"127.0.0.1:8000")])


async def test_same_origin_as_the_host_header_is_admitted_on_any_port(settings):
    settings.ALLOWED_HOSTS = ["cityhall.example.jp"]
    headers = [
        (b"origin", b"http://cityhall.example.jp:8123"),
        (b"host", b"cityhall.example.jp:8123"),
    ]
    assert await _origin_admitted(headers)
    assert not await _origin_admitted([headers[0], (b"host", b"cityhall.example.jp:8124")])


async def test_over_tls_the_origin_must_be_https(settings):
    settings.ALLOWED_HOSTS = ["cityhall.example.jp"]
    host = (b"host", b"cityhall.example.jp")
    assert await _origin_admitted([(b"origin", b"https://cityhall.example.jp"), host], "wss")
    assert not await _origin_admitted([(b"origin", b"http://cityhall.example.jp"), host], "wss")


async def test_a_host_outside_allowed_hosts_does_not_vouch_for_its_origin():
    headers = [
        (b"origin", b"http://rebound.example.com:8000"),
        (b"host", b"rebound.example.com:8000"),
    ]
    assert not await _origin_admitted(headers)


async def test_csrf_trusted_origins_are_admitted_with_scheme_and_port(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://cityhall.example.jp", "https://*.pref.example.jp"]
    for origin in (b"https://cityhall.example.jp", b"https://www.pref.example.jp"):
        assert await _origin_admitted([(b"origin", origin)])
    for origin in (b"http://cityhall.example.jp", b"https://cityhall.example.jp:8443"):
        assert not await _origin_admitted([(b"origin", origin)])


async def test_a_connection_without_origin_is_refused():
    assert not await _origin_admitted([(b"host", b"127.0.0.1:8000")])


async def test_sending_on_the_read_only_channel_gets_an_error_frame_and_stays_open():
    member = await sync_to_async(MemberFactory)()
    communicator, _ = await _connect(member)
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "anything"})
    frame = await communicator.receive_json_from()
    assert frame["type"] == "error" and frame["code"] == "read_only" and frame["message"]
    await sync_to_async(services.notification_create)(
        recipient=member, kind=Notification.Kind.WELCOME, params={"name": "x"}
    )
    assert (await communicator.receive_json_from(timeout=3))["count"] == 1
    await communicator.disconnect()
