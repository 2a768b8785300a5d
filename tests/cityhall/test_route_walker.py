"""Walk every URL pattern and every WebSocket route: an anonymous visitor and a signed-in but
unverified account get nothing but the public account pages and /healthz. New routes added by
later apps are covered automatically."""

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from cityhall.asgi import application
from cityhall.routing import websocket_urlpatterns
from cityhall.websocket import FORBIDDEN, NOT_FOUND, UNAUTHENTICATED
from events import services as event_services
from events.models import Occurrence
from groups import services as group_services
from groups.chat import services as chat_services
from groups.models import Attachment, Membership
from knowledge.models import ArticlePage, SectionPage
from knowledge.services import ensure_home
from members import services as member_services
from tests.cityhall.test_websocket import ORIGIN, _session_cookie
from tests.factories import MemberFactory
from tests.groups.conftest import make_group
from tests.knowledge.conftest import add_page

PUBLIC = {
    "healthz", "set_language", "account_login", "account_logout", "account_signup",
    "account_inactive", "account_email_verification_sent", "account_reset_password",
    "account_confirm_login_code", "account_confirm_password_reset_code",
    "account_complete_password_reset", "account_password_reset_completed",
    "favicon", "signup_organizations",
    "calendar_feed",  # calendar apps fetch it without a session: the token is the key
}  # fmt: skip
SECRET_NAME = "秘密 花子"
SECRET_EMAIL = "secret.hanako@city.kobe.lg.jp"


def _concrete(route: str, object_id: int) -> str:
    # Regular-expression routes (Wagtail's) first: a group becomes a value it matches.
    route = re.sub(r"\(\?![^)]*\)", "", route)  # a look-ahead matches nothing
    route = re.sub(r"\(\?P<\w+>([^)]*)\)", lambda m: _sample(m.group(1), object_id), route)
    route = re.sub(r"\((\\d\+|\.\*)\)", lambda m: _sample(m.group(1), object_id), route)
    route = re.sub(r"\(\(\?:[^)]*\)\*\)", "", route)  # any number of slugs: none
    route = re.sub(r"<(?:int|id):\w+>", str(object_id), route)
    route = re.sub(r"<path:\w+>", f"{object_id}/change", route)
    route = re.sub(r"<(?:\w+:)?\w+>", "x", route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


def _sample(pattern: str, object_id: int) -> str:
    first = pattern.split("|")[0]
    return str(object_id) if first == r"\d+" else "x" if first == ".*" else first


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name


ROUTES = sorted(set(_walk(get_resolver().url_patterns)))


@pytest.fixture
def secret_member(db):
    return MemberFactory(display_name=SECRET_NAME, email=SECRET_EMAIL)


def _assert_nothing_leaks(response):
    body = response.content.decode(errors="replace")
    assert SECRET_NAME not in body and SECRET_EMAIL not in body


def _assert_turned_away(response, path):
    if response.status_code == 401:
        assert response["Content-Type"].startswith("application/json")
    else:
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), (path, response["Location"])


def test_walker_sees_the_routes_of_every_app():
    names = {name for _route, name in ROUTES}
    assert {"home", "profile", "detail", "avatar", "notifications"} <= names
    assert len(ROUTES) > 40  # includes the admin


