"""The access helpers (groups/access.py, groups/chat/access.py) raise one 404 for what does not
exist and for what the member may not know exists, and they are the only way views and sockets
load what a member asked for. (That each helper agrees with its policy predicate, for every
kind of viewer: test_visibility_agreement.py.)"""

import ast
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from cityhall.asgi import application
from cityhall.websocket import FORBIDDEN
from groups import access
from groups.chat import access as chat_access
from groups.chat import services as chat_services
from groups.chat.models import Room
from groups.models import Attachment
from tests.cityhall.test_websocket import ORIGIN, _session_cookie
from tests.factories import GroupFactory, MemberFactory, MembershipFactory, TopicFactory
from tests.groups.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]


def _secret_world():
    """A secret group with a topic, an attachment and a chat room; and an outsider."""
    group = GroupFactory(kind="secret", slug="himitsu")
    topic = TopicFactory(group=group, files=[SimpleUploadedFile("メモ.pdf", b"%PDF-1.7\n")])
    room = chat_services.room_for_group(group)
    return group, topic, room, MemberFactory()


@pytest.fixture
def secret(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return _secret_world()


def _raised(load) -> type[Exception] | None:
    try:
        load()
    except (Http404, PermissionDenied) as error:
        return type(error)
    return None


def test_missing_and_forbidden_are_the_same_404_for_every_object(secret):
    group, topic, room, outsider = secret
    owner = group.proposed_by
    mine = access.readable_group_for(owner, group.slug)
    elsewhere = access.readable_group_for(owner, GroupFactory(owner=owner).slug)
    post, attachment = topic.posts.get(), Attachment.objects.get()
    cases = {
        "group": (lambda: access.group_for(outsider, group.slug),
                  lambda: access.group_for(owner, "no-such-group")),
        "topic": (lambda: access.followed_topic(outsider, topic.pk),
                  lambda: access.topic_for(owner, elsewhere, topic.pk)),
        "post": (lambda: access.post_for(owner, elsewhere, post.pk),
                 lambda: access.post_for(owner, mine, post.pk + 1000)),
        "attachment": (lambda: access.attachment_for(owner, elsewhere, attachment.pk),
                       lambda: access.attachment_for(owner, mine, attachment.pk, preview=True)),
        "room": (lambda: chat_access.room_for(outsider, group.slug),
                 lambda: chat_access.room_by_id(owner, room.pk + 1000)),
        "moderated room": (lambda: chat_access.moderated_room_for(MembershipFactory(
                               group=group).member, group.slug),
                           lambda: chat_access.room_for(owner, "no-such-group")),
        "message": (lambda: chat_access.message_in(room, 0),
                    lambda: chat_access.message_in(room, 1000)),
    }  # fmt: skip
    for name, (forbidden, missing) in cases.items():
        assert _raised(forbidden) is _raised(missing) is Http404, name
    # and what the owner may see loads
    assert access.topic_for(owner, mine, topic.pk) == topic
    assert access.post_for(owner, mine, post.pk) == post
    assert access.attachment_for(owner, mine, attachment.pk) == attachment
    assert chat_access.moderated_room_for(owner, group.slug)[0] == room


def test_a_known_closed_group_is_a_403_only_for_its_content(db):
    group = GroupFactory(kind="closed")
    outsider = MemberFactory()
    assert access.group_for(outsider, group.slug).group == group
    assert _raised(lambda: access.readable_group_for(outsider, group.slug)) is PermissionDenied


def test_members_asking_for_a_transcript_they_may_not_have_open_no_room(db):
    group = GroupFactory()
    plain = MembershipFactory(group=group).member
    response = client_for(plain).get(reverse("chat:transcript", args=[group.slug]))
    assert response.status_code == 404
    assert not Room.objects.filter(group=group).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", ["chat", "topics"])
async def test_a_socket_to_a_missing_id_closes_as_one_to_a_forbidden_one(route, settings,
                                                                        tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    group, topic, room, outsider = await sync_to_async(_secret_world)()
    cookie = await sync_to_async(_session_cookie)(outsider)
    known = room.pk if route == "chat" else topic.pk
    closes = []
    for object_id in (known, known + 1000):
        socket = WebsocketCommunicator(application, f"/ws/{route}/{object_id}/",
                                       headers=[ORIGIN, cookie])  # fmt: skip
        connected, _ = await socket.connect(timeout=10)
        assert connected
        closes.append(await socket.receive_output(timeout=5))
    assert closes == [{"type": "websocket.close", "code": FORBIDDEN}] * 2


@pytest.mark.parametrize(
    "path",
    ["groups/views.py", "groups/chat/views.py", "groups/consumers.py", "groups/chat/consumers.py"],
)
def test_views_and_consumers_query_no_model_themselves(path):
    """They load through the access helpers and read through selectors: no ``Model.objects``
    and no ``get_object_or_404`` (which would answer for what the member may not see)."""
    tree = ast.parse((ROOT / path).read_text())
    found = [
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr == "objects")
        or (isinstance(node, ast.Name) and node.id in {"get_object_or_404", "get_list_or_404"})
    ]
    assert not found, f"{path} queries models directly: {found}"
