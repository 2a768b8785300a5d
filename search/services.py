"""Searching for a member: the query parsed, the member's audience tokens asked of every
provider (so results, counts, facets and snippets only ever come from what they may see), the
backend asked, and each hit given a highlighted snippet."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from html import escape  # Django's, without its lazy-text wrapper: some 250 calls a page

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from search import outbox, registry, text
from search.backends import get_backend
from search.documents import Hit, Query

SNIPPET_CHARS = 120
SCAN_CHARS = 1500


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kinds: tuple[str, ...] = ()
    group_id: int | None = None
    organization_id: int | None = None
    since: date | None = None
    until: date | None = None
    solved: bool = False
    sort: str = "relevance"
    match: str = "all"  # "any": any of the content words of q (search.text.keywords), ranked
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Result:
    hit: Hit
    title: SafeString
    snippet: SafeString
    group: str = ""  # the group's name, when the document belongs to one

    @property
    def kind_label(self) -> str:
        provider = registry.provider(self.hit.kind)
        return provider.label if provider else self.hit.kind


@dataclass(frozen=True)
class Results:
    filters: Filters
    results: list[Result]
    total: int
    facets: dict[str, list[tuple[object, str, int]]] = field(default_factory=dict)
    # No document held every term, so these hold some of them (best first).
    broadened: bool = False
    # More matched than were weighed (settings.SEARCH_CANDIDATES): total means "at least".
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filters.per_page))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def query_for(member, filters: Filters, *, facets: bool = True) -> Query:
    terms = text.keywords(filters.q) if filters.match == "any" else text.parse(filters.q)
    return Query(
        terms=tuple(terms),
        tokens=registry.viewer_tokens(member),
        kinds=filters.kinds,
        group_id=filters.group_id,
        organization_id=filters.organization_id,
        since=_day_start(filters.since) if filters.since else None,
        until=_day_start(filters.until + timedelta(days=1)) if filters.until else None,
        solved=filters.solved,
        hidden_keys=outbox.hidden_keys() if _needs_hidden_keys() else (),
        sort=filters.sort,
        match=filters.match,
        offset=(filters.page - 1) * filters.per_page,
        limit=filters.per_page,
        facets=facets,
    )


def search(member, filters: Filters, *, facets: bool = True, named: int | None = None) -> Results:
    """``named``: name only each facet's ``named`` values with the most results (and those
    tied with the last of them, the chosen one and the groups of the hits shown); the others
    keep None for a name. A page shows ten of a common word's hundreds of organizations
    (naming them all: 1.3 ms)."""
    query = query_for(member, filters, facets=facets)
    if not query.terms or not query.tokens:
        return Results(filters=filters, results=[], total=0, facets={})
    page = get_backend().search(query)
    broadened = _broadens(query, page)
    if broadened:
        page = get_backend().search(replace(query, match="any", terms=_worded(query.terms)))
    wanted = {word for term in query.terms for spelling in term.spellings for word in spelling}
    also = {"group_id": {filters.group_id, *(hit.group_id for hit in page.hits)},
            "organization_id": {filters.organization_id}}  # fmt: skip
    facets = _named_facets(page.facets, named, also)
    groups = _group_names(page.hits, facets)
    results = [Result(hit, highlight(hit.title, wanted, matched=hit.title_matched),
                      snippet(hit.body, wanted, matched=hit.body_matched),
                      groups.get(hit.group_id, "")) for hit in page.hits]  # fmt: skip
    return Results(filters=filters, results=results, total=page.total, facets=facets,
                   broadened=broadened, more=page.more)  # fmt: skip


def _broadens(query: Query, page) -> bool:
    """Whether to look again for any of the terms: nothing held them all, on the first page of
    a search of several terms, as Discourse and the big engines do rather than show nothing."""
    return (page.total == 0 and query.match == "all" and query.offset == 0
            and len(query.terms) > 1 and bool(_worded(query.terms)))  # fmt: skip


def _worded(terms: tuple) -> tuple:
    """The terms that are more than numbers: alone, 1 of 「1=1」 finds every dated text."""
    return tuple(t for t in terms if not all(w.isdigit() for s in t.spellings for w in s))


def similar(member, title: str, *, kinds: tuple[str, ...] = (), limit: int = 5) -> list[Result]:
    """Up to ``limit`` documents holding any of the content words of ``title``, the best
    matches, solved ones first: what a member writing a new question should read first."""
    filters = Filters(q=title, kinds=kinds, match="any", per_page=limit)
    return sorted(search(member, filters, facets=False).results, key=lambda r: not r.hit.solved)


def _group_names(hits: list[Hit], facets: dict) -> dict[int, str]:
    """The names of the hits' groups: from the group facet, else asked once for the page."""
    known = {key: label for key, label, _count in facets.get("group_id", []) if label is not None}
    missing = sorted({hit.group_id for hit in hits if hit.group_id is not None} - known.keys())
    return known | registry.facet_names("group_id", missing)


