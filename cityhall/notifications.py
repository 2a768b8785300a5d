"""The kinds of notification the site sends. Each app declares its kinds in
``<app>/notifications.py`` and registers them from its ``AppConfig.ready()``; members stores and
delivers notifications without knowing the apps that send them.

A kind's ``key`` is what a Notification row stores: never change a registered key without a data
migration. Its ``wording`` is the text shown in the list and in the mail, %-formatted with the
notification's params and translated when shown (in the reader's language). A kind whose text
depends on what happened gives a mapping from ``params["event"]`` to the wording instead."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str  # the kind's name, on the preferences page and in the admin
    wording: str | Mapping[str, str]
    email_by_default: bool = False
    in_app_by_default: bool = True
    # Listed on the preferences page (the member may turn it off there).
    configurable: bool = True
    order: int = 100
    _position: int = field(default=0, compare=False, repr=False)

    def text(self, params: dict) -> str:
        wording = self.wording
        if isinstance(wording, Mapping):
            wording = wording.get(params.get("event"), "")
        try:
            return str(wording) % params if wording else str(self.label)
        except (KeyError, TypeError, ValueError):
            return str(self.label)


_kinds: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    """Make ``kind`` known (registering a key again replaces it, in its first place)."""
    position = _kinds[kind.key]._position if kind.key in _kinds else len(_kinds)
    _kinds[kind.key] = kind = replace(kind, _position=position)
    return kind


def get(key: str) -> NotificationKind | None:
    return _kinds.get(key)


def registered() -> list[NotificationKind]:
    """Every kind, by ``order`` and then in the order they were registered."""
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind._position))


def text(key: str, params: dict) -> str:
    """What a notification of kind ``key`` says (its key, for a kind nobody registers)."""
    kind = _kinds.get(key)
    return kind.text(params) if kind is not None else key


def choices() -> list[tuple[str, str]]:
    """For the model field (a callable, so migrations do not list the kinds)."""
    return [(kind.key, kind.label) for kind in registered()]
