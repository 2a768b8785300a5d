"""A series' starts from its RRULE (RFC 5545, read by dateutil), computed in Japan time, so
"every Saturday 10:00" stays 10:00 JST whatever the date; stored as aware datetimes."""

from datetime import datetime, timedelta

from dateutil.rrule import rrulestr
from django.utils import timezone

HORIZON_DAYS = 120  # occurrences are created this far ahead (and later by occurrences_extend)
MAX_OCCURRENCES = 60


class RuleError(ValueError):
    pass


def starts(rule: str, first_start: datetime, *, until=None, after=None, horizon=None) -> list:
    """The aware starts from ``first_start`` (included) through ``horizon`` (default: today +
    HORIZON_DAYS), never past ``until`` (a date, inclusive), at most MAX_OCCURRENCES."""
    local_first = timezone.localtime(first_start).replace(tzinfo=None)
    horizon = horizon or timezone.now() + timedelta(days=HORIZON_DAYS)
    last = timezone.localtime(horizon).replace(tzinfo=None)
    if until is not None:
        last = min(last, datetime.combine(until, datetime.max.time()))
    if not rule:
        found = [local_first] if local_first <= last or until is None else []
    else:
        found = list(parse(rule, local_first).between(local_first, last, inc=True))
    aware = [timezone.make_aware(start) for start in found[:MAX_OCCURRENCES]]
    return [start for start in aware if after is None or start > after]


def parse(rule: str, local_first: datetime):
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "\n" in text or "\x00" in text or len(text) > 200:
        raise RuleError(rule)
    try:
        return rrulestr(text, dtstart=local_first)
    except (ValueError, TypeError, KeyError) as problem:
        raise RuleError(rule) from problem
