"""The WebSocket Origin check: scheme, host and port must be the site's own. Channels'
AllowedHostsOriginValidator compares only the host, so a page on another port of the same
machine (http://127.0.0.1:9999) or the plain-HTTP twin of an HTTPS site got in."""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


class SameOriginValidator:
    """Admits a WebSocket whose Origin is the request's own (scheme from ws/wss, host and port
    from a Host header that ALLOWED_HOSTS accepts), ``SITE_URL`` or one of
    ``CSRF_TRUSTED_ORIGINS``. No Origin, no entry: browsers always send one."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        origin = _parts(_header(scope, b"origin"))
        if origin and any(_matches(origin, allowed) for allowed in _allowed(scope)):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def _header(scope, name: bytes) -> str:
    value = next((v for k, v in scope.get("headers", []) if k == name), b"")
    return value.decode("latin1")


def _parts(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if unreadable."""
    try:
        split = urlsplit(url.strip().lower())
        port = split.port or DEFAULT_PORTS.get(split.scheme)
    except ValueError:
        return None
    if split.scheme not in DEFAULT_PORTS or not split.hostname:
        return None
    return (split.scheme, split.hostname, port)


def _allowed(scope) -> list[tuple[str, str, int]]:
    allowed = [settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS]
    host = _header(scope, b"host")
    if host and validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS):
        scheme = "https" if scope.get("scheme", "ws") == "wss" else "http"
        allowed.append(f"{scheme}://{host}")
    return [parts for parts in map(_parts, allowed) if parts]


def _matches(origin, allowed) -> bool:
    """Same scheme and port, and the same host (``*.example.jp`` in CSRF_TRUSTED_ORIGINS
    stands for its subdomains, as for Django's CSRF check)."""
    (scheme, host, port), (allowed_scheme, allowed_host, allowed_port) = origin, allowed
    if allowed_host.startswith("*."):
        return (scheme, port) == (allowed_scheme, allowed_port) and is_same_domain(
            host, allowed_host[1:]
        )
    return origin == allowed
