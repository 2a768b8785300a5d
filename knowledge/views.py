"""The reader's pages that are not Wagtail pages: a tag, a kind, a year and a month. Each lists
only what the reader may see (knowledge.selectors) and is a 404 when that is nothing, so a tag or
a month that only restricted pages have looks like one that does not exist. And an event
organizer's way into the editor for an occurrence's notes."""

import re
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag

from cityhall.templatetags.cityhall import wareki
from events import access as event_access
from knowledge import from_events, reading, selectors
from knowledge.models import KnowledgePage

FIRST_YEAR, LAST_YEAR = 1900, 9999
_ERA_DAY = re.compile(r"\d+日$")
_ERA_MONTH_DAY = re.compile(r"\d+月\d+日$")


def _listing(request, pages, template: str, context: dict):
    listing = reading.paged(request, reading.listed_ids(request.user, pages))
    if not listing.paginator.count:
        raise Http404(_("該当するページはありません。"))
    return render(request, template, {**context, "pages": listing})


def tag(request, slug: str):
    """Visible pages with this tag; a tag only restricted pages carry is a 404 like any other."""
    found = Tag.objects.filter(slug=slug).first()
    if found is None:
        raise Http404(_("このタグはありません。"))
    pages = selectors.visible_pages(request.user).filter(tagged_items__tag=found)
    return _listing(request, pages, "knowledge/tag.html", {"tag": found})


def kind(request, kind: str):
    if kind not in KnowledgePage.Kind.values:
        raise Http404(_("この種類はありません。"))
    pages = selectors.kind_pages(request.user, kind)
    label = KnowledgePage.Kind(kind).label
    return _listing(request, pages, "knowledge/kind.html", {"kind": kind, "label": label})


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404(_("年は%(first)d〜%(last)dで指定してください。")
                      % {"first": FIRST_YEAR, "last": LAST_YEAR})  # fmt: skip
    return year


def archive_year(request, year: int):
    """The year's pages, with how many each month has (visible pages only)."""
    pages = selectors.archive_pages(request.user, _year(year))
    months = selectors.month_counts(request.user, year)
    context = {"year": year, "months": reading.months_of(months), "era": era_label(year)}
    return _listing(request, pages, "knowledge/archive.html", context)


def archive_month(request, year: int, month: int):
    if not 1 <= month <= 12:
        raise Http404(_("月は1〜12で指定してください。"))
    pages = selectors.archive_pages(request.user, _year(year), month)
    context = {"year": year, "month": month, "day": date(year, month, 1),
               "era": era_label(year, month)}  # fmt: skip
    return _listing(request, pages, "knowledge/archive.html", context)


def era_label(year: int, month: int | None = None) -> str:
    """「令和6年」 for a year (「平成31年・令和元年」 for one with two eras), 「令和6年6月」 for a
    month: the 和暦 the Japanese archive headers show beside the Western year."""
    if month is not None:
        return _ERA_DAY.sub("", wareki(date(year, month, 1)))
    first = _ERA_MONTH_DAY.sub("", wareki(date(year, 1, 1)))
    last = _ERA_MONTH_DAY.sub("", wareki(date(year, 12, 31)))
    return first if first == last else f"{first}・{last}"


@require_POST
def from_event(request, occurrence_id: int):
    """「ナレッジに記録を残す」: the occurrence's page in the editor, a draft made the first time
    (knowledge.from_events). The same 404 as the organizers' pages for anyone who does not
    manage the occurrence."""
    found = event_access.managed_occurrence_for(request.user, occurrence_id)
    try:
        page = from_events.session_notes_draft(actor=request.user, occurrence=found.occurrence)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        return redirect("wagtailadmin_pages:edit", page.pk)
    return redirect("events:occurrence", occurrence_id)
