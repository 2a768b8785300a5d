"""The Meilisearch backend (used when MEILISEARCH_URL is set), through the official client.

It indexes what the embedded backend indexes: the SudachiPy tokens of title, tags and body
(search.text.tokens), space-joined, in three searchable attributes tokenised as Japanese
(``localizedAttributes``; kanji-only text is otherwise taken for Chinese). A query is sent as the
normalised words of its terms with ``matchingStrategy: "all"``, so every word must match, as in
the embedded backend. Who may see what is a filter on the audience slots, built here with every
value quoted.

Synonyms are *not* Meilisearch's ``synonyms`` setting. Checked against its source and issues:
Meilisearch normalises synonyms with a tokenizer that ignores ``localizedAttributes`` (language
detected per synonym), so kanji-only ones go through the Chinese pipeline (meilisearch#3646:
会計 is stored as 会计) and no longer meet the Japanese-tokenised index; multi-word synonyms are
matched as phrases, and only 1-3-word query n-grams are looked up. Instead every document gets
one token per spelling group (a synonym line of search/data/synonyms.tsv) whose spelling it
holds, decided with the very rule of the embedded backend (all words of any one spelling), and a
query term with several spellings is sent as that token. After editing the synonym list, run
``manage.py search_reindex``.

Known limits of Meilisearch itself: it reads only the first 10 words of a query (words beyond
widen the result, never the audience), and indexes at most 65,535 words per attribute."""

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from functools import cache

import meilisearch
from django.utils import timezone
from meilisearch.errors import MeilisearchApiError

from search import text, tokenizing
from search.documents import AUDIENCE_SLOTS, Document, Hit, Page, Query

SEARCHABLE = ("title_words", "tags_words", "body_words")  # in ranking order
DISPLAYED = ("key", "kind", "title", "body", "url", "date_iso", "group_id", "organization_id",
             "solved")  # fmt: skip
AUDIENCE = tuple(f"audience_{slot}" for slot in range(AUDIENCE_SLOTS))
FILTERABLE = ("key", "kind", "group_id", "organization_id", "solved", "date", *AUDIENCE)
FACETS = ("kind", "group_id", "organization_id")
LOCALE = "jpn"
MAX_TOTAL_HITS = 10_000  # the largest total (and last reachable result) a search reports
MAX_FACET_VALUES = 1_000
WRITE_TIMEOUT_MS = 30_000
SETUP_TIMEOUT_MS = 600_000  # settings on a full index and rebuild batches may take minutes
POLL_MS = 100
IN_FLIGHT = 4  # rebuild batches sent ahead before waiting for the oldest
REBUILD_SUFFIX = "__rebuild"
_ESCAPED = re.compile(r"[^A-Za-z0-9:]")


class MeilisearchTaskFailed(RuntimeError):
    """A task the server took did not succeed; the caller (the outbox drain) tries again."""


# --- documents -------------------------------------------------------------------------------
def document_id(key: str) -> str:
    """The primary key for a document key. Meilisearch ids allow [A-Za-z0-9_-] only: ":" becomes
    "-" ("topic:12" → "topic-12"), "_" is doubled and any other character is written as
    _<hex>_, so that different keys never share an id."""

    def escape(match: re.Match) -> str:
        char = match.group()
        return "__" if char == "_" else f"_{ord(char):x}_"

    return _ESCAPED.sub(escape, key).replace(":", "-")


def document_key(document_id: str) -> str:
    """document_id() undone."""
    key, position = [], 0
    while position < len(document_id):
        char = document_id[position]
        if char == "-":
            key.append(":")
        elif char == "_" and document_id[position + 1] == "_":
            key.append("_")
            position += 1
        elif char == "_":
            end = document_id.index("_", position + 1)
            key.append(chr(int(document_id[position + 1 : end], 16)))
            position = end
        else:
            key.append(char)
        position += 1
    return "".join(key)


@cache
def spelling_groups() -> dict[str, tuple[str, tuple[tuple[str, ...], ...]]]:
    """{query term: (its group token, its spellings)} for every synonym-list term that a query
    would parse (search.text.parse) into more than one spelling."""
    groups = {}
    for term in text.synonyms():
        parsed = text.parse(term)
        if " " in term or len(parsed) != 1 or len(parsed[0].spellings) < 2:
            continue
        groups[term] = (group_token(term), parsed[0].spellings)
    return groups


def group_token(term: str) -> str:
    """A word no text holds, made of lower-case ASCII letters only, so that every tokenizer
    keeps it whole: "zsyn" and the term's SHA-1 written in the letters a-p."""
    digest = hashlib.sha1(term.encode()).hexdigest()[:16]
    return "zsyn" + "".join(chr(ord("a") + int(digit, 16)) for digit in digest)


