"""What apps hand to search and what search hands back. Plain values: no model, no request."""

from dataclasses import dataclass, field
from datetime import date, datetime

# A document names who may see it as up to AUDIENCE_SLOTS requirements, all of which the
# viewer must meet; each requirement is a token such as "group:12". A viewer's tokens come from
# the providers (search.registry.viewer_tokens), which ask the apps' own policies.
AUDIENCE_SLOTS = 4
EVERYONE = "*"


@dataclass(frozen=True)
class Document:
    key: str  # "<kind>:<primary key>", e.g. "topic:12"
    kind: str
    title: str
    body: str
    url: str
    date: datetime
    tags: tuple[str, ...] = ()
    group_id: int | None = None
    organization_id: int | None = None
    solved: bool = False
    requires: tuple[str, ...] = ()

    def slots(self) -> tuple[str, ...]:
        """The requirements as AUDIENCE_SLOTS values, EVERYONE in the unused ones. A document
        with more requirements than slots is kept from everyone but site moderators."""
        requires = tuple(dict.fromkeys(self.requires))
        if len(requires) > AUDIENCE_SLOTS:
            requires = ("moderators",)
        return requires + (EVERYONE,) * (AUDIENCE_SLOTS - len(requires))


@dataclass(frozen=True)
class Query:
    """A search as the backends receive it: parsed terms, the viewer's tokens, filters."""

    terms: tuple  # of search.text.Term
    tokens: frozenset[str]
    kinds: tuple[str, ...] = ()
    group_id: int | None = None
    organization_id: int | None = None
    since: date | None = None
    until: date | None = None
    solved: bool = False
    hidden_keys: tuple[str, ...] = ()  # pending changes that may hide a document
    sort: str = "relevance"  # or "date"
    match: str = "all"  # every term; "any": at least one, those holding more ranked higher
    offset: int = 0
    limit: int = 20
    facets: bool = True


@dataclass(frozen=True)
class Hit:
    key: str
    kind: str
    title: str
    body: str
    url: str
    date: datetime
    group_id: int | None
    organization_id: int | None
    solved: bool
    # Whether a word of the query stands in the title (so that there are words to mark in
    # it) and in the body (so that a snippet is worth looking for); None when the backend
    # cannot tell.
    title_matched: bool | None = None
    body_matched: bool | None = None


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    total: int
    facets: dict[str, dict] = field(default_factory=dict)  # {"kind": {"topic": 3}, ...}
    # More documents matched than the backend weighs: ``total`` (and the facets) count the
    # ones it did, and the member reads "1,000 件以上".
    more: bool = False
