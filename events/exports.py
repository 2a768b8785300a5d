"""What organizers take away: an occurrence's registrants as CSV that Excel opens as it is
(UTF-8 with a BOM, CRLF, no cell a spreadsheet would run as a formula)."""

import csv
import io
import re

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
