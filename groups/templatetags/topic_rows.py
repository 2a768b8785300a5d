"""``{% topic_row topic %}``: a row of a group's topic list (its marks, title, unread count,
author and last post). A list shows thirty: as template markup each row cost about 0.15 ms,
with format_html 0.10 ms (Django's escaping is most of it), written here with the standard
library's escape 0.05 ms. Every value a member wrote goes through ``_e``. ``topic``: as
groups.views.detail prepares it (url, unread, tag_list, last_read, answer_number) and
groups.selectors reads it (the author's name and organization as values)."""

from html import escape as _e

from django import template
from django.utils.safestring import mark_safe

from cityhall.templatetags.dates import time_element
from cityhall.translating import gettext
from groups.rendering import author_organization

register = template.Library()


@register.simple_tag
def topic_row(topic):
    return mark_safe(  # noqa: S308 (every value below is escaped or made here)
        f'<tr class="{"topic--hidden" if topic.is_hidden else ""}">\n<td>\n{_marks(topic)}\n'
        f'<a href="{_e(topic.url)}{_to_unread(topic)}">{_e(topic.title)}</a>\n'
        f"{_unread(topic)}\n{_jump(topic)}\n"
        f'<div class="meta">{_e(topic.author_name)}{_organization(topic)}'
        f"{_tags(topic.tag_list)}</div>\n</td>\n<td>{_e(str(topic.reply_count))}</td>\n"
        f"<td>{_last_post(topic.last_posted_at)}</td>\n"
        "</tr>\n"
    )


def _marks(topic) -> str:
    marks = []
    if topic.is_pinned:
        marks.append(("tag", gettext("ピン留め")))
    if topic.is_solved:
        marks.append(("tag tag--solved", gettext("解決済み")))
    elif topic.is_question:
        marks.append(("tag", gettext("質問")))
    if topic.is_locked:
        marks.append(("tag", gettext("受付終了")))
    return " ".join(f'<span class="{css}">{_e(label)}</span>' for css, label in marks)


def _to_unread(topic) -> str:
    """Where a topic read in part opens: its first unread post."""
    if topic.last_read and topic.last_read < topic.highest_post_number:
        return f"?n={topic.last_read + 1}#p{topic.last_read + 1}"
    return ""


def _unread(topic) -> str:
    if topic.last_read is None:
        label = gettext("新着")
        return f'<span class="badge-new">{_e(label)}</span>'
    if topic.last_read < topic.highest_post_number:
        label = gettext("未読 %(n)s") % {"n": topic.unread}
        return f'<span class="badge-unread">{_e(label)}</span>'
    return ""


def _jump(topic) -> str:
    if not topic.is_solved:
        return ""
    number, label = _e(str(topic.answer_number)), gettext("回答へ")
    return f'<a class="jump" href="{_e(topic.url)}?n={number}#p{number}">{_e(label)}</a>'


def _organization(topic) -> str:
    """In brackets after the author's name; nothing for an account of no organization (the
    knowledge importer's)."""
    label = author_organization(topic)
    return f"({_e(label)})" if label else ""


def _tags(tags) -> str:
    return "".join(f' <span class="tag">#{_e(tag)}</span>' for tag in tags)


def _last_post(moment) -> str:
    if moment is None:
        return '<time datetime=""></time>'
    return time_element(moment, "SHORT_DATETIME_FORMAT")


@register.simple_tag
def home_topic(topic):
    """A topic in the home's topics panel (groups.home): its title (opening at the first
    unread post), new or unread, solved or a question, group, author and last post."""
    first_unread = f"?n={topic.last_read + 1}" if topic.unread and topic.last_read else ""
    badge = mark = None
    if topic.is_new:
        badge = ("badge-new", gettext("新着"))
    elif topic.unread:
        badge = ("badge-unread", gettext("未読 %(n)s") % {"n": topic.unread})
    if topic.is_solved:
        mark = ("tag tag--solved", gettext("解決済み"))
    elif topic.is_question:
        mark = ("tag", gettext("質問"))
    return mark_safe(  # noqa: S308 (every value below is escaped or made here)
        f'<li><a href="{_e(topic.url)}{first_unread}">{_e(topic.title)}</a>\n'
        f"  {_span(badge)}\n  {_span(mark)}\n"
        f'  <span class="meta">{_e(topic.group.name)} · {_e(topic.author.display_name)} · '
        f"{_last_post(topic.last_posted_at)}</span>\n</li>\n"
    )


def _span(shown) -> str:
    """A (css class, text) pair as a span; nothing for None."""
    return f'<span class="{shown[0]}">{_e(shown[1])}</span>' if shown else ""
