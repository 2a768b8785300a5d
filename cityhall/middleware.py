import gzip
import json
import secrets

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse, QueryDict
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.functional import empty
from django.utils.translation import gettext as _
from zlib_ng import gzip_ng

from cityhall import policies
from cityhall.params import has_unstorable_text


def wants_json(request) -> bool:
    if request.path.startswith("/api/") or request.GET.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


class MembersOnlyMiddleware(LoginRequiredMiddleware):
    """Every view needs a verified member unless it is marked ``login_not_required``.

    Anonymous HTML requests go to the login page, JSON requests get 401, and a signed-in
    account whose address is not verified is sent back to verification."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Django's admin marks its views login-free and does its own redirect; here the admin
        # needs a verified member like every other page.
        in_admin = getattr(request.resolver_match, "app_name", "") == "admin"
        if not getattr(view_func, "login_required", True) and not in_admin:
            return None
        if policies.is_verified_member(request.user):
            request.user = _unwrapped(request.user)
            return None
        if request.user.is_active and policies.is_suspended(request.user):
            return suspended_response(request)
        return self.handle_no_permission(request, view_func)

    def handle_no_permission(self, request, view_func):
        if wants_json(request):
            return JsonResponse(
                {"error": "authentication_required", "message": _("ログインが必要です。")},
                status=401,
            )
        if request.user.is_authenticated:
            # Signed in but no verified address (deactivated, or verification withdrawn):
            # treat as anonymous rather than bounce between pages that need a member.
            logout(request)
        return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))


def _unwrapped(user):
    """The member behind Django's lazy ``request.user``, once it has been loaded: every
    attribute read through the lazy wrapper costs a method call (some 2,500 on a topic page,
    a millisecond), and the view and its templates read the member a great deal. Django's own
    login() puts the member on the request the same way."""
    wrapped = getattr(user, "_wrapped", None)
    return user if wrapped is None or wrapped is empty else wrapped


def suspended_response(request):
    """A suspended member stays signed in and is told until when and why, on every page."""
    suspension = request.user.site_suspensions.filter(lifted_at__isnull=True).first()
    if wants_json(request):
        message = _("アカウントの利用が停止されています。")
        return JsonResponse({"error": "suspended", "message": message}, status=403)
    return render(request, "suspended.html", {"suspension": suspension}, status=403)


class UnstorableTextMiddleware:
    """Answers 400 when the path, query string or JSON body hold a NUL character or a lone
    surrogate. No database column takes them (PostgreSQL refuses NUL in text), so wherever one
    reached a query it became a 500. A form's NUL characters are dropped instead (text pasted
    from a PDF may hold them): a 400 page would lose the reply the member typed. Django reads
    a form's text with lone surrogates replaced."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_form(request) and has_unstorable_text(dict(request.POST.lists())):
            request.POST = _without_nul(request.POST)
        if _has_unstorable_input(request):
            message = _(
                "アドレスまたは送信された内容に、使えない文字(制御文字など)が含まれています。"
            )
            if wants_json(request):
                return JsonResponse({"error": "bad_text", "message": message}, status=400)
            return render(request, "400.html", {"reason": message}, status=400)
        return self.get_response(request)


def _has_unstorable_input(request) -> bool:
    if has_unstorable_text(request.path) or has_unstorable_text(dict(request.GET.lists())):
        return True
    if request.method not in {"POST", "PUT", "PATCH"}:
        return False
    if request.content_type == "application/json":
        try:
            return has_unstorable_text(json.loads(request.body))
        except (ValueError, RecursionError):
            return False  # not JSON: the view says what is wrong with it
    # Django already drops unprintable characters from uploaded file names.
    return has_unstorable_text([dict(request.POST.lists()), list(request.FILES)])


def _is_form(request) -> bool:
    return request.method in {"POST", "PUT", "PATCH"} and request.content_type in {
        "application/x-www-form-urlencoded", "multipart/form-data"}  # fmt: skip


def _without_nul(form: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True, encoding=form.encoding)
    for name, values in form.lists():
        cleaned.setlist(name.replace("\x00", ""), [value.replace("\x00", "") for value in values])
    cleaned._mutable = False
    return cleaned


_TEXT_SUBTYPES = {"json", "javascript", "xml", "manifest+json", "rss+xml", "atom+xml"}


class CompressedTextMiddleware(GZipMiddleware):
    """Gzip as Django's (by zlib-ng: _compressed), for text only (HTML, JSON, calendars):
    government links are slow, and a topic page shrinks to a fifth. Images, recordings and
    attachments are compressed already, and a range of a recording (206) must stay the bytes
    it names. Safe against BREACH here: Django masks the CSRF token anew in every response,
    the gzip header is padded with random bytes (gzipped), and no page reflects a secret next
    to what the request sent. A page whose body holds a lasting secret (the calendar feed's
    URL) is sent as it is all the same (``holds_secret``), so that no later change to it can
    open that door."""

    def process_response(self, request, response):
        kind, _, subtype = response.get("Content-Type", "").split(";")[0].strip().partition("/")
        if response.status_code == 206 or not (kind == "text" or subtype in _TEXT_SUBTYPES):
            return response
        if getattr(response, "holds_secret", False):
            return response
        if response.streaming or len(response.content) < 200:
            return super().process_response(request, response)
        return self._compressed(request, response)

    def _compressed(self, request, response):
        """What Django's middleware does with a whole body, with zlib-ng's gzip at the same
        level: the same bytes on the wire in half the time (the topic page's 100 KB, 1.2 →
        0.55 ms). Django's compress_string fixes the standard zlib."""
        if response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        packed = gzipped(response.content, self.max_random_bytes)
        if len(packed) >= len(response.content):
            return response
        response.content = packed
        response.headers["Content-Length"] = str(len(packed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


def gzipped(content: bytes, max_random_bytes: int) -> bytes:
    """``content`` in gzip at level 6, its header padded as Django pads it (a file name of up
    to ``max_random_bytes`` random length), so that a response's length tells less (BREACH)."""
    packed = memoryview(gzip_ng.compress(content, compresslevel=6, mtime=0))
    header = bytearray(packed[:10])
    header[3] = gzip.FNAME
    name = b"a" * secrets.randbelow(max_random_bytes) + b"\x00"
    return bytes(header) + name + packed[10:]
