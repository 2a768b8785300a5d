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


async def test_wrong_origin_is_rejected():
    member = await sync_to_async(MemberFactory)()
    communicator, connected = await _connect(
        member, origin=(b"origin", b"https://evil.example.com")
    )
    assert not connected


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
