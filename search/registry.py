"""Search providers: each app registers, from its AppConfig.ready(), one provider per kind of
document it offers to search. ``search`` imports no app; the apps import this."""

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from search.documents import EVERYONE, Document


class Provider(Protocol):
    kind: str  # the prefix of its documents' keys, e.g. "topic"
    label: str  # the kind as members read it (lazy translation), e.g. 「トピック」

    def documents(self, ids: list[int]) -> dict[int, Document]:
        """The documents for these primary keys; an id missing from the answer (deleted, or
        not to be searched) is taken out of the index."""

    def all_ids(self) -> Iterator[int]:
        """Every primary key to index, for a full reindex."""

    def tokens(self, member) -> Iterable[str]:
        """The audience tokens this member holds for this provider's documents, from the
        app's own policies (e.g. "group:12" for every group the member may read)."""


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    _providers[provider.kind] = provider
    return provider


def providers() -> list[Provider]:
    return list(_providers.values())


def provider(kind: str) -> Provider | None:
    return _providers.get(kind)


def viewer_tokens(member) -> frozenset[str]:
    """Every token the member holds; empty for anyone who is not a verified member, so that
    nobody else finds anything."""
    from cityhall.policies import is_site_moderator, is_verified_member

    if not is_verified_member(member):
        return frozenset()
    held = {EVERYONE}
    if is_site_moderator(member):
        held.add("moderators")
    for item in _providers.values():
        held.update(item.tokens(member))
    return frozenset(held)


def split_key(key: str) -> tuple[str, int] | None:
    kind, _, pk = key.partition(":")
    return (kind, int(pk)) if pk.isdigit() and kind in _providers else None


# Facets other than the kind: {"group_id": (label, names)}, names(ids) -> {id: display name}.
_facet_names: dict[str, tuple[str, Callable[[list[int]], dict[int, str]]]] = {}


def register_facet(field: str, label: str, names: Callable[[list[int]], dict[int, str]]) -> None:
    _facet_names[field] = (label, names)


def facet_names(field: str, ids: list[int]) -> dict[int, str]:
    entry = _facet_names.get(field)
    return entry[1](ids) if entry and ids else {}


def facet_label(field: str) -> str:
    entry = _facet_names.get(field)
    return entry[0] if entry else field