@pytest.mark.parametrize(("route", "name"), ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_gets_nothing(client, secret_member, route, name, method):
    path = _concrete(route, secret_member.pk)
    response = getattr(client, method)(path)
    _assert_nothing_leaks(response)
    if name not in PUBLIC:
        _assert_turned_away(response, path)


@pytest.mark.parametrize(("route", "name"), [(r, n) for r, n in ROUTES if n not in PUBLIC])
def test_unverified_account_gets_nothing(client, secret_member, unverified_member, route, name):
    client.force_login(unverified_member)
    path = _concrete(route, secret_member.pk)
    response = client.get(path)
    _assert_nothing_leaks(response)
    _assert_turned_away(response, path)


def test_json_clients_get_401_not_a_redirect(client, secret_member):
    response = client.get(f"/members/{secret_member.pk}/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"


WS_PATHS = ["/" + str(route.pattern) for route in websocket_urlpatterns]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", [*WS_PATHS, "/ws/no-such-route/"])
async def test_websocket_routes_close_4401_for_anonymous(path):
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://127.0.0.1:8000")]
    )
    connected, _ = await communicator.connect()
    assert connected
    closed = await communicator.receive_output()
    assert closed == {"type": "websocket.close", "code": UNAUTHENTICATED}
    await communicator.wait()


def test_every_websocket_route_is_walked():
    assert "/ws/notifications/" in WS_PATHS


# --- fuzz pass: odd values in every parameter of every route --------------------------------

ODD_VALUES = {
    "superscript": "²",
    "negative": "-1",
    "huge": "99999999999999999999999",
    "nul": "\x00",
    "inner_nul": "a\x00b",  # in sockets only: over HTTP it goes where "nul" goes
    "surrogate": "\ud800",
    "empty": "",
}
QUERY_NAMES = {"page", "n", "seq", "before", "after", "q", "next", "changes"}
FUZZED_APPS = ("cityhall", "members", "groups", "events")
SOURCES = [Path(apps.get_app_config(label).path) for label in FUZZED_APPS]
FILE_NAMES = {"files", "avatar"}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
BOUNDARY = "fuzz-boundary"


def _names_in_source() -> set[str]:
    """Every parameter name the code reads from request.GET/POST, and every form's fields."""
    names = set(QUERY_NAMES)
    pattern = re.compile(r"""(?:GET|POST)(?:\.get\(|\[)\s*["'](\w+)["']""")
    for folder in SOURCES:
        for source in folder.rglob("*.py"):
            names.update(pattern.findall(source.read_text(encoding="utf-8")))
    for form_class in _subclasses(BaseForm):
        if form_class.__module__.split(".")[0] in FUZZED_APPS:
            names.update(form_class.base_fields)
    for model in admin.site._registry:
        names.update(field.name for field in model._meta.concrete_fields)
    return names - FILE_NAMES


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _url_quote(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _multipart(names, value: str) -> bytes:
    raw = value.encode("utf-8", "surrogatepass")
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (BOUNDARY.encode(), name.encode(), raw)
        for name in sorted(names)
    ]
    parts += [
        b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s.png"\r\n'
        b"Content-Type: image/png\r\n\r\n%s\r\n" % (BOUNDARY.encode(), name.encode(), raw, PNG)
        for name in sorted(FILE_NAMES)
    ]
    return b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()


@pytest.fixture
def world(db, settings, tmp_path):
    """A verified member (group owner, site administrator) and one of everything they can see,
    so each view gets past its lookups before it meets the odd value."""
    settings.MEDIA_ROOT = tmp_path
    me = MemberFactory(is_staff=True, is_superuser=True)
    other = MemberFactory()
    group = make_group(me, slug="fuzz", name="ファズ")
    Membership.objects.create(group=group, member=other)
    upload = SimpleUploadedFile("図.png", PNG, content_type="image/png")
    topic = group_services.topic_create(
        author=me, group=group, title="題名", body="本文", files=[upload]
    )
    post = group_services.post_create(author=other, topic=topic, body="返信です")
    group_services.flag_create(flagger=me, post=post, reason="spam")
    attachment = Attachment.objects.get(post__topic=topic)
    room = chat_services.room_for_group(group)
    message, _new = chat_services.message_send(author=other, room=room, client_id="fuzz-1",
                                               body="こんにちは")  # fmt: skip
    chat_flag = chat_services.message_flag_create(flagger=me, message=message, reason="spam")
    mute = chat_services.member_mute(moderator=me, room=room, member=other, minutes=10)
    removed = Membership.objects.create(group=group, member=MemberFactory())
    ban = group_services.membership_remove(actor=me, membership=removed, reason="ファズ")
    posting = member_services.posting_add(
        member=me, organization=me.organization, department="総務局", section="", team="",
        started_on=date(2020, 4, 1), ended_on=date(2023, 3, 31),
    )  # fmt: skip
    ids = {
        "topic_id": topic.pk, "post_id": post.pk, "attachment_id": attachment.pk,
        "mute_id": mute.pk, "posting_id": posting.pk, "member_id": other.pk,
        "room_id": room.pk, "object_id": other.pk, "id": other.pk,
        "content_type_id": ContentType.objects.get_for_model(other).pk,
        "name": attachment.original_name, "handle": other.handle, "slug": group.slug,
        "app_label": "members", "url": "x", "ban_id": ban.pk, "flag_id": chat_flag.pk,
        "membership_id": Membership.objects.get(group=group, member=other).pk,
        **_knowledge_ids(group), **_event_ids(me, other, group),
    }  # fmt: skip
    return me, ids


def _event_ids(me, other, group) -> dict:
    """A series in the group with a question, both members registered, my calendar feed; its
    occurrence already held (for the notes route)."""
    start = timezone.now() + timedelta(days=3)
    series = event_services.series_create(
        author=me, group=group, title="ファズ勉強会", first_start=start,
        meeting_url="https://meet.example.jp/fuzz",
        questions=[{"label": "質問", "kind": "text", "choices": "", "required": False}],
    )  # fmt: skip
    occurrence = series.occurrences.get()
    question = series.questions.get()
    for member in (me, other):
        event_services.registration_create(
            member=member, occurrence=occurrence, answers={str(question.pk): "=1+1"}
        )
    token = event_services.calendar_token_for(me).token
    held = timezone.now() - timedelta(days=1)  # over: its notes can be made in the knowledge base
    Occurrence.objects.filter(pk=occurrence.pk).update(
        rule_start=held, starts_at=held, ends_at=held + timedelta(hours=1)
    )
    return {"occurrence_id": occurrence.pk, "series_id": series.pk, "token": token}


def _knowledge_ids(group) -> dict:
    """A section of the group with an article in it, for the knowledge and /cms/ routes."""
    section = add_page(ensure_home(), SectionPage(title="ファズ", slug="fuzz", group=group))
    page = add_page(section, ArticlePage(title="記事", slug="kiji", date=date(2024, 6, 1)))
    page.tags.add("ファズ")
    page.save_revision().publish()
    return {"page_id": page.pk, "parent_page_id": section.pk, "year": 2024, "month": 6,
            "kind": "article", "upload_id": "0" * 32}  # fmt: skip


ODD_PATH_PARAMS = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(route: str, ids: dict, odd: str | None = None) -> str:
    """The route with the world's objects in it; with ``odd``, every number, path and string
    parameter holds that value instead."""

    def fill(match):
        kind, name = match.groups()
        if odd is not None and kind in {"int", "id", "path", "str", None}:
            return _url_quote(odd)
        return _url_quote(str(ids.get(name, 1)))  # Wagtail's ids: 1 is its root page

    route = ODD_PATH_PARAMS.sub(fill, route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(ids.get(m.group(1), 1)), route)
    return "/" + route.replace("^", "").replace("$", "")


FIELD_NAMES = sorted(_names_in_source())


def _server_errors(client, route: str, name: str, ids: dict) -> list:
    failures = []
    for label, value in ODD_VALUES.items():
        if label == "inner_nul":
            continue
        query = "&".join(f"{field}={_url_quote(value)}" for field in FIELD_NAMES)
        path = _path(route, ids)
        requests = [
            ("GET", f"{path}?{query}", None),
            ("POST", f"{path}?{query}", _multipart(FIELD_NAMES, value)),
        ]
        if ODD_PATH_PARAMS.search(route):
            odd_path = _path(route, ids, odd=value)
            requests += [("GET", odd_path, None), ("POST", odd_path, b"")]
        for method, url, body in requests:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, body, content_type=MULTIPART)
            if response.status_code >= 500 and (name, response.status_code) not in EXPECTED_5XX:
                failures.append((route, label, method, url[:80], response.status_code))
    return failures


