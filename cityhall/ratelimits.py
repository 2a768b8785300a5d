"""Writes per member. Each kind of write has a named limit in ``settings.RATE_LIMITS`` (the
limits library's notation, several joined by ";"), counted in Redis when REDIS_URL is set (so
every process shares the count), else in this process's memory. Services call ``hit`` before
they store anything; a refusal is ``RateLimited``, which views answer with 429 and sockets
with an error frame."""

import math
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.forms.utils import ErrorList
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from limits import parse_many, storage, strategies

from cityhall.middleware import wants_json

windows = storage.storage_from_string(settings.RATE_LIMIT_STORAGE)
_limiter = strategies.MovingWindowRateLimiter(windows)


class RateLimited(ValidationError):
    """Too many writes of one kind in a short time; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int):
        message = _(
            "操作が続いたため、少しの間受け付けを止めています。"
            "%(seconds)d秒ほど待ってから、もう一度お試しください。"
        ) % {"seconds": retry_after}
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


def hit(name: str, member) -> None:
    """Count one write of kind ``name`` by ``member``; raise RateLimited past the limit."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    key = str(member.pk)
    for limit in parse_many(settings.RATE_LIMITS[name]):
        if not _limiter.hit(limit, name, key):
            reset_at = _limiter.get_window_stats(limit, name, key).reset_time
            raise RateLimited(max(1, math.ceil(reset_at - time.time())))


def form_status(request, form, otherwise: int) -> int:
    """429 for a form shown again because its write was refused for speed (the middleware then
    adds Retry-After), else ``otherwise``."""
    refusal = next(
        (e for e in form.errors.get(NON_FIELD_ERRORS, ErrorList()).as_data()
         if isinstance(e, RateLimited)),
        None,
    )  # fmt: skip
    if refusal is None:
        return otherwise
    request.retry_after = refusal.retry_after
    return 429


class RateLimitedMiddleware:
    """A RateLimited that a view lets through becomes a 429: a JSON error for JSON clients,
    else a page with the message (the browser's back button keeps what was typed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        retry_after = getattr(request, "retry_after", None)
        if response.status_code == 429 and retry_after and not response.has_header("Retry-After"):
            response["Retry-After"] = str(retry_after)
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        message = exception.messages[0]
        if wants_json(request):
            response = JsonResponse({"error": "rate_limited", "message": message}, status=429)
        else:
            context = {"message": message, "back_url": _same_site_referer(request)}
            response = render(request, "rate_limited.html", context, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response


def _same_site_referer(request) -> str:
    referer = request.headers.get("Referer", "")
    allowed = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if allowed else ""
