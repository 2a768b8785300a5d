"""Links to many objects of one kind at the cost of one ``reverse``: a list of thirty topics or
members, or a page of fifty posts with ten links each, would otherwise reverse hundreds of
links, some 25 microseconds each."""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

_MARK = 7300021  # an id in a reversed link, replaced by each object's own


def link_maker(name: str, *fixed):
    """A function of an id giving ``reverse(name, args=[*fixed, id])``."""
    url = reverse(name, args=[*fixed, _MARK])
    if url.count(str(_MARK)) != 1:
        return lambda pk: reverse(name, args=[*fixed, pk])
    head, _mark, tail = url.partition(str(_MARK))
    return lambda pk: f"{head}{pk}{tail}"


def reversed_once(name: str, *args) -> str:
    """``reverse(name, args=args)``, remembered per process (for each script prefix and
    URLconf): the same few groups or tags stand on many rows of a list."""
    return _reversed(get_script_prefix(), get_urlconf(), name, args)


@functools.lru_cache(maxsize=4096)
def _reversed(script_prefix: str, urlconf, name: str, args: tuple) -> str:
    return reverse(name, args=args)