# The admin's pages are the same code for every model: the member's (the largest form) and
# the organization's (an autocomplete field) stand for all of them.
ADMIN_FUZZED = ("admin/members/user/", "admin/members/organization/", "admin/login/")
# Wagtail's editor (about 190 routes of Wagtail's own code): the page editor, the image and
# document libraries and the recordings snippet stand for it.
CMS_FUZZED = ("cms/pages/<int:page_id>/edit/", "cms/pages/add/", "cms/documents/",
              "cms/images/", "cms/snippets/knowledge/recording/")  # fmt: skip
FUZZED_ROUTES = [
    (route, name) for route, name in ROUTES
    if not route.startswith(("admin/", "cms/")) or route.startswith(ADMIN_FUZZED + CMS_FUZZED)
    or route in ("admin/", "cms/")
]  # fmt: skip
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
# /healthz answers 503 by design when a part (the task worker, say) is down.
EXPECTED_5XX = {("healthz", 503)}


def test_odd_values_never_give_a_server_error(client, world):
    """Every route, as a member who may see everything in it, with each odd value in every
    path number, query parameter, form field and uploaded file name: no 5xx."""
    member, ids = world
    client.raise_request_exception = False
    failures = []
    for route, name in FUZZED_ROUTES:
        with transaction.atomic():
            client.force_login(member)
            failures += _server_errors(client, route, name, ids)
            transaction.set_rollback(True)
    assert not failures, "\n".join(map(str, failures))


