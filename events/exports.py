"""What organizers take away: an occurrence's registrants as CSV that Excel opens as it is
(UTF-8 with a BOM, CRLF, no cell a spreadsheet would run as a formula), and the attendance
of a series as the geometry of a bar chart that its template draws in SVG."""

import csv
import io
import math
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.policies import visible_profile_fields

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters but tab, line feed and carriage return, and lone surrogates: no
# spreadsheet shows them, and UTF-8 cannot hold a surrogate.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def cell(value) -> str:
    """``value`` as text a spreadsheet shows and never runs: control characters dropped, and a
    quote before a leading =, +, -, @, tab or carriage return (OWASP's CSV injection advice)."""
    text = _UNPRINTABLE.sub("", "" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _attended(registration) -> str:
    if registration.attended is None:
        return ""
    return _("出席") if registration.attended else _("欠席")


def _row(registration, questions, viewer) -> list:
    member = registration.member
    shown = visible_profile_fields(viewer, member)
    return [
        registration.position, member.display_name,
        member.organization.name if member.organization else "",
        member.department_label if "department" in shown else "",
        registration.get_status_display(), _local(registration.registered_at),
        _local(registration.checked_in_at), _attended(registration),
        *(registration.answers.get(str(question.pk), "") for question in questions),
    ]  # fmt: skip


def registrants_csv(registrations, questions, viewer) -> bytes:
    """One row per registration (times in Japan time), one column per question; a member's
    department only where they show it to other members."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [_("申込順"), _("名前"), _("所属"), _("部署"), _("状態"), _("申込日時"),
              _("受付"), _("出席"), *(question.label for question in questions)]  # fmt: skip
    writer.writerow([cell(value) for value in header])
    for registration in registrations:
        writer.writerow([cell(value) for value in _row(registration, questions, viewer)])
    return (BOM + out.getvalue()).encode("utf-8")


# --- the attendance chart -------------------------------------------------------------------

SLOT, BAR = 56, 20  # each occurrence's width, and each of its two bars'
LEFT, RIGHT, TOP, PLOT, BELOW = 44, 12, 28, 200, 40  # margins and the plot's height
MIN_WIDTH = 320


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    value: int


@dataclass(frozen=True)
class Column:
    label: str  # the day in Japan time, M/D
    label_x: int
    confirmed: Bar
    attended: Bar | None  # None before the occurrence has started


@dataclass(frozen=True)
class Tick:
    y: int
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    baseline: int
    bar_width: int
    columns: list[Column]
    ticks: list[Tick]


def _step(largest: int) -> int:
    """1, 2 or 5 times a power of ten: at most five steps up to ``largest``."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= factor * power * 5:
                return factor * power
        power *= 10


def attendance_chart(occurrences, *, now=None) -> Chart:
    """Confirmed and attended bars for each occurrence that was not cancelled; ``occurrences``
    carry the ``confirmed`` and ``attended`` counts (selectors.series_occurrences)."""
    now = now or timezone.now()
    shown = [o for o in occurrences if not o.is_cancelled]
    largest = max([1] + [max(o.confirmed, o.attended) for o in shown])
    step = _step(largest)
    top_value = step * math.ceil(largest / step)
    baseline = TOP + PLOT

    def bar(x: int, value: int) -> Bar:
        height = round(PLOT * value / top_value)
        return Bar(x=x, y=baseline - height, height=height, value=value)

    columns = [_column(index, occurrence, bar, now) for index, occurrence in enumerate(shown)]
    ticks = [Tick(y=bar(0, value).y, value=value) for value in range(0, top_value + 1, step)]
    width = max(MIN_WIDTH, LEFT + len(shown) * SLOT + RIGHT)
    return Chart(width=width, height=baseline + BELOW, left=LEFT, right=width - RIGHT, top=TOP,
                 baseline=baseline, bar_width=BAR, columns=columns, ticks=ticks)  # fmt: skip


def _column(index: int, occurrence, bar, now) -> Column:
    left = LEFT + index * SLOT
    x = left + (SLOT - 2 * BAR) // 2
    day = timezone.localtime(occurrence.starts_at)
    return Column(
        label=f"{day.month}/{day.day}", label_x=left + SLOT // 2,
        confirmed=bar(x, occurrence.confirmed),
        attended=bar(x + BAR, occurrence.attended) if occurrence.starts_at <= now else None,
    )  # fmt: skip
