"""``{% search_result result %}`` and ``{% facet_option option %}``: a page of search results
writes twenty results and up to thirty facet options. As tags rather than template loops, a
common word's twenty results take 1.6 ms rather than 2.5 ms (measured in-process)."""

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cityhall.templatetags.dates import time_element
from cityhall.translating import gettext

register = template.Library()


@register.simple_tag
def search_result(result):
    """One result: its kind, solved or not, group and date; its title; its snippet."""
    hit = result.hit
    solved = format_html('<span class="tag tag--solved">{}</span>', gettext("解決済み"))
    group = format_html(' <span class="search-result__group">{}</span> ·', result.group)
    snippet = format_html('<p class="search-result__snippet">{}</p>', result.snippet)
    return format_html(
        '<li class="search-result">\n<p class="search-result__meta meta"><span class="tag">{}'
        '</span>{}{} {}</p>\n<h3 class="search-result__title">'
        '<a href="{}">{}</a></h3>\n{}</li>',
        result.kind_label, solved if hit.solved else "", group if result.group else "",
        mark_safe(time_element(hit.date, "DATE_FORMAT")), hit.url, result.title,  # noqa: S308
        snippet if result.snippet else "",
    )  # fmt: skip


@register.simple_tag
def facet_option(option):
    """One facet value as a link that chooses it (or, chosen, lets go of it), with its count."""
    chosen = ""
    if option["selected"]:
        chosen = format_html('<span class="visually-hidden">{}</span>',
                             gettext("(選択中。もう一度押すと解除)"))  # fmt: skip
    marked = ' aria-current="true" class="search-facet__chosen"' if option["selected"] else ""
    return format_html(
        '<li><a href="{}"{}>{} <span class="search-facet__count">({})</span>{}</a></li>',
        option["url"], mark_safe(marked), option["label"], formats.localize(option["count"]),
        chosen,
    )  # fmt: skip
