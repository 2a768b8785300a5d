"""Links to many objects of one kind at the cost of one ``reverse``: a list of thirty topics or
members, or a page of fifty posts with ten links each, would otherwise reverse hundreds of
links, some 25 microseconds each."""

from django.urls import reverse

_MARK = 7300021  # an id in a reversed link, replaced by each object's own


def link_maker(name: str, *fixed):
    """A function of an id giving ``reverse(name, args=[*fixed, id])``."""
    url = reverse(name, args=[*fixed, _MARK])
    if url.count(str(_MARK)) != 1:
        return lambda pk: reverse(name, args=[*fixed, pk])
    head, _mark, tail = url.partition(str(_MARK))
    return lambda pk: f"{head}{pk}{tail}"