def _named_facets(facets: dict[str, dict], named: int | None, also: dict) -> dict[str, list]:
    """Each facet's (value, name, count) rows, most results first (then by name); the values
    left unnamed (``named``: see search()) last, with None for a name."""
    rows_of = {}
    for name, counts in facets.items():
        wanted = _to_name(counts, named, also.get(name, set()))
        if name == "kind":
            labels = {p.kind: p.label for p in registry.providers()}
        else:
            labels = registry.facet_names(name, [k for k in wanted if k is not None])
        rows = [(key, str(labels[key]), counts[key]) for key in wanted if key in labels]
        rows.sort(key=lambda row: (-row[2], row[1]))
        rows += [(key, None, count) for key, count in counts.items() if key not in wanted]
        rows_of[name] = rows
    return rows_of


def _to_name(counts: dict, named: int | None, also: set) -> set:
    if named is None or len(counts) <= named:
        return set(counts)
    least = sorted(counts.values(), reverse=True)[named - 1]
    return {key for key, count in counts.items() if count >= least or key in also}


def _marked(source: str, spans: list[tuple[int, int]]) -> SafeString:
    parts, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        parts += [escape(source[last:start]), f"<mark>{escape(source[start:end])}</mark>"]
        last = end
    parts.append(escape(source[last:]))
    return mark_safe("".join(parts))


def _spans(source: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Where to mark: the words as written when the text has some (cheap), else every word
    Sudachi reads as one of them (申込み for 申し込み: a tenth of a millisecond for a title)."""
    return _written_spans(source, wanted) or text.surfaces(source, wanted)


def _written_spans(source: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Every place a word of two characters or more stands as written, the longest first where
    two start together, and a shorter word where it touches one of those (督促状 for 督促 状);
    nothing when every word is shorter (状 alone would mark every 状 in 現状)."""
    lowered = source.lower()
    longer = {word for word in wanted if len(word) >= 2}
    if len(lowered) != len(source) or not longer:
        return []
    spans = _places(lowered, longer)
    starts, ends = {start for start, _ in spans}, {end for _, end in spans}
    spans += [(start, end) for start, end in _places(lowered, wanted - longer)
              if start in ends or end in starts]  # fmt: skip
    return sorted(spans, key=lambda span: (span[0], -span[1]))


def _places(lowered: str, words) -> list[tuple[int, int]]:
    spans = []
    for word in words:
        start = lowered.find(word)
        while start >= 0:
            spans.append((start, start + len(word)))
            start = lowered.find(word, start + len(word))
    return spans


def highlight(source: str, wanted: set[str], matched: bool | None = None) -> SafeString:
    """``source`` escaped, the words marked: as written, else as Sudachi reads them, unless
    the backend says no word stands in it (``matched`` False: the title of a hit found by
    its body, 0.1 ms a title)."""
    spans = _written_spans(source, wanted)
    if not spans and matched is not False:
        spans = text.surfaces(source, wanted)
    return _marked(source, spans)


def snippet(body: str, wanted: set[str], matched: bool | None = None) -> SafeString:
    """About SNIPPET_CHARS characters of the body around its first matching word, with every
    matching word marked; the opening of the body when no word matches in the part scanned, or
    when the backend says none stands in the body (``matched`` False: found by its title).
    The word is first looked for as written (cheap), and only then by Sudachi's reading of
    the opening SCAN_CHARS (申込み for a query that said 申し込み)."""
    read = None
    first = None if matched is False else _first_written(body, wanted)
    if first is None and matched is not False:
        read = text.first_surfaces(body[:SCAN_CHARS], wanted)
        first = read.spans[0][0] if read.spans else None
    if first is None:  # nothing to mark in the opening: Sudachi has read it, or need not
        return _window(body, 0, mark_safe(escape(body[:SNIPPET_CHARS])))
    start = max(0, first - SNIPPET_CHARS // 3)
    window = body[start : start + SNIPPET_CHARS]
    spans = _written_spans(window, wanted)
    if not spans and read and start + len(window) <= read.read:
        # Sudachi has read the window already: what it found there, not a second reading
        end = start + len(window)
        spans = [(a - start, b - start) for a, b in read.spans if start <= a and b <= end]
    return _window(body, start, _marked(window, spans or _spans(window, wanted)))


def _window(body: str, start: int, marked: SafeString) -> SafeString:
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_CHARS < len(body) else ""
    return mark_safe(f"{prefix}{marked}{suffix}")


def _first_written(body: str, wanted: set[str]) -> int | None:
    """Where a word first stands as written: one of two characters or more, if there are any."""
    lowered = body.lower()
    words = {word for word in wanted if len(word) >= 2} or wanted
    found = [at for at in (lowered.find(word) for word in words) if at >= 0]
    return min(found) if found and len(lowered) == len(body) else None


def _needs_hidden_keys() -> bool:
    """Whether the backend must be told which documents a pending change may hide (the
    embedded one reads the outbox in its own query)."""
    return getattr(get_backend(), "needs_hidden_keys", True)
