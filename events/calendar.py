"""iCalendar (RFC 5545) for events, built with the icalendar library: one occurrence as a file,
and a member's feed of what they registered for. Times carry TZID Asia/Tokyo with its
VTIMEZONE. The UID is the occurrence's, so a calendar that has it already updates its copy
when the occurrence moves or is cancelled."""

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Occurrence

PRODID = "-//Online City Hall//events//JA"
CONTENT_TYPE = "text/calendar; charset=utf-8"
REFRESH = timedelta(hours=1)  # how often a calendar app should fetch the feed again


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def uid(occurrence: Occurrence) -> str:
    return f"occurrence-{occurrence.pk}@{urlsplit(settings.SITE_URL).hostname}"


def event(occurrence: Occurrence, *, details: bool, tentative: bool = False) -> icalendar.Event:
    """One occurrence; the venue and the meeting URL only with ``details`` (see
    policies.sees_meeting_details), TENTATIVE for a place on the waitlist or in the lottery."""
    series = occurrence.series
    url = absolute(reverse("events:occurrence", args=[occurrence.pk]))
    if occurrence.is_cancelled:
        status = "CANCELLED"
    else:
        status = "TENTATIVE" if tentative else "CONFIRMED"
    return icalendar.Event.new(
        uid=uid(occurrence), summary=series.title, url=url, status=status,
        start=timezone.localtime(occurrence.starts_at), end=timezone.localtime(occurrence.ends_at),
        description=_description(occurrence, url, details),
        location=(series.venue or series.meeting_url or None) if details else None,
    )  # fmt: skip


def _description(occurrence: Occurrence, url: str, details: bool) -> str:
    series = occurrence.series
    lines = []
    if occurrence.is_cancelled:
        lines.append(_("この回は中止になりました。"))
    lines += [_("グループ: %(group)s") % {"group": series.group.name}, url]
    if details and series.meeting_url:
        lines.append(_("参加URL: %(url)s") % {"url": series.meeting_url})
    if details and series.venue:
        lines.append(_("会場: %(venue)s") % {"venue": series.venue})
    if series.description:
        lines += ["", series.description]
    return "\n".join(lines)


def ics(events, *, name: str | None = None) -> bytes:
    """A calendar of ``events`` with the time zones they use."""
    calendar = icalendar.Calendar.new(
        prodid=PRODID, method="PUBLISH", name=name, subcomponents=events,
        refresh_interval=REFRESH if name else None,
    )  # fmt: skip
    if name:  # Outlook reads X-PUBLISHED-TTL, others REFRESH-INTERVAL
        calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))
    calendar.add_missing_timezones()
    return calendar.to_ical()
