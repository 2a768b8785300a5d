"""``{{ text|markdown }}``: member-written text (a profile's bio) as the site's one Markdown
renderer and sanitiser make it, as posts are: no raw HTML, links rel="nofollow". The HTML is
kept in the per-process fragment cache under a digest of the text, so it is never stale."""

from django import template
from django.utils.safestring import mark_safe

from cityhall import fragments
from cityhall import markdown as renderer

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    text = text or ""
    html = fragments.kept("md:" + fragments.digest(text), lambda: renderer.render(text).html)
    return mark_safe(html)  # noqa: S308 (sanitised by cityhall.markdown)
