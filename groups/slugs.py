"""Group slugs: readable, never equal to a fixed route under /groups/, and never telling a
proposer which names other (possibly secret) groups already use."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from members.directory import romanize

SUFFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
SUFFIX_LENGTH = 6


def reserved_slugs() -> set[str]:
    """Every fixed path segment that sits where a group's slug would: ``new`` for
    ``groups/new/``. Read from the URLconf, so a route added later is reserved too."""
    prefix = reverse("groups:detail", kwargs={"slug": "x"}).lstrip("/").removesuffix("x/")
    reserved = set()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(prefix):
            segment = route[len(prefix) :].partition("/")[0]
            if segment and "<" not in segment:
                reserved.add(segment)
    return reserved


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def new_slug(name: str, taken) -> str:
    """The romanized name with a random suffix, e.g. ``gokuhi-purojekuto-k7m2qa``. The suffix is
    always there: a suffix only on collision would reveal that a secret group has the name."""
    base = (slugify(romanize(name)) or slugify(name) or "group")[:50].strip("-")
    reserved = reserved_slugs()
    while True:
        slug = f"{base}-{get_random_string(SUFFIX_LENGTH, SUFFIX_ALPHABET)}"
        if slug not in reserved and not taken(slug):
            return slug