def _with_group_tokens(fields: list[list[str]]) -> list[list[str]]:
    """Each field's words, plus the token of every spelling group the document holds (all
    words of one spelling, anywhere in it), in the first field that holds a spelling whole."""
    held = set().union(*fields)
    fields = [list(words) for words in fields]
    for token, spellings in spelling_groups().values():
        if not any(held.issuperset(spelling) for spelling in spellings):
            continue
        whole = [i for i, words in enumerate(fields)
                 if any(set(words).issuperset(spelling) for spelling in spellings)]  # fmt: skip
        fields[whole[0] if whole else len(fields) - 1].append(token)
    return fields


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def to_document(document: Document, fields=None) -> dict:
    """What Meilisearch stores for a document (``fields``: its tokens, when made already)."""
    fields = fields or tokenizing.fields(document)
    moment = _aware(document.date)
    slots = document.slots()
    return {
        "id": document_id(document.key), "key": document.key, "kind": document.kind,
        "title": document.title, "body": document.body, "url": document.url,
        "date": moment.timestamp(), "date_iso": moment.isoformat(), "group_id": document.group_id,
        "organization_id": document.organization_id, "solved": document.solved,
        "tags": list(document.tags), **dict(zip(AUDIENCE, slots, strict=True)),
        **{name: " ".join(words)
           for name, words in zip(SEARCHABLE, _with_group_tokens(fields), strict=True)},
    }  # fmt: skip


def to_hit(stored: dict) -> Hit:
    moment = datetime.fromisoformat(stored["date_iso"])
    return Hit(key=stored["key"], kind=stored["kind"], title=stored["title"],
               body=stored["body"], url=stored["url"],
               date=moment if moment.tzinfo else moment.replace(tzinfo=UTC),
               group_id=stored.get("group_id"), organization_id=stored.get("organization_id"),
               solved=bool(stored.get("solved")))  # fmt: skip


# --- settings --------------------------------------------------------------------------------
def index_settings() -> dict:
    return {
        "searchableAttributes": list(SEARCHABLE),
        "displayedAttributes": list(DISPLAYED),
        "filterableAttributes": list(FILTERABLE),
        "sortableAttributes": ["date"],
        # "sort" first: a search sorted by date is in date order only, as in the embedded
        # backend; without a sort it does nothing, and ties in relevance go newest first.
        # ("attribute" and not its 1.36 successors attributeRank/wordPosition: the image in
        # docker-compose.yml is 1.28, and later versions keep "attribute" as an alias.)
        "rankingRules": [
            "sort",
            "words",
            "typo",
            "proximity",
            "attribute",
            "exactness",
            "date:desc",
        ],  # fmt: skip
        "localizedAttributes": [{"attributePatterns": list(SEARCHABLE), "locales": [LOCALE]}],
        # See the module's docstring: spelling groups instead.
        "synonyms": {},
        # No typos: the words are SudachiPy's normalised forms, which already join the variants
        # a typo rule would guess at (申込み/申し込み, サーバ/サーバー, ＤＸ/DX), and Meilisearch
        # counts typos in characters, so in Japanese one "typo" is another word: 国民健康保険税
        # (a tax) would find 国民健康保険料 (a premium), 財政課 would find 財務課. A raised
        # minWordSizeForTypos only moves the line; the embedded backend has none either.
        "typoTolerance": {"enabled": False},
        # A query holds whole words (SudachiPy's), so a prefix of the last one would only add
        # wrong matches (財 → 財政, 財源), which the embedded backend does not make either.
        "prefixSearch": "disabled",
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "faceting": {"maxValuesPerFacet": MAX_FACET_VALUES, "sortFacetValuesBy": {"*": "count"}},
        "facetSearch": False,  # facet values are named by the apps, never searched
    }


# --- filters ---------------------------------------------------------------------------------
def quote(value: object) -> str:
    """A string value for a filter expression: in double quotes, with backslash and double quote
    escaped (Meilisearch ≥ 1.4 reads \\\\ as \\ and \\" as "), so that no value (quotes,
    brackets, OR, NOT, …) ever leaves its quotes."""
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def value_list(values: Iterable[object]) -> str:
    return "[" + ", ".join(quote(value) for value in values) + "]"


def _number(value: float) -> str:
    return f"{float(value):.6f}"  # never an exponent, which the filter syntax does not read


def _timestamp(value: date | datetime) -> float:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return _aware(value).timestamp()


