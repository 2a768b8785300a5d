"""Walk every URL pattern and every WebSocket route: an anonymous visitor and a signed-in but
unverified account get nothing but the public account pages and /healthz. New routes added by
later apps are covered automatically."""

import re

import pytest
from channels.testing import WebsocketCommunicator
from django.urls import URLResolver, get_resolver

from cityhall.asgi import application
from cityhall.routing import websocket_urlpatterns
from cityhall.websocket import UNAUTHENTICATED
from tests.factories import MemberFactory

PUBLIC = {
    "healthz", "set_language", "account_login", "account_logout", "account_signup",
    "account_inactive", "account_email_verification_sent", "account_reset_password",
    "account_confirm_login_code", "account_confirm_password_reset_code",
    "account_complete_password_reset", "account_password_reset_completed",
}  # fmt: skip
SECRET_NAME = "秘密 花子"
SECRET_EMAIL = "secret.hanako@city.kobe.lg.jp"


def _concrete(route: str, object_id: int) -> str:
    route = re.sub(r"<int:\w+>", str(object_id), route)
    route = re.sub(r"<path:\w+>", f"{object_id}/change", route)
    route = re.sub(r"<(?:\w+:)?\w+>", "x", route)
    route = re.sub(r"\(\?P<\w+>([^)]*)\)", lambda m: m.group(1).split("|")[0], route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


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
