"""/healthz: 200 "ok" or 503 "unavailable" for anyone; the state of every part the site needs
for staff and for a probe on the machine itself."""

import ipaddress
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

WORKER_HEARTBEAT_KEY = "task-worker-heartbeat"


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def check_cache() -> dict:
    key = f"healthz-{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def check_channel_layer() -> dict:
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "healthz"})
        return await layer.receive(channel)

    message = async_to_sync(round_trip)()
    return {"ok": message.get("type") == "healthz", "backend": type(layer).__name__}


def check_search() -> dict:
    from search import outbox
    from search.backends import get_backend

    return {**get_backend().health(), "outbox": outbox.backlog()}


def record_worker_heartbeat() -> None:
    cache.set(WORKER_HEARTBEAT_KEY, time.time(), None)


def check_worker() -> dict:
    beat = cache.get(WORKER_HEARTBEAT_KEY)
    age = None if beat is None else round(time.time() - beat, 1)
    ok = age is not None and age <= settings.TASK_WORKER_STALE_SECONDS
    return {"ok": ok, "last_heartbeat_seconds_ago": age}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "search": check_search,
    "task_worker": check_worker,
}


def run_checks() -> dict:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # a health check reports any failure instead of raising
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    return results


@login_not_required
@never_cache
def healthz(request):
    results = run_checks()
    healthy = all(result["ok"] for result in results.values())
    body = {"status": "ok" if healthy else "unavailable"}
    if sees_report(request):
        body["checks"] = results
    return JsonResponse(body, status=200 if healthy else 503)


def sees_report(request) -> bool:
    """Staff, and a request from the loopback address that no proxy forwarded (behind a reverse
    proxy on the same machine every request comes from loopback, with X-Forwarded-For)."""
    user = request.user
    if user.is_authenticated and (user.is_staff or user.is_superuser):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
