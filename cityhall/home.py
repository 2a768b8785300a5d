"""The home page's panels. The page a member opens every morning is made of panels the apps
register from their ``AppConfig.ready()`` (``<app>/home.py``): the project shows them in order
and knows none of them, so a later app (events, knowledge) adds its panel without touching
cityhall/. A base module: it imports no app.

A panel's ``context(member)`` returns what its template needs, or None to leave the panel out
(nothing to show, or not for this member). It runs for every member who opens the home page, so
it reads through selectors that take the member and cost a fixed number of queries, however
much there is to show. The template gets the panel's context as ``panel``."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class HomePanel:
    key: str  # e.g. "groups.mine"
    order: int  # smaller first
    template: str
    context: Callable[[object], dict | None]
    _position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class ShownPanel:
    panel: HomePanel
    context: dict

    @property
    def key(self) -> str:
        return self.panel.key

    @property
    def template(self) -> str:
        return self.panel.template


_panels: dict[str, HomePanel] = {}


def register(panel: HomePanel) -> HomePanel:
    """Make ``panel`` known (registering a key again replaces it, in its first place)."""
    position = _panels[panel.key]._position if panel.key in _panels else len(_panels)
    _panels[panel.key] = panel = replace(panel, _position=position)
    return panel


def get(key: str) -> HomePanel | None:
    return _panels.get(key)


def registered() -> list[HomePanel]:
    """Every panel, by ``order`` and then in the order they were registered."""
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel._position))


def shown(member) -> list[ShownPanel]:
    """The panels ``member`` sees, in order, each with its context."""
    found = []
    for panel in registered():
        context = panel.context(member)
        if context is not None:
            found.append(ShownPanel(panel, context))
    return found
