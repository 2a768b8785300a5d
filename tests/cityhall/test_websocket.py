import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cityhall.asgi import application
from cityhall.websocket import FORBIDDEN, UNAUTHENTICATED
from groups import services as group_services
from groups.chat import services as chat_services
from groups.models import Membership
from members import services
from members.models import User
from members.notifications import WELCOME
from tests.conftest import PASSWORD
from tests.factories import MemberFactory
from tests.groups.conftest import make_group

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
        recipient=member, kind=WELCOME, params={"name": member.display_name}
    )
    assert await communicator.receive_json_from(timeout=3) == {"type": "unread.count", "count": 1}
    await communicator.disconnect()


async def test_the_live_count_is_the_members_own_and_leaves_out_what_they_may_no_longer_see():
    """The writer only says that the count changed; each bell counts for its own member, by the
    same policies as the page, so a post in a group the member has left is not counted."""
    member, other = await sync_to_async(lambda: (MemberFactory(), MemberFactory()))()
    communicator, connected = await _connect(member)
    assert connected
    assert await communicator.receive_json_from() == {"type": "unread.count", "count": 0}

    def mentioned_then_left():
        group = make_group(member, name="財政課 勉強会", kind="closed")
        topic = group_services.topic_create(author=member, group=group, title="予算の組み方",
                                            body="前年度の資料を共有します。")  # fmt: skip
        services.notifications_create(recipients=[member], kind=WELCOME, params={"name": "x"},
                                      subject=topic.posts.get())  # fmt: skip
        Membership.objects.filter(member=member, group=group).delete()
        services.notifications_create(recipients=[member, other], kind=WELCOME,
                                      params={"name": "x"})  # fmt: skip

    await sync_to_async(mentioned_then_left)()
    counts = []
    while len(counts) < 2:
        counts.append((await communicator.receive_json_from(timeout=3))["count"])
    assert counts == [1, 1]  # the post's notification, then only the new one
    await communicator.disconnect()


async def test_a_bell_whose_session_has_gone_closes_when_its_count_changes():
    """The session row removed without a logout event (expired, cleared): the next change to
    the count finds no member behind the socket, and it closes (4401) rather than count."""
    member = await sync_to_async(MemberFactory)()
    communicator, connected = await _connect(member)
    assert connected
    assert await communicator.receive_json_from() == {"type": "unread.count", "count": 0}
    await sync_to_async(lambda: SessionStore.get_model_class().objects.all().delete())()
    await sync_to_async(services.notification_create)(
        recipient=member, kind=WELCOME, params={"name": member.display_name}
    )
    assert await communicator.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": UNAUTHENTICATED,
    }


def test_the_writer_counts_nobody_elses_unread_notifications():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    members = [MemberFactory() for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            services.notifications_create(recipients=members, kind=WELCOME, params={"name": "x"})
    read_back = [q["sql"] for q in queries.captured_queries
                 if q["sql"].startswith('SELECT "members_notification".')]  # fmt: skip
    assert read_back == []


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
        recipient=member, kind=WELCOME, params={"name": "x"}
    )
    assert (await communicator.receive_json_from(timeout=3))["count"] == 1
    await communicator.disconnect()


# --- a socket lives no longer than the right to use it ------------------------------------


def _session_key(member) -> str:
    return _session_cookie(member)[1].decode().split("=", 1)[1]


def _world_of(member):
    """A closed group with ``member`` in it, its chat room and a topic."""
    owner = MemberFactory()
    group = make_group(owner, kind="closed", slug="heisa", name="閉じた相談室")
    membership = Membership.objects.create(group=group, member=member)
    topic = group_services.topic_create(author=owner, group=group, title="質問", body="本文")
    return owner, membership, chat_services.room_for_group(group), topic


async def _open(path: str, session_key: str) -> WebsocketCommunicator:
    cookie = (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, cookie])
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] in {"unread.count", "topic.state", "ready"}
    return communicator


async def _sockets(member, session_key, room, topic) -> dict:
    return {
        "notifications": await _open("/ws/notifications/", session_key),
        "topic": await _open(f"/ws/topics/{topic.pk}/", session_key),
        "chat": await _open(f"/ws/chat/{room.pk}/", session_key),
    }


async def _close_code(communicator) -> tuple[int, list[dict]]:
    """Read up to the socket's close; return its code and the frames before it."""
    frames = []
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"], frames
        frames.append(json.loads(output["text"]))


async def _still_open(communicator, member) -> None:
    """The socket hears the next notification count: nobody closed it."""
    await sync_to_async(services.notification_create)(
        recipient=member, kind=WELCOME, params={"name": "x"}
    )
    while (await communicator.receive_json_from(timeout=5))["type"] != "unread.count":
        continue


def _logout(session_key: str) -> None:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    assert client.post(reverse("account_logout")).status_code == 302


