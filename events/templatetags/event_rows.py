"""``{% event_row o links %}``: an occurrence in the events page's list (title, format, state,
the viewer's registration, time, group and the links other apps add), about 0.07 ms a row
with nothing kept. With an included template kept per row in the fragment cache, the events
page was 4.6× the bare view warm and 7.0× cold; with this tag 4.2× both (bench/pages.py,
SQLite). Every value a member wrote goes through
``_e`` (the standard library's escape, as Django's). ``links``: {occurrence id: [links]}."""

from html import escape as _e

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from cityhall.links import reversed_once
from cityhall.templatetags.dates import time_element
from cityhall.translating import choice_label, gettext
from events.models import Series

register = template.Library()


@register.simple_tag
def event_row(o, links):
    """``o``: as events.selectors.occurrence_list reads it (its series' and group's values)."""
    cancelled = o.status == "cancelled"
    state = ""
    if cancelled:
        label = gettext("中止")
        state = f'<span class="tag tag--warning">{_e(label)}</span>'
    group_url = reversed_once("groups:detail", o.group_slug)
    return mark_safe(  # noqa: S308 (every value below is escaped or made here)
        f'<li class="event-card{" event-card--cancelled" * cancelled}">\n'
        f'  <a class="event-card__title" href="{reversed_once("events:occurrence", o.pk)}">'
        f"{_e(o.series_title)}</a>\n"
        f'  <span class="tag">{_e(choice_label(Series.Format, o.series_format))}</span>\n'
        f"  {state}\n  {_registration(o.my_status)}\n"
        f'  <p class="meta">{time_element(o.starts_at, "DATETIME_FORMAT")}–'
        f"{timezone.localtime(o.ends_at).strftime('%H:%M')}\n"
        f'    · <a href="{_e(group_url)}">{_e(o.group_name)}</a>'
        f"{_links((links or {}).get(o.pk))}</p>\n</li>\n"
    )


@register.simple_tag
def home_occurrence(o):
    """An occurrence in the home's 次の参加予定 panel (events.home): its title, time and group
    and the member's registration; the panel's rows were an included template each."""
    return mark_safe(  # noqa: S308 (every value below is escaped or made here)
        f'<li data-occurrence="{o.pk}"><a href="{reversed_once("events:occurrence", o.pk)}">'
        f"{_e(o.series.title)}</a>\n"
        f'      <span class="meta">{time_element(o.starts_at, "SHORT_DATETIME_FORMAT")} · '
        f"{_e(o.series.group.name)}</span>\n      {_registration(o.my_status)}\n</li>\n"
    )


def _registration(status) -> str:
    shown = {
        "confirmed": ("tag tag--member", gettext("参加予定")),
        "waitlisted": ("tag", gettext("補欠")),
        "lottery": ("tag", gettext("抽選待ち")),
    }.get(status)
    if shown is None:
        return ""
    css, label = shown
    return f'<span class="{css}" data-status="{_e(status)}">{_e(label)}</span>'


def _links(links) -> str:
    if not links:
        return ""
    written = " · ".join(_link(link) for link in links)
    return f"\n    · {written}"


def _link(link) -> str:
    title = f' title="{_e(str(link.title))}"' if link.title else ""
    return (
        f'<a class="event-link" href="{_e(link.url)}"{title} data-occurrence-link>'
        f"{_e(str(link.label))}</a>"
    )
