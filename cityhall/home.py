"""The home page's panels. The page a member opens every morning is made of panels the apps
register from their AppConfig.ready (``<app>/home.py``): the project shows them in order and
knows none of them, so a new app adds its panel without touching cityhall/. A base module: it
imports no app.

A panel's ``context(member)`` returns what its template needs, or None to leave the panel out
(nothing to show, or not for this member). It reads through selectors that take the member and
costs a fixed number of queries, however much there is to show."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class HomePanel:
    key: str  # unique, e.g. "groups.mine"; also the panel's id in the page
    order: int  # smaller first
    template: str  # rendered with the panel's context plus ``member`` and ``panel``
    context: Callable[[object], dict | None]


_panels: dict[str, HomePanel] = {}


def register(panel: HomePanel) -> HomePanel:
    """Add ``panel``; registering the same panel again changes nothing, another panel under a
    key already taken is a mistake."""
    known = _panels.get(panel.key)
    if known is not None and known != panel:
        raise ImproperlyConfigured(f"Two home panels are called {panel.key!r}.")
    _panels[panel.key] = panel
    return panel


def unregister(key: str) -> None:
    _panels.pop(key, None)


def panels() -> list[HomePanel]:
    """Every registered panel, in order (then by key, so the order is always the same)."""
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))


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


def shown_panels(member) -> list[ShownPanel]:
    """The panels ``member`` sees, in order, each with its context."""
    shown = []
    for panel in panels():
        context = panel.context(member)
        if context is not None:
            shown.append(ShownPanel(panel, context))
    return shown
