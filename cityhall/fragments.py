"""The per-process cache of things computed from what their key names (settings.CACHES
"fragments"): rendered posts, Markdown, the knowledge base's counts. A key holds everything the
value depends on (a text's digest, a content version), so nothing is ever invalidated: a change
is a new key, and a stale value cannot be served."""

import hashlib

from django.core.cache import caches


def cache():
    return caches["fragments"]


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def kept(key: str, compute):
    """``compute()`` once per process for ``key``."""
    found = cache().get(key)
    if found is None:
        found = compute()
        cache().set(key, found)
    return found