def filters(query: Query, leave_out: str = "") -> list[str]:
    """The query's conditions, all of which must hold; ``leave_out`` names the facet whose own
    condition is left out to count that facet's values."""
    tokens = value_list(sorted(query.tokens))
    conditions = [f"{name} IN {tokens}" for name in AUDIENCE]
    if query.hidden_keys:
        conditions.append(f"NOT key IN {value_list(query.hidden_keys)}")
    if query.kinds and leave_out != "kind":
        conditions.append(f"kind IN {value_list(query.kinds)}")
    for name in ("group_id", "organization_id"):
        value = getattr(query, name)
        if value is not None and leave_out != name:
            conditions.append(f"{name} = {int(value)}")
    if query.solved:
        conditions.append("solved = true")
    if query.since:
        conditions.append(f"date >= {_number(_timestamp(query.since))}")
    if query.until:
        conditions.append(f"date < {_number(_timestamp(query.until))}")
    return conditions


# --- searching -------------------------------------------------------------------------------
def query_words(query: Query) -> str:
    """Each term as the words of its own spelling, or as its spelling group's token when it has
    several spellings; all of them must match."""
    groups = spelling_groups()
    words = []
    for term in query.terms:
        group = groups.get(term.text)
        if len(term.spellings) > 1 and group and group[1] == term.spellings:
            words.append(group[0])
        else:
            words += term.spellings[0]
    return " ".join(dict.fromkeys(words))


