"""``{{ text|markdown }}``: member-written text (a profile's bio) as the site's one Markdown
renderer and sanitiser make it, as posts are: no raw HTML, links rel="nofollow". The HTML is
kept in the per-process fragment cache under a digest of the text, so it is never stale."""

import hashlib

from django import template
from django.core.cache import caches
from django.utils.safestring import mark_safe

from cityhall import markdown as renderer

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    text = text or ""
    key = "md:" + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
    cache = caches["fragments"]
    html = cache.get(key)
    if html is None:
        html = renderer.render(text).html
        cache.set(key, html)
    return mark_safe(html)  # noqa: S308 (sanitised by cityhall.markdown)