CLOSE_CODES = {UNAUTHENTICATED, FORBIDDEN, NOT_FOUND}
FRAME_TYPES = ["message", "edit", "delete", "react", "read", "sync", "presence"]
FRAME_FIELDS = ["seq", "body", "client_id", "reply_to", "kind", "type"]
ODD_NUMBERS = [-1, 2**63, 10**23, 1.5, True, None, [], {}]


def _odd_frames():
    for value in ODD_VALUES.values():
        for kind in [*FRAME_TYPES, value]:
            yield json.dumps({**dict.fromkeys(FRAME_FIELDS, value), "type": kind})
    for number in ODD_NUMBERS:
        for kind in FRAME_TYPES:
            yield json.dumps({"type": kind, "client_id": "fuzz-2", "body": "本文", "kind": "like",
                              "seq": number, "reply_to": number})  # fmt: skip
        yield json.dumps({"type": number})
    yield from ["not json", "[1]", '"text"', "[" * 5000 + "]" * 5000, '{"type": "message"']


def _socket_world():
    member = MemberFactory()
    group = make_group(member, slug="fuzz-ws", name="ファズ")
    topic = group_services.topic_create(author=member, group=group, title="題名", body="本文")
    room = chat_services.room_for_group(group)
    chat_services.message_send(author=member, room=room, client_id="fuzz-1", body="こんにちは")
    ids = {"topic_id": topic.pk, "room_id": room.pk}
    return _session_cookie(member), ids


async def _answers(communicator, frame, *, bytes_data=None) -> int | None:
    """Send a frame and a ``presence`` frame after it; read until the answer to the second (or
    the socket's close code). A consumer that crashed raises here: a real socket would have
    closed with 1011."""
    if bytes_data is not None:
        await communicator.send_to(bytes_data=bytes_data)
    else:
        await communicator.send_to(text_data=frame)
    await communicator.send_to(text_data='{"type": "presence"}')
    for _ in range(100):
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]
        if json.loads(output["text"])["type"] in {"presence", "error"}:
            return None
    raise AssertionError("no answer")


async def _open(path: str, cookie) -> WebsocketCommunicator | None:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, cookie])
    connected, _code = await communicator.connect(timeout=5)
    return communicator if connected else None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", [str(route.pattern) for route in websocket_urlpatterns])
async def test_odd_socket_input_never_closes_with_1011(route, settings):
    """Each socket route with each odd value in its path number and query parameters, and
    frames with odd values in every field (JSON escapes "\\u0000" and "\\ud800" included), a
    frame whose type is not a string, non-JSON and binary frames: an error frame or a 44xx
    close, never a crash."""
    settings.CHAT_RATE_LIMITS = False
    cookie, ids = await sync_to_async(_socket_world)()
    for value in ODD_VALUES.values():
        odd_path = _path(route, ids, odd=value)
        query = "&".join(f"{name}={_url_quote(value)}" for name in sorted(QUERY_NAMES))
        for path in [odd_path, f"{_path(route, ids)}?{query}"]:
            communicator = await _open(path, cookie)
            if communicator is not None:
                assert await _answers(communicator, '{"type": "sync"}') in {None, *CLOSE_CODES}
                await communicator.disconnect()
    communicator = await _open(_path(route, ids), cookie)
    assert await _answers(communicator, None, bytes_data=b"\x00\xff") is None
    for frame in _odd_frames():
        assert await _answers(communicator, frame) is None, frame
    await communicator.disconnect()