def _paging(offset: int, limit: int) -> tuple[dict, int]:
    """page/hitsPerPage (which give an exhaustive total, unlike offset/limit) for this window,
    and how many of the returned hits to skip."""
    if limit > 0 and offset % limit == 0:
        return {"page": offset // limit + 1, "hitsPerPage": limit}, 0
    return {"page": 1, "hitsPerPage": offset + max(limit, 0)}, offset


def search_requests(index: str, query: Query) -> list[dict]:
    """The multi-search queries for one search: the page (with the facets whose condition is
    not set), then one count-only query per facet whose own condition is set, left out."""
    # "any" (a new topic's title, for similar questions): Meilisearch's "frequency" strategy
    # drops the commonest words first until something matches, ranked as usual.
    strategy = "frequency" if query.match == "any" else "all"
    base = {"indexUid": index, "q": query_words(query), "matchingStrategy": strategy,
            "locales": [LOCALE]}  # fmt: skip
    paging, _skip = _paging(query.offset, query.limit)
    page = base | paging | {"filter": filters(query), "attributesToRetrieve": list(DISPLAYED)}
    if query.sort == "date":
        page["sort"] = ["date:desc"]
    counts = []
    if query.facets:
        own = [name for name in FACETS if _filtered(query, name)]
        page["facets"] = [name for name in FACETS if name not in own]
        counts = [base | {"filter": filters(query, leave_out=name), "facets": [name],
                          "page": 1, "hitsPerPage": 0} for name in own]  # fmt: skip
    return [page, *counts]


def _filtered(query: Query, facet: str) -> bool:
    return bool(query.kinds) if facet == "kind" else getattr(query, facet) is not None


def _facet_value(name: str, value: str):
    return value if name == "kind" else int(float(value))


def to_page(query: Query, results: list[dict]) -> Page:
    _paging_params, skip = _paging(query.offset, query.limit)
    page = results[0]
    hits = [to_hit(stored) for stored in page["hits"][skip:]]
    total = page.get("totalHits", 0)
    more = total >= MAX_TOTAL_HITS
    if not query.facets:
        return Page(hits=hits, total=total, more=more)
    distribution = dict(page.get("facetDistribution") or {})
    for result in results[1:]:
        distribution.update(result.get("facetDistribution") or {})
    facets = {name: {_facet_value(name, value): count
                     for value, count in (distribution.get(name) or {}).items()}
              for name in FACETS}  # fmt: skip
    return Page(hits=hits, total=total, facets=facets, more=more)


def _not_found(error: Exception) -> bool:
    return getattr(error, "code", None) == "index_not_found"


class MeilisearchBackend:
    name = "meilisearch"

    def __init__(self, url: str, api_key: str, index: str):
        self.client = meilisearch.Client(url, api_key or None, timeout=10)
        self.index_name = index
        self.rebuild_name = index + REBUILD_SUFFIX
        self._configured = False
        self._sent: list[int] = []  # rebuild batches not yet known to be in

    def health(self) -> dict:
        status = self.client.health().get("status")
        return {"ok": status == "available", "backend": self.name, "status": status,
                "index": self.index_name}  # fmt: skip

    # --- tasks and indexes --------------------------------------------------------------
    def _wait(self, task_uids: Iterable[int], timeout_ms: int = WRITE_TIMEOUT_MS) -> None:
        """Wait for these tasks; raise when one did not succeed (MeilisearchTimeoutError from
        the client when it takes longer than ``timeout_ms``)."""
        for uid in task_uids:
            task = self.client.wait_for_task(uid, timeout_in_ms=timeout_ms, interval_in_ms=POLL_MS)
            if task.status != "succeeded":
                raise MeilisearchTaskFailed(f"{task.type} {task.status}: {task.error}")

    def _ignoring(self, task_uid: int, code: str) -> None:
        task = self.client.wait_for_task(task_uid, timeout_in_ms=SETUP_TIMEOUT_MS,
                                         interval_in_ms=POLL_MS)  # fmt: skip
        if task.status != "succeeded" and (task.error or {}).get("code") != code:
            raise MeilisearchTaskFailed(f"{task.type} {task.status}: {task.error}")

    def _delete(self, uid: str) -> None:
        self._ignoring(self.client.delete_index(uid).task_uid, "index_not_found")

    def configure(self, uid: str | None = None) -> None:
        """Create the index (``uid``, the live one by default) if missing and apply the settings;
        the live one once per process."""
        uid = uid or self.index_name
        if uid == self.index_name and self._configured:
            return
        created = self.client.create_index(uid, {"primaryKey": "id"})
        self._ignoring(created.task_uid, "index_already_exists")
        settings_task = self.client.index(uid).update_settings(index_settings())
        self._wait([settings_task.task_uid], SETUP_TIMEOUT_MS)
        if uid == self.index_name:
            self._configured = True

    def _rebuilding(self) -> bool:
        try:
            self.client.get_raw_index(self.rebuild_name)
        except MeilisearchApiError as error:
            if _not_found(error):
                return False
            raise
        return True

    # --- writing -------------------------------------------------------------------------
    def write(self, documents: list[Document], deleted: list[str]) -> None:
        """Put these documents in (replacing their old versions) and take these keys out, in the
        live index and in the one a rebuild is filling; return once the server has done it."""
        self.configure()
        targets = [self.index_name] + ([self.rebuild_name] if self._rebuilding() else [])
        stored = [to_document(document) for document in documents]
        tasks = []
        for uid in targets:
            index = self.client.index(uid)
            if deleted:
                tasks.append(index.delete_documents(filter=f"key IN {value_list(deleted)}"))
            if stored:
                tasks.append(index.add_documents(stored, primary_key="id"))
        self._wait(task.task_uid for task in tasks)

    # --- rebuilding ----------------------------------------------------------------------
    def rebuild_start(self) -> str:
        """A new, empty index with the settings, which changes are written to from now on as
        well; its name is the target."""
        self._sent = []
        self._delete(self.rebuild_name)  # a rebuild that stopped half-way
        self.configure(self.rebuild_name)
        self.configure()
        return self.rebuild_name

    def rebuild_write(self, target: str, documents: list[Document], fields=None) -> None:
        if target != self.rebuild_name:
            raise ValueError(f"not a rebuild of {self.index_name}: {target}")
        # A document a change has written since this batch was read is newer than the batch.
        present = self._present(target, [document.key for document in documents])
        pairs = [(d, f) for d, f in zip(documents, fields or [None] * len(documents), strict=True)
                 if d.key not in present]  # fmt: skip
        if pairs:
            task = self.client.index(target).add_documents(
                [to_document(d, f) for d, f in pairs], primary_key="id"
            )
            self._sent.append(task.task_uid)
        while len(self._sent) > IN_FLIGHT:
            self._wait([self._sent.pop(0)], SETUP_TIMEOUT_MS)

    def _present(self, target: str, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        found = self.client.index(target).get_documents(
            {"filter": f"key IN {value_list(keys)}", "fields": ["key"], "limit": len(keys)}
        )
        return {document.key for document in found.results}

    def rebuild_swap(self, target: str) -> None:
        """Once every batch is in, swap the new index with the live one in one step (searches
        read one or the other, never neither) and delete the old one."""
        if target != self.rebuild_name:
            raise ValueError(f"not a rebuild of {self.index_name}: {target}")
        sent, self._sent = self._sent, []
        self._wait(sent, SETUP_TIMEOUT_MS)
        swap = self.client.swap_indexes([{"indexes": [self.index_name, target]}])
        self._wait([swap.task_uid], SETUP_TIMEOUT_MS)
        self._delete(target)

    def clear(self) -> None:
        self._delete(self.index_name)
        self._delete(self.rebuild_name)
        self._configured = False
        self._sent = []

    # --- reading -------------------------------------------------------------------------
    def search(self, query: Query) -> Page:
        if not query.terms or not query.tokens:
            return Page(hits=[], total=0, facets={name: {} for name in FACETS})
        try:
            answer = self.client.multi_search(search_requests(self.index_name, query))
        except MeilisearchApiError as error:
            if _not_found(error):  # nothing indexed yet
                return Page(hits=[], total=0, facets={name: {} for name in FACETS})
            raise
        return to_page(query, answer["results"])
