"""What the apps built on events add to an occurrence, registered from their
``AppConfig.ready()`` (shaped like cityhall.navigation): events shows them and imports none of
those apps (knowledge adds 「ナレッジに記録を残す」 for the organizers and a link to the published
notes for everyone).

- ``OrganizerAction``: a button on the occurrence page for those who manage it, next to the
  organizers' link. It posts to ``url_name`` with the occurrence's id; ``shown(member,
  occurrence)`` says whether it applies now. It runs on every occurrence page an organizer
  opens: pure, over what is loaded (no query).
- ``OccurrenceLinks``: links shown on an occurrence, on its page and on its row in the lists.
  ``links(member, occurrences)`` answers for a whole page of rows at once, ``{occurrence id:
  [Link]}``, in a fixed number of queries however many rows there are, and only with links the
  member may follow (a link must not tell its title or address to a member who may not see
  what it points at)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    title: str = ""  # what it points at, for the link's tooltip


@dataclass(frozen=True)
class OrganizerAction:
    key: str  # e.g. "knowledge.notes"
    label: str
    url_name: str  # reversed with the occurrence's id; the action is a POST
    shown: Callable[[object, object], bool] = lambda member, occurrence: True
    order: int = 100
    _position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class OccurrenceLinks:
    key: str  # e.g. "knowledge.notes"
    links: Callable[[object, list], dict[int, list[Link]]]
    order: int = 100
    _position: int = field(default=0, compare=False, repr=False)


Item = OrganizerAction | OccurrenceLinks
_items: dict[type, dict[str, Item]] = {OrganizerAction: {}, OccurrenceLinks: {}}


def register(item: Item) -> Item:
    """Make ``item`` known (registering a key again replaces it, in its first place)."""
    known = _items[type(item)]
    position = known[item.key]._position if item.key in known else len(known)
    known[item.key] = item = replace(item, _position=position)
    return item


def unregister(kind: type, key: str) -> None:
    _items[kind].pop(key, None)


def registered(kind: type) -> list:
    """Every item of ``kind`` (OrganizerAction or OccurrenceLinks), by ``order`` and then in
    the order they were registered."""
    return sorted(_items[kind].values(), key=lambda item: (item.order, item._position))


def organizer_actions(member, occurrence) -> list[OrganizerAction]:
    """The actions that apply to ``occurrence`` now, for a member who manages it (the caller
    has checked that)."""
    return [action for action in registered(OrganizerAction) if action.shown(member, occurrence)]


def links(member, occurrences: Iterable) -> dict[int, list[Link]]:
    """{occurrence id: [Link]} for the occurrences that have any, every app's in order."""
    occurrences = list(occurrences)
    found: dict[int, list[Link]] = {}
    if not occurrences:
        return found
    for source in registered(OccurrenceLinks):
        for occurrence_id, more in source.links(member, occurrences).items():
            if more:
                found.setdefault(occurrence_id, []).extend(more)
    return found
