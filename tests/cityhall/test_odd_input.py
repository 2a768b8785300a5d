"""Odd input (numbers that are not plain numbers, NUL characters, lone surrogates, frames of
the wrong shape) gets a clear answer, never a 500 or a 1011 close. The route walker's fuzz
pass tries every route; these tests say what a member sees."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import Resolver404, resolve, reverse

from cityhall.asgi import application
from cityhall.params import BIGINT_MAX, has_unstorable_text, int_param
from cityhall.routing import websocket_urlpatterns
from cityhall.websocket import NOT_FOUND
from groups.chat.models import Message
from groups.models import Draft, Topic
from tests.cityhall.test_route_walker import ROUTES, SOURCES
from tests.cityhall.test_websocket import ORIGIN, _session_cookie
from tests.factories import MemberFactory, TopicFactory
from tests.groups.chat.test_consumer import _connect, _entered, _frames_until, _room, _send

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("0", 0), ("²", None), ("٣", None), ("-1", None), ("", None), (None, None),
     (" 1", None), ("1.5", None), (str(BIGINT_MAX), BIGINT_MAX), (str(BIGINT_MAX + 1), None),
     (HUGE, None), ("9" * 5000, None)],
)  # fmt: skip
def test_int_param_takes_only_plain_numbers_a_bigint_holds(value, expected):
    assert int_param(value) == expected


def test_unstorable_text_is_found_however_deep():
    assert has_unstorable_text({"a": ["x", {"b": "\x00"}]})
    assert has_unstorable_text({"\ud800": 1})
    assert not has_unstorable_text({"body": "絵文字 \U0001f600", "n": [1, None, True]})


# --- numbers in URLs and query strings -------------------------------------------------------


@pytest.mark.parametrize("query", ["n=²", "page=²", f"n={HUGE}", f"page={HUGE}", "n=-1"])
def test_a_topic_with_an_odd_page_number_shows_a_page(owner_client, topic, query):
    response = owner_client.get(f"/groups/{topic.group.slug}/t/{topic.pk}/?{query}")
    assert response.status_code == 200
    assert topic.title in response.content.decode()


@pytest.mark.parametrize("query", ["before=²", "after=²", f"before={HUGE}", "after=-1"])
def test_chat_history_with_an_odd_cursor_is_a_json_400_in_japanese(owner_client, group, query):
    response = owner_client.get(f"/groups/{group.slug}/chat/messages?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_parameter"
    assert "整数で指定してください" in response.json()["message"]


def test_a_chat_room_with_an_odd_message_number_shows_the_latest(owner_client, group, owner):
    response = owner_client.get(f"/groups/{group.slug}/chat/?seq=²")
    assert response.status_code == 200


def test_a_moderator_resolving_an_odd_flag_number_gets_404(owner_client, group):
    response = owner_client.post(f"/groups/{group.slug}/moderation/", {"flag": "²"})
    assert response.status_code == 404


# Wagtail's own editor and document routes: Django answers an out-of-range id there with an
# empty lookup (a 404), as tests/cityhall/test_route_walker.py checks.
WAGTAIL_ROUTES = ("cms/", "knowledge/documents/", "knowledge/_util/")


def test_every_number_in_a_route_is_an_id():
    """New routes copy the old ones: none may use Django's <int:>, which takes any length."""
    routes = [route for route, _name in ROUTES] + [str(r.pattern) for r in websocket_urlpatterns]
    ours = [route for route in routes if not route.startswith(WAGTAIL_ROUTES)]
    assert not [route for route in ours if "<int:" in route]


def test_no_code_reads_a_number_with_isdigit():
    found = [
        str(source) for folder in SOURCES for source in folder.rglob("*.py")
        if ".isdigit()" in source.read_text(encoding="utf-8") and source.name != "params.py"
    ]  # fmt: skip
    assert not found


def test_an_id_past_64_bits_matches_no_route():
    assert resolve(f"/members/{BIGINT_MAX}/").kwargs == {"member_id": BIGINT_MAX}
    with pytest.raises(Resolver404):
        resolve(f"/members/{BIGINT_MAX + 1}/")


# --- NUL characters and lone surrogates over HTTP --------------------------------------------


