"""``{% avatar member %}``: a member's icon, or the first letter of their name when they have
none. A tag, not an included template: the directory and a topic's posts show dozens, and an
include with a translated block cost about ten times as much each (cProfile)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def avatar(member, size: str = "small"):
    """``member``: a member, or the plain values of one (``pk``, ``display_name``, ``avatar``)
    that a post's cached fragment is made from (groups.rendering)."""
    if isinstance(member, dict):
        pk, name, has_avatar = member["pk"], member["display_name"], member["avatar"]
    else:
        pk, name, has_avatar = member.pk, member.display_name, member.avatar
    if has_avatar:
        alt = gettext("%(name)sさんのアイコン") % {"name": name}
        url = reverse("members:avatar", args=[pk])
        return format_html('<img class="avatar avatar--{}" src="{}" alt="{}">', size, url, alt)
    return format_html(
        '<span class="avatar avatar--{} avatar--initial" aria-hidden="true">{}</span>',
        size, name[:1] or "?",
    )  # fmt: skip