@pytest.mark.usefixtures("channel_layer")
async def test_logging_out_closes_every_socket_of_that_session_and_no_other():
    member = await sync_to_async(MemberFactory)()
    _owner, _membership, room, topic = await sync_to_async(_world_of)(member)
    key, other_key = [await sync_to_async(_session_key)(member) for _ in range(2)]
    sockets = await _sockets(member, key, room, topic)
    other_browser = await _open("/ws/notifications/", other_key)

    await sync_to_async(_logout)(key)

    for name, communicator in sockets.items():
        code, frames = await _close_code(communicator)
        assert code == UNAUTHENTICATED, name
    assert frames[-1]["code"] == "signed_out" and "ログイン" in frames[-1]["message"]
    await _still_open(other_browser, member)
    await other_browser.disconnect()


@pytest.mark.usefixtures("channel_layer")
async def test_a_new_password_closes_the_sockets_of_the_other_sessions_at_once():
    member = await sync_to_async(MemberFactory)()
    key, other_key = [await sync_to_async(_session_key)(member) for _ in range(2)]
    elsewhere = await _open("/ws/notifications/", other_key)

    def change_password() -> str:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        new = "new-horse-battery-77"
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
        assert response.status_code == 302
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    key_now = await sync_to_async(change_password)()
    code, frames = await _close_code(elsewhere)
    assert code == UNAUTHENTICATED
    here = await _open("/ws/notifications/", key_now)  # the browser that changed it goes on
    await _still_open(here, member)
    await here.disconnect()


@pytest.mark.usefixtures("channel_layer")
async def test_deactivating_an_account_in_the_admin_closes_all_its_sockets():
    member = await sync_to_async(MemberFactory)()
    _owner, _membership, room, topic = await sync_to_async(_world_of)(member)
    sockets = await _sockets(member, await sync_to_async(_session_key)(member), room, topic)
    sockets["other browser"] = await _open(
        "/ws/notifications/", await sync_to_async(_session_key)(member)
    )
    admin = await sync_to_async(MemberFactory)(is_staff=True, is_superuser=True)

    def deactivate():
        client = Client()
        client.force_login(admin)
        response = client.post(
            reverse("admin:members_user_changelist"),
            {"action": "deactivate", "_selected_action": [member.pk]},
        )
        assert response.status_code == 302

    await sync_to_async(deactivate)()
    for name, communicator in sockets.items():
        assert (await _close_code(communicator))[0] == UNAUTHENTICATED, name
    assert not (await sync_to_async(User.objects.get)(pk=member.pk)).is_active


@pytest.mark.usefixtures("channel_layer")
async def test_a_site_wide_suspension_closes_every_socket_and_refuses_frames_in_between():
    member = await sync_to_async(MemberFactory)()
    _owner, _membership, room, topic = await sync_to_async(_world_of)(member)
    sockets = await _sockets(member, await sync_to_async(_session_key)(member), room, topic)
    moderator = await sync_to_async(MemberFactory)(is_site_moderator=True)

    def suspend():
        client = Client()
        client.force_login(moderator)
        response = client.post(
            reverse("members:suspend", args=[member.pk]), {"days": "7", "reason": "荒らし"}
        )
        assert response.status_code == 302

    await sync_to_async(suspend)()
    await sockets["chat"].send_json_to(
        {"type": "message", "body": "停止後の投稿", "client_id": "x1"}
    )
    for name, communicator in sockets.items():
        assert (await _close_code(communicator))[0] == UNAUTHENTICATED, name
    assert not await sync_to_async(room.messages.filter(body="停止後の投稿").exists)()


@pytest.mark.usefixtures("channel_layer")
async def test_removal_from_a_closed_group_closes_its_chat_and_topic_sockets_only():
    member = await sync_to_async(MemberFactory)()
    owner, membership, room, topic = await sync_to_async(_world_of)(member)
    sockets = await _sockets(member, await sync_to_async(_session_key)(member), room, topic)

    await sync_to_async(group_services.membership_remove)(
        actor=owner, membership=membership, reason="異動"
    )
    code, frames = await _close_code(sockets["chat"])
    assert code == FORBIDDEN and frames[-1]["code"] == "left"
    code, frames = await _close_code(sockets["topic"])
    assert code == FORBIDDEN and not [f for f in frames if f["type"] == "post.created"]
    await sync_to_async(group_services.post_create)(author=owner, topic=topic, body="続報")
    await _still_open(sockets["notifications"], member)
    await sockets["notifications"].disconnect()


@pytest.mark.usefixtures("channel_layer")
async def test_the_access_hook_keeps_sockets_open_while_the_member_may_still_use_them():
    """What a site-wide suspension will call (members.services.member_access_changed): the
    sockets check again and stay open for a member who is still allowed."""
    member = await sync_to_async(MemberFactory)()
    _owner, _membership, room, topic = await sync_to_async(_world_of)(member)
    sockets = await _sockets(member, await sync_to_async(_session_key)(member), room, topic)

    def hook():
        with transaction.atomic():
            services.member_access_changed(member=member)

    await sync_to_async(hook)()
    await _still_open(sockets["notifications"], member)
    await sockets["topic"].send_json_to({"type": "x"})
    assert (await sockets["topic"].receive_json_from(timeout=5))["code"] == "read_only"
    for communicator in sockets.values():
        await communicator.disconnect()
