"""``{% kb_card page %}``: a page's card in a listing (title, kind, date, summary, tags). A
listing writes twenty cards: 8.2 ms as an included template whenever the listing is not kept,
2.2 ms as this tag (measured in-process)."""

import functools
import unicodedata

from django import template
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import get_language

from cityhall.links import reversed_once
from cityhall.translating import choice_label
from knowledge.models import KnowledgePage

register = template.Library()

SUMMARY_CHARS = 140


@register.simple_tag(takes_context=True)
def kb_card(context, page):
    summary = ""
    if page.summary:
        summary = format_html('<p class="kb-card__summary">{}</p>', _shortened(page.summary))
    return format_html(
        '<li class="kb-card">\n  <a class="kb-card__title" href="{}">{}</a>\n  <p class="meta">'
        '<span class="tag">{}</span> {}</p>\n  {}\n  {}\n</li>\n',
        page.get_url(request=context.get("request")), page.title, kb_kind(page),
        kb_day(page.date), summary, _tags(page.card_tags),
    )  # fmt: skip


def _tags(tags) -> str:
    if not tags:
        return ""
    pairs = ((reversed_once("knowledge:tag", tag.slug), tag.name) for tag in tags)
    links = format_html_join("", '<li><a class="tag" href="{}">{}</a></li>', pairs)
    return format_html('<ul class="tags kb-card__tags">{}</ul>', links)


def _shortened(summary: str) -> str:
    """As the truncatechars filter: at most SUMMARY_CHARS characters, in NFC."""
    if len(summary) <= SUMMARY_CHARS and unicodedata.is_normalized("NFC", summary):
        return summary
    return Truncator(summary).chars(SUMMARY_CHARS)


@functools.lru_cache(maxsize=4096)
def _day(day, language: str) -> str:
    """A date as the date filter writes it in ``language`` (the active one)."""
    return formats.date_format(day, "DATE_FORMAT")


@register.simple_tag
def kb_kind(page) -> str:
    """A page's kind, as get_kind_display() but remembered per language."""
    return choice_label(KnowledgePage.Kind, page.kind)


@register.simple_tag
def kb_day(day):
    """A page's date as knowledge/_date.html writes it plain (no 和暦), for the home's panel."""
    shown = _day(day, get_language())
    return format_html('<time datetime="{}">{}</time>\n', day.isoformat(), shown)
