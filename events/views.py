"""The members' pages of events: the list (upcoming, past, by group, field and day, or as a
month calendar), an occurrence, registering and cancelling."""

import calendar
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityhall import ratelimits
from cityhall.params import int_param
from events import access, extensions, forms, selectors, services
from events.models import Registration
from groups.selectors import readable_group_names
from members import selectors as member_selectors

PER_PAGE = 20
FIRST_YEAR = 2000  # the calendar's first; its last is the sessions' (services.LAST_YEAR)


def _month(value: str) -> date:
    """「2026-12」 as its first day; this month for anything else."""
    today = timezone.localdate()
    year, _sep, month = (value or "").partition("-")
    year = int_param(year, default=today.year, minimum=FIRST_YEAR, maximum=services.LAST_YEAR)
    month = int_param(month, default=today.month, minimum=1, maximum=12)
    return date(year, month, 1)


def _day(value: str) -> date | None:
    """「2026-12-24」 (in the years _month takes); None for anything else."""
    try:
        day = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day and FIRST_YEAR <= day.year <= services.LAST_YEAR else None


def index(request):
    params = request.GET
    when = params.get("when") if params.get("when") in ("past", "mine") else "upcoming"
    group = (params.get("group") or "")[:60]
    field = int_param(params.get("field"), default=None, minimum=1)
    filters = {"when": when, "group": group, "field": field, "day": _day(params.get("day"))}
    groups = readable_group_names(request.user)
    readable = [g.pk for g in groups]  # asked once, for the filter and every list below
    context = {**filters, "groups": groups, "fields": member_selectors.work_fields()}
    if params.get("view") == "calendar":
        calendar_context = _calendar(request, params, readable)
        return render(request, "events/calendar.html", {**context, **calendar_context})
    number = int_param(params.get("page"), default=1, minimum=1, maximum=10_000)
    rows = selectors.occurrence_list(request.user, number, PER_PAGE, **filters)
    has_next = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    links = extensions.links(request.user, rows)  # asked for all the rows at once
    query = params.copy()
    query.pop("page", None)
    return render(request, "events/index.html", {
        **context, "rows": rows, "number": number, "query": query.urlencode(),
        "has_next": has_next, "links": links,
    })  # fmt: skip


def _calendar(request, params, readable) -> dict:
    first = _month(params.get("month"))
    last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    by_day: dict[date, list] = {}
    for occurrence in selectors.month_occurrences(request.user, first, last, readable):
        by_day.setdefault(timezone.localdate(occurrence.starts_at), []).append(occurrence)
    weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month)
    previous = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return {
        "month": first,
        "weeks": [
            [(day, day.month == first.month, by_day.get(day, [])) for day in week] for week in weeks
        ],  # fmt: skip
        "previous": previous.strftime("%Y-%m"),
        "following": following.strftime("%Y-%m"),
        "today": timezone.localdate(),
    }


def occurrence(request, occurrence_id: int):
    found = access.occurrence_for(request.user, occurrence_id)
    return render(request, "events/occurrence.html", _occurrence_context(request, found))


def _occurrence_context(request, found, form=None) -> dict:
    registration = found.registration
    registered = registration is not None and registration.is_active
    may_register = found.may_register(request.user)
    if form is None and may_register and not registered:  # the questions only for the form
        form = forms.answers_form(selectors.questions(found.series))
    place = None
    if registration is not None and registration.status == Registration.Status.WAITLISTED:
        place = services.waitlist_place(registration)
    may_manage = found.may_manage(request.user)
    actions = extensions.organizer_actions(request.user, found.occurrence) if may_manage else []
    return {
        "access": found,
        "occurrence": found.occurrence,
        "series": found.series,
        "registration": registration if registered else None,
        "waitlist_place": place,
        "form": form,
        "may_register": may_register,
        "meeting_details": found.sees_meeting_details(request.user),
        "may_manage": may_manage,
        "organizer_actions": actions,
        "links": extensions.links(request.user, [found.occurrence]).get(found.occurrence.pk, []),
        "may_enter_room": found.may_enter_room(request.user),
        "now": timezone.now(),
    }


@require_POST
def register(request, occurrence_id: int):
    found = access.occurrence_for(request.user, occurrence_id)
    form = forms.answers_form(selectors.questions(found.series), request.POST)
    if not form.is_valid():
        context = _occurrence_context(request, found, form)
        return render(request, "events/occurrence.html", context, status=400)
    try:
        registration, created = services.registration_create(
            member=request.user, occurrence=found.occurrence, answers=form.cleaned_data
        )
    except ratelimits.RateLimited:
        raise
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if created:
            messages.success(request, _status_message(registration))
    return redirect("events:occurrence", occurrence_id)


def _status_message(registration) -> str:
    if registration.status == Registration.Status.CONFIRMED:
        return _("参加が確定しました。")
    if registration.status == Registration.Status.WAITLISTED:
        return _("満席のため補欠として受け付けました(補欠 %(place)s 番目)。") % {
            "place": services.waitlist_place(registration)
        }
    return _("抽選に申し込みました。結果は締切後にお知らせします。")


@require_POST
def cancel(request, occurrence_id: int):
    found = access.occurrence_for(request.user, occurrence_id)
    try:
        cancelled = services.registration_cancel(member=request.user, occurrence=found.occurrence)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if cancelled:
            messages.success(request, _("申込を取り消しました。"))
    return redirect("events:occurrence", occurrence_id)
