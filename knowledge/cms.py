"""The editor at /cms/ behind the site's gate. Wagtail marks its login, password reset, sprite
and translation views login-free and keeps a login form of its own; here every /cms/ address
needs a verified member like the rest of the site (anonymous visitors go to allauth's login),
Wagtail's login hands a signed-in member on and its password reset does not exist. On the way
in, the member's Wagtail permissions are brought up to date (knowledge.editors), and no page
address under /cms/ opens a page the member may not see (its restriction groups), whatever
Wagtail's permissions on the section above it say."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from wagtail.models import Page

from cityhall import policies
from cityhall.middleware import MembersOnlyMiddleware, suspended_response, wants_json
from cityhall.params import int_param
from knowledge import editors, notifications, selectors

logger = logging.getLogger(__name__)
PREFIX = "/cms/"
ODD_INPUT_ERRORS = (ValueError, TypeError, KeyError, OverflowError, ValidationError)
LOGIN_VIEWS = {"wagtailadmin_login", "wagtailcore_login"}
PAGE_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "destination_id")
BULK_ACTION = "wagtail_bulk_action"
# The editor's own rules, measured in Chromium (tests/browser/test_knowledge_journey.py): it
# previews pages in an iframe of its own (frame-ancestors, X-Frame-Options SAMEORIGIN), its date
# pickers and panels start from inline scripts without a nonce (a nonce would make browsers
# ignore 'unsafe-inline'), and its widgets set inline styles. Everything else stays strict:
# no other origin for anything, no plugins, forms post to the site only.
CMS_CSP = {
    **settings.SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.SELF],
}


class CmsMiddleware(MembersOnlyMiddleware):
    """For /cms/ addresses and Wagtail's login forms; placed after MembersOnlyMiddleware, which
    has already turned away everyone but members from the views not marked login-free."""

    def __init__(self, get_response):
        super().__init__(get_response)
        notifications.without_wagtails_workflow_mail()

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if view_name in LOGIN_VIEWS:
            return self._turned_away(request, view_func) or _onward(request)
        if not request.path.startswith(PREFIX):
            return None
        if turned_away := self._turned_away(request, view_func):
            return turned_away
        if view_name.startswith("wagtailadmin_password_reset"):
            raise Http404
        editors.sync(request.user)
        _only_visible_pages(request, view_kwargs)
        return None

    def _turned_away(self, request, view_func):
        """What the site answers anyone but a verified member (as MembersOnlyMiddleware)."""
        if policies.is_verified_member(request.user):
            return None
        if request.user.is_active and policies.is_suspended(request.user):
            return suspended_response(request)
        return self.handle_no_permission(request, view_func)

    def process_exception(self, request, exception):
        """Wagtail's own editor views trip over odd input here and there (a chooser given
        「²」 for an id, a multiple-upload form without its fields): a 400 that says so, never
        a server error page. Logged, so the cause can still be found and reported upstream."""
        if not request.path.startswith(PREFIX) or not isinstance(exception, ODD_INPUT_ERRORS):
            return None
        logger.warning("Wagtail refused odd input at %s", request.path, exc_info=exception)
        reason = _("送信された内容を読み取れませんでした。入力を確かめて、もう一度お試しください。")
        if wants_json(request):
            return JsonResponse({"error": "bad_request", "message": reason}, status=400)
        return render(request, "400.html", {"reason": reason}, status=400)

    def process_response(self, request, response):
        if request.path.startswith(PREFIX):
            response["X-Frame-Options"] = "SAMEORIGIN"
            # A preview is the page rendered through the whole middleware chain at the page's
            # own address (Wagtail's make_preview_request): its strict headers are replaced.
            response.headers.pop(str(CSP.HEADER_ENFORCE), None)
            response._csp_config = CMS_CSP
            add_never_cache_headers(response)
        return response


def _all_listed(request, parent: str) -> None:
    """A bulk action on "all" takes every page under ``parent`` (or of the site): not found
    unless every one of them is listed for the member."""
    path = ""
    if parent:
        number = int_param(parent) if parent.isdigit() else None
        found = Page.objects.filter(pk=number).values_list("path", flat=True) if number else []
        path = next(iter(found), None)
    if path is None or not selectors.policies.lists_all_under(selectors.viewer(request.user), path):
        raise Http404


def _bulk_action_on_pages(request, view_kwargs) -> bool:
    match = request.resolver_match
    return (match is not None and match.url_name == BULK_ACTION
            and view_kwargs.get("app_label") == "wagtailcore"
            and view_kwargs.get("model_name") == "page")  # fmt: skip


def _onward(request):
    """Wagtail's login forms (the editor's, and the one for pages restricted to signed-in
    users) for a signed-in member: on to where they were going."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = PREFIX
    return HttpResponseRedirect(target)


def _only_visible_pages(request, view_kwargs) -> None:
    """A page (or the parent of a new page, or where a page moves) not listed for the member is
    not found (1 query), named in the address or, for a bulk action on pages, in its query."""
    keys = PAGE_KWARGS
    if "pages" in getattr(request.resolver_match, "namespace", ""):
        keys = (*keys, "pk")  # the revisions comparison and the editor's API name it so
    numbers = [str(view_kwargs[key]) for key in keys if str(view_kwargs.get(key, "")).isdigit()]
    if _bulk_action_on_pages(request, view_kwargs):
        chosen = request.GET.getlist("id")
        if "all" in chosen:
            _all_listed(request, request.GET.get("childOf", ""))
            chosen = [number for number in chosen if number != "all"]
        if any(not number.isdigit() for number in chosen):
            raise Http404
        numbers += chosen
    ids = [int_param(number) for number in numbers]
    if None in ids:
        raise Http404  # beyond any id a table holds
    if not ids:
        return
    seen = selectors.viewer(request.user)
    for path in Page.objects.filter(pk__in=ids).values_list("path", flat=True):
        if not selectors.policies.can_list_path(seen, path):
            raise Http404