@pytest.mark.parametrize(
    "path", ["/groups/?q=a%00b", "/members/@a%00b", "/members/?q=%00", "/groups/?q=%ED%A0%80%00"]
)
def test_a_nul_in_the_address_is_a_400_in_japanese(owner_client, path):
    response = owner_client.get(path)
    assert response.status_code == 400
    assert "使えない文字(制御文字など)" in response.content.decode()


def test_a_nul_in_a_json_body_is_a_json_400(owner_client):
    body = '{"body": "\\u0000", "title": "\\ud800"}'
    response = owner_client.post("/api/notifications/unread", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_text"


def test_a_forms_nul_characters_are_dropped_and_the_text_kept(owner_client, group):
    response = owner_client.post(
        f"/groups/{group.slug}/new/", {"title": "題\x00名", "body": "a\x00b"}
    )
    topic = Topic.objects.get(group=group)
    assert response.status_code == 302 and topic.title == "題名"
    assert topic.posts.get().body == "ab"


def test_a_reply_pasted_with_a_nul_is_posted_and_its_draft_saved(owner_client, group, owner):
    topic = TopicFactory(group=group, author=owner)
    draft = owner_client.post(
        reverse("groups:draft", args=[group.slug]),
        {"topic": topic.pk, "body": "PDFから\x00貼り付け", "via": "js"},
        headers={"accept": "application/json"},
    )
    assert draft.status_code == 200 and Draft.objects.get().body == "PDFから貼り付け"
    reply = owner_client.post(reverse("groups:reply", args=[group.slug, topic.pk]),
                              {"body": "PDFから\x00貼り付け", "reply_to": ""})  # fmt: skip
    assert reply.status_code == 302
    assert topic.posts.order_by("number").last().body == "PDFから貼り付け"


def test_a_nul_in_a_form_names_field_is_dropped_with_it(owner_client, group):
    owner_client.post(f"/groups/{group.slug}/new/", {"ti\x00tle": "題名", "body": "本文"})
    assert Topic.objects.get(group=group).title == "題名"


# --- sockets ---------------------------------------------------------------------------------


async def _error_for(communicator, frame) -> dict:
    await communicator.send_to(text_data=json.dumps(frame))
    return (await _frames_until(communicator, "error"))[-1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("frame", "code"),
    [({"type": ["message"]}, "unknown_type"), ({"type": {"a": 1}}, "unknown_type"),
     ({"type": "message", "client_id": "c1", "body": "a\u0000b"}, "bad_text"),
     ({"type": "message", "client_id": "c1", "body": "\ud800"}, "bad_text"),
     ({"type": "edit", "seq": 2**63, "body": "x"}, "missing_field")],
)  # fmt: skip
async def test_an_odd_chat_frame_gets_an_error_frame_and_stores_nothing(frame, code):
    owner, _group, room = await sync_to_async(_room)()
    client = await _connect(owner, room)
    await _entered(client)
    error = await _error_for(client, frame)
    assert error["code"] == code and error["message"]
    await client.send_json_to({"type": "presence"})
    await _frames_until(client, "presence")  # still open
    assert not await Message.objects.filter(room=room).aexists()
    await client.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("query", ["after=²", f"after={HUGE}&changes=²", "changes=%00"])
async def test_a_chat_socket_with_an_odd_cursor_starts_at_the_head(query):
    owner, _group, room = await sync_to_async(_room)()
    await sync_to_async(_send)(owner, room, "c1")
    client = await _connect(owner, room, query)
    assert await _entered(client) == {"type": "ready", "seq": 1, "change": 1}
    await client.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_listen_only_socket_answers_a_frame_that_is_not_json():
    owner = await sync_to_async(MemberFactory)()
    cookie = await sync_to_async(_session_cookie)(owner)
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, cookie])
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    await socket.send_to(text_data="not json")
    assert (await socket.receive_json_from())["code"] == "read_only"
    await socket.send_to(bytes_data=b"\x00\xff")
    assert (await socket.receive_json_from())["code"] == "read_only"
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/chat/²/", f"/ws/chat/{HUGE}/", "/ws/topics/-1/"])
async def test_a_socket_address_with_an_odd_number_is_closed_with_4404(path):
    owner = await sync_to_async(MemberFactory)()
    cookie = await sync_to_async(_session_cookie)(owner)
    socket = WebsocketCommunicator(application, path, headers=[ORIGIN, cookie])
    assert (await socket.connect())[0]
    assert await socket.receive_output() == {"type": "websocket.close", "code": NOT_FOUND}
