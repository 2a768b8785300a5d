import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from cityhall.asgi import application
from cityhall.websocket import FORBIDDEN
from groups import services
from groups.models import Membership
from tests.cityhall.test_websocket import _session_cookie
from tests.factories import MemberFactory
from tests.groups.conftest import make_group

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def _connect(member, topic_id):
    cookie = await sync_to_async(_session_cookie)(member)
    communicator = WebsocketCommunicator(
        application, f"/ws/topics/{topic_id}/", headers=[ORIGIN, cookie]
    )
    connected, _ = await communicator.connect()
    return communicator, connected


def _world(kind):
    owner = MemberFactory()
    group = make_group(owner, kind=kind, slug=f"live-{kind}")
    topic = services.topic_create(author=owner, group=group, title="質問", body="本文")
    return owner, group, topic


async def test_readers_hear_about_new_replies():
    owner, group, topic = await sync_to_async(_world)("open")
    reader = await sync_to_async(MemberFactory)()
    communicator, connected = await _connect(reader, topic.pk)
    assert connected
    assert await communicator.receive_json_from() == {"type": "topic.state", "highest": 1}
    await sync_to_async(services.post_create)(author=owner, topic=topic, body="返信です")
    assert await communicator.receive_json_from(timeout=3) == {"type": "post.created", "number": 2}
    await communicator.disconnect()


async def test_outsiders_of_a_secret_group_are_closed_with_4403():
    _owner, _group, topic = await sync_to_async(_world)("secret")
    outsider = await sync_to_async(MemberFactory)()
    communicator, connected = await _connect(outsider, topic.pk)
    assert connected
    assert await communicator.receive_output() == {"type": "websocket.close", "code": FORBIDDEN}


async def test_members_of_a_secret_group_may_follow():
    _owner, group, topic = await sync_to_async(_world)("secret")
    member = await sync_to_async(MemberFactory)()
    await sync_to_async(Membership.objects.create)(group=group, member=member)
    communicator, connected = await _connect(member, topic.pk)
    assert connected
    assert (await communicator.receive_json_from())["type"] == "topic.state"
    await communicator.send_json_to({"type": "x"})
    assert (await communicator.receive_json_from())["code"] == "read_only"
    await communicator.disconnect()


async def test_a_reader_is_closed_when_the_topic_moves_to_a_secret_group():
    owner, group, topic = await sync_to_async(_world)("open")
    secret = await sync_to_async(make_group)(owner, kind="secret", slug="himitsu", name="秘密")
    reader = await sync_to_async(MemberFactory)()
    communicator, _connected = await _connect(reader, topic.pk)
    assert (await communicator.receive_json_from())["type"] == "topic.state"
    await sync_to_async(services.topic_move)(actor=owner, topic=topic, to_group=secret)
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": FORBIDDEN,
    }


async def test_a_reader_of_a_closed_group_removed_from_it_hears_no_more_replies():
    owner, group, topic = await sync_to_async(_world)("closed")
    reader = await sync_to_async(MemberFactory)()
    membership = await sync_to_async(Membership.objects.create)(group=group, member=reader)
    communicator, _connected = await _connect(reader, topic.pk)
    assert (await communicator.receive_json_from())["type"] == "topic.state"
    await sync_to_async(services.membership_remove)(
        actor=owner, membership=membership, reason="異動"
    )
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": FORBIDDEN,
    }
