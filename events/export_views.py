"""Events taken off the site: an occurrence as an .ics file, each member's calendar feed (a
secret URL that calendar apps fetch without signing in) and its settings page, an occurrence's
notice to print, and for the organizers the registrants as CSV and a series' attendance."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from events import access, calendar, exports, selectors, services
from events.models import Registration

TENTATIVE = (Registration.Status.WAITLISTED, Registration.Status.LOTTERY)


def _download(body: bytes, content_type: str, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _event(member, found: access.OccurrenceAccess):
    registration = found.registration
    return calendar.event(
        found.occurrence, details=found.sees_meeting_details(member),
        tentative=registration is not None and registration.status in TENTATIVE,
    )  # fmt: skip


@require_safe
def occurrence_ics(request, occurrence_id: int):
    found = access.occurrence_for(request.user, occurrence_id)
    body = calendar.ics([_event(request.user, found)])
    return _download(body, calendar.CONTENT_TYPE, f"event-{occurrence_id}.ics")


@login_not_required
@require_safe
def calendar_feed(request, token: str):
    """The member is the token's, never the session's: calendar apps send no cookie."""
    member = access.feed_member_for(token)
    events = [_event(member, found) for found in access.registered_occurrences(member)]
    body = calendar.ics(events, name=_("オンライン市役所のイベント"))
    return _download(body, calendar.CONTENT_TYPE)


@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    if request.method == "POST":
        services.calendar_token_replace(member=request.user)
        messages.success(request, _("新しいURLを作りました。前のURLはもう使えません。"))
        return redirect("events:calendar_settings")
    token = services.calendar_token_for(request.user).token
    feed_url = calendar.absolute(reverse("events:calendar_feed", args=[token]))
    webcal_url = "webcal://" + feed_url.partition("://")[2]
    response = render(
        request, "events/calendar_settings.html", {"feed_url": feed_url, "webcal_url": webcal_url}
    )
    response.holds_secret = True  # never compressed (cityhall.middleware, BREACH)
    return response


def notice(request, occurrence_id: int):
    found = access.occurrence_for(request.user, occurrence_id)
    occurrence = found.occurrence
    same_day = timezone.localdate(occurrence.starts_at) == timezone.localdate(occurrence.ends_at)
    page_url = calendar.absolute(reverse("events:occurrence", args=[occurrence.pk]))
    return render(request, "events/notice.html", {
        "occurrence": occurrence, "series": found.series, "same_day": same_day,
        "page_url": page_url,
    })  # fmt: skip


@require_safe
def registrants_csv(request, occurrence_id: int):
    found = access.managed_occurrence_for(request.user, occurrence_id)
    registrations = selectors.registrants(found.occurrence)
    body = exports.registrants_csv(registrations, selectors.questions(found.series), request.user)
    day = timezone.localdate(found.occurrence.starts_at)
    return _download(body, "text/csv; charset=utf-8",
                     f"registrants-{occurrence_id}-{day:%Y%m%d}.csv")  # fmt: skip


def attendance(request, series_id: int):
    found = access.managed_series_for(request.user, series_id)
    occurrences = list(selectors.series_occurrences(found.series))
    return render(request, "events/attendance.html", {
        "series": found.series, "occurrences": occurrences,
        "chart": exports.attendance_chart(occurrences), "now": timezone.now(),
    })  # fmt: skip
