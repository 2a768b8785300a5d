import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from cityhall.health import WORKER_HEARTBEAT_KEY, record_worker_heartbeat
from tests.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_heartbeat(db):
    record_worker_heartbeat()
    yield
    cache.delete(WORKER_HEARTBEAT_KEY)


REMOTE = "203.0.113.7"


def test_an_anonymous_caller_from_elsewhere_hears_only_ok(client, worker_heartbeat):
    response = client.get("/healthz", REMOTE_ADDR=REMOTE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_anonymous_caller_from_elsewhere_hears_only_unavailable(client, db):
    cache.delete(WORKER_HEARTBEAT_KEY)
    response = client.get("/healthz", REMOTE_ADDR=REMOTE)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_a_request_forwarded_by_a_proxy_on_the_same_machine_hears_only_ok(client, worker_heartbeat):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=REMOTE)
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_see_every_part_from_anywhere(client, worker_heartbeat, flag):
    client.force_login(MemberFactory(**{flag: True}))
    body = client.get("/healthz", REMOTE_ADDR=REMOTE, HTTP_X_FORWARDED_FOR=REMOTE).json()
    assert body["checks"]["database"]["ok"] is True


def test_a_plain_member_from_elsewhere_hears_only_ok(member_client, worker_heartbeat):
    assert member_client.get("/healthz", REMOTE_ADDR=REMOTE).json() == {"status": "ok"}


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_a_probe_on_the_machine_itself_sees_every_part(client, worker_heartbeat, address):
    body = client.get("/healthz", REMOTE_ADDR=address).json()
    assert set(body["checks"]) == {"database", "cache", "channel_layer", "search", "task_worker"}


def test_healthz_is_public_json_and_ok_when_every_part_answers(client, worker_heartbeat):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "channel_layer", "search", "task_worker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_answers_503_when_the_worker_is_gone(client, db):
    cache.delete(WORKER_HEARTBEAT_KEY)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["task_worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_healthz_reports_the_backends_in_use(client, worker_heartbeat, settings):
    checks = client.get("/healthz").json()["checks"]
    expected_layer = "RedisChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert checks["channel_layer"]["backend"] == expected_layer
    assert checks["database"]["vendor"] in {"sqlite", "postgresql"}


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cityhall.example.lg.jp", EMAIL_URL="smtp+tls://mail.example.lg.jp:587",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_start_without_settings_is_not_in_debug_mode():
    script = (
        "from django.conf import settings as s; from cityhall import policies;"
        "print(s.DEBUG, policies.demo_logins_allowed(), s.SESSION_COOKIE_SECURE)"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.stdout.split() == ["False", "False", "True"], result.stderr


def test_the_demo_command_turns_debug_on_unless_told_otherwise():
    serve = (ROOT / "scripts" / "serve").read_text()
    assert 'export DEBUG="${DEBUG:-true}"' in serve
    assert serve.index("export DEBUG") < serve.index("manage.py")


def test_production_sends_csp_and_secure_cookies():
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, bool(s.SECURE_CSP),"
        " s.SECURE_HSTS_SECONDS > 0)"
    )
    result = _manage(
        "shell", "--no-imports", "-c", script, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cityhall.example.lg.jp",
    )  # fmt: skip
    assert result.stdout.split() == ["True", "True", "True", "True"], result.stderr


def test_pages_carry_a_content_security_policy(member_client):
    response = member_client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_error_pages_are_in_japanese(member_client, settings):
    settings.DEBUG = False
    response = member_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_a_stale_form_gets_a_japanese_csrf_page(member, settings):
    from django.test import Client

    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/profile/", {"display_name": "x"})
    assert response.status_code == 403
    assert "もう一度お試しください" in response.content.decode()


def test_healthz_reports_the_search_outbox_backlog(client, worker_heartbeat):
    from search import outbox

    outbox.changed("topic:1", "topic:2")
    search = client.get("/healthz").json()["checks"]["search"]
    assert search["backend"] == "embedded"
    assert search["outbox"]["pending"] == 2
    assert search["outbox"]["oldest_seconds"] >= 0
