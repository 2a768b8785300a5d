"""Site search at scale over real HTTP (issue 14's benchmark): the embedded backend with 10,000
and 100,000 documents of generated Japanese text (``--sizes``), query latency through the site
against a bare Django view measured in the same run, indexing throughput (full reindex through
``manage.py search_reindex``, and the outbox drain of changed documents), and how query time
grows with the number of documents (see bench/README.md).

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--requests 200] [--warmup 20]
        [--drain 1000] [--seed 2024] [--keep-database]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_searchbench .venv/bin/python \\
        bench/search.py

How it works. The documents are real site content, so that the real providers (groups.search:
a topic with its opening post is one document, each reply another) and the real reindex
command index them: bench/_search.py writes groups, topics and replies in bulk with generated
Japanese text (ten themes of municipal work, Zipf-like word frequencies, spelling variants),
a third of the groups closed or secret, the viewer in some of them. For each size in turn,
smallest first, the bench adds topics until the providers would index that many documents
(a larger size is the smaller one plus more), then:

1. runs ``manage.py search_reindex`` as a subprocess (its progress bar on stderr) and times
   it from start to exit: a full rebuild from the providers into a new generation, swapped in;
2. marks ``--drain`` documents of the index as changed (``search.outbox.changed``, as the
   services do, in one transaction) and times ``search.outbox.drain()`` in this process: the
   incremental path a live site takes;
3. times each query of a fixed mix (a common word, a rare word, two words, a synonym, an
   okurigana variant, filters, sort by date, page 3), as HTML and as JSON (``format=json``),
   interleaved with the bare view over one kept-alive connection (_common.interleaved_requests);
   counts the SQL queries of one request of each in this process (test client,
   CaptureQueriesContext, as pages.py does) and times a few more there, split into the parts
   of a search (the viewer's audience tokens, the backend's queries, snippets and highlighted
   titles, the search service as a whole; the rest is the view, its template and the
   middleware): where the time goes, and which part grows with the index.

Targets: at 100,000 documents every query's p95 within 5× the bare view's p50 and the full
reindex within 120 s; query time growing sub-linearly (from one size to the next, each query's
p50 grows by less than the number of documents does).

Prints an indexing table, a query table per size and a growth table, then one JSON object
with every figure as the very last line."""

import argparse
import os
import random
import secrets
import subprocess
import sys
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common, _search, forum, pages  # noqa: E402

VIEWER_EMAIL = "bench-search@city.kobe.lg.jp"
TARGETS = {"p95_ratio_to_bare_p50": 5, "reindex_seconds_at_100000": 120, "growth": "sub-linear"}
SERVICE_REPEATS = 20
SERVICE_SECONDS = 10
MIN_ROUNDS = 5
QUERY_COLUMNS = [
    ("query", "query"), ("format", "format"), ("hits", "hits"), ("share %", "share"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"), ("req/s", "requests_per_second"),
    ("queries", "queries"), ("bytes", "bytes"), ("p50 / bare", "p50_ratio_to_bare"),
    ("p95 / bare p50", "p95_ratio_to_bare_p50"), ("p95 ≤ 5×", "target"),
    ("in-process ms", "request_ms"), ("tokens", "tokens_ms"), ("backend", "backend_ms"),
    ("snippets", "snippets_ms"), ("service", "service_ms"),
]  # fmt: skip
INDEX_COLUMNS = [
    ("documents", "documents"), ("topics", "topics"), ("replies", "replies"),
    ("generated s", "generate_seconds"), ("reindex s", "reindex_seconds"),
    ("reindex docs/s", "reindex_per_second"), ("drained", "drained"),
    ("drain s", "drain_seconds"), ("drain docs/s", "drain_per_second"),
    ("index MB", "index_mb"), ("load", "load_average"), ("reindex ≤ 120 s", "target"),
]  # fmt: skip
GROWTH_COLUMNS = [
    ("query", "query"), ("format", "format"), ("from", "from"), ("to", "to"),
    ("documents ×", "documents_ratio"), ("p50 ×", "p50_ratio"), ("own p50 ×", "own_p50_ratio"),
    ("backend ×", "backend_ratio"), ("sub-linear", "sublinear"),
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,100000",
        help="numbers of documents, comma-separated, measured smallest first",
    )  # fmt: skip
    parser.add_argument("--requests", type=int, default=200, help="timed requests per query")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per query first")
    parser.add_argument(
        "--budget", type=float, default=900,
        help="seconds of timed requests per size at most (then fewer rounds than --requests)",
    )  # fmt: skip
    parser.add_argument(
        "--queries", default=",".join(QUERY_KEYS),
        help=f"the queries of the mix to measure, comma-separated, of {','.join(QUERY_KEYS)}",
    )  # fmt: skip
    parser.add_argument("--formats", default="html,json", help="html, json or both")
    parser.add_argument("--drain", type=int, default=1000, help="changed documents drained")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the content")
    parser.add_argument(
        "--keep-database", action="store_true",
        help="keep the bench database afterwards (default: drop it, or delete the SQLite file)",
    )  # fmt: skip
    args = parser.parse_args()
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error("--sizes must be numbers separated by commas, e.g. 10000,100000")
    if not args.sizes or not all(100 <= size <= 10_000_000 for size in args.sizes):
        parser.error("--sizes must be 100..10000000 each")
    if not 2 <= args.requests <= 100_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 2..100000 and --warmup 0..10000")
    args.queries = [key.strip() for key in args.queries.split(",") if key.strip()]
    args.formats = [kind.strip() for kind in args.formats.split(",") if kind.strip()]
    if not args.queries or not set(args.queries) <= set(QUERY_KEYS):
        parser.error(f"--queries must name some of {','.join(QUERY_KEYS)}")
    if not args.formats or not set(args.formats) <= {"html", "json"}:
        parser.error("--formats must be html, json or html,json")
    if not 0 <= args.drain <= 1_000_000:
        parser.error("--drain must be 0..1000000")
    return args


# --- the query mix ------------------------------------------------------------------------


QUERY_KEYS = ("common", "rare", "two", "synonym", "okurigana", "filters", "date", "page")


def query_mix(site: _search.Site, keys=QUERY_KEYS) -> list[tuple[str, dict]]:
    """(name, the /search/ parameters) of each measured query whose key is in ``keys``."""
    from django.utils import timezone

    closed = site.readable_group("closed")
    since = (timezone.localdate() - timedelta(days=365)).isoformat()
    mix = {
        "common": ("common word 窓口", {"q": "窓口"}),
        "rare": ("rare word 雨漏り", {"q": "雨漏り"}),
        "two": ("two words 督促状 文例", {"q": "督促状 文例"}),
        "synonym": ("synonym 国保税", {"q": "国保税"}),
        "okurigana": ("okurigana 申し込み", {"q": "申し込み"}),
        "filters": ("filters kind+group+since", {"q": "督促状", "kind": "topic",
                                                 "group": closed["id"], "since": since}),
        "date": ("sort by date 窓口", {"q": "窓口", "sort": "date"}),
        "page": ("page 3 窓口", {"q": "窓口", "page": 3}),
    }  # fmt: skip
    return [mix[key] for key in QUERY_KEYS if key in keys]


def search_path(params: dict, json: bool) -> str:
    return "/search/?" + urllib.parse.urlencode({**params, **({"format": "json"} if json else {})})


class Timers:
    """While active, the time spent in the parts of a search request, summed per request (this
    process only; the functions are wrapped where search.services and the view look them up):
    the viewer's audience tokens (every provider asked), the backend's queries, the snippets
    and highlighted titles, and search.services.search as a whole (whose total it keeps)."""

    PARTS = ("tokens", "backend", "snippets", "service")

    def __enter__(self):
        from search import registry, services
        from search.backends import get_backend

        self.spent = dict.fromkeys(self.PARTS, 0.0)
        self.total = 0
        backend = type(get_backend())
        self.patched = [
            (registry, "viewer_tokens", "tokens"), (backend, "search", "backend"),
            (services, "snippet", "snippets"), (services, "highlight", "snippets"),
            (services, "search", "service"),
        ]  # fmt: skip
        self.originals = [getattr(owner, name) for owner, name, _ in self.patched]
        for (owner, name, part), original in zip(self.patched, self.originals, strict=True):
            setattr(owner, name, self._timed(original, part))
        return self

    def _timed(self, original, part):
        def timed(*args, **kwargs):
            before = time.perf_counter()
            try:
                result = original(*args, **kwargs)
            finally:
                self.spent[part] += time.perf_counter() - before
            if part == "service":
                self.total = result.total
            return result

        return timed

    def __exit__(self, *exc):
        for (owner, name, _), original in zip(self.patched, self.originals, strict=True):
            setattr(owner, name, original)

    def reset(self):
        self.spent = dict.fromkeys(self.PARTS, 0.0)


def in_process(viewer, path: str) -> dict:
    """One request's SQL queries (pages.count_queries: test client, one warm request first)
    and, with Timers, the median of up to SERVICE_REPEATS more (fewer when they take more than
    SERVICE_SECONDS): the whole request in this process and its parts, in ms; the hits."""
    from django.test import Client

    figures = {"queries": pages.count_queries(viewer, path)}
    client = Client()
    client.force_login(viewer)
    samples = []
    deadline = time.monotonic() + SERVICE_SECONDS
    with Timers() as timers:
        while len(samples) < SERVICE_REPEATS and (not samples or time.monotonic() < deadline):
            timers.reset()
            before = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - before
            if response.status_code != 200:
                raise SystemExit(f"in-process GET {path}: {response.status_code}")
            samples.append({"request": elapsed, **timers.spent})
    for part in ("request", *Timers.PARTS):
        values = sorted(sample[part] for sample in samples)
        figures[f"{part}_ms"] = round(values[len(values) // 2] * 1000, 2)
    figures["hits"] = timers.total
    return figures


# --- indexing -----------------------------------------------------------------------------


def reindex() -> float:
    """``manage.py search_reindex`` in a subprocess with this environment (its progress bar on
    this terminal's stderr); wall seconds from start to exit."""
    before = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", "search_reindex"], cwd=_common.ROOT, env=dict(os.environ),
        stdout=sys.stderr, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - before
    if completed.returncode != 0:
        raise SystemExit(f"search_reindex exited with {completed.returncode}")
    return seconds


def indexed() -> int:
    from search.models import Entry, IndexState

    state = IndexState.objects.first()
    return Entry.objects.filter(generation=state.active if state else 1).count()


def drain(count: int, seed: int) -> tuple[int, float]:
    """Mark ``count`` random documents of the index as changed, in one transaction as a service
    would, then time the drain that writes them again; (rows drained, seconds)."""
    from django.db import transaction

    from search import outbox
    from search.models import Entry, IndexState

    if count == 0:
        return 0, 0.0
    active = IndexState.objects.first().active
    keys = list(Entry.objects.filter(generation=active).values_list("key", flat=True))
    chosen = random.Random(seed).sample(keys, min(count, len(keys)))
    with transaction.atomic():
        outbox.changed(*chosen)
    before = time.perf_counter()
    done = outbox.drain()
    return done, time.perf_counter() - before


def index_megabytes() -> float:
    """The index's size on disk: the entries with their indexes (and the FTS5 tables)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('search_entry') "
                "+ pg_total_relation_size('search_entrybody')"
            )
            size = cursor.fetchone()[0]
        else:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search_fts%' "
                "OR name = 'search_entry' OR name LIKE 'search_entry%' "
                "OR name LIKE 'sqlite_autoindex_search_entry%'"
            )
            size = cursor.fetchone()[0] or 0
    return round(size / 1_000_000, 1)


def analyze() -> None:
    """Planner statistics on PostgreSQL, as autovacuum would have gathered them on a live site."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- one size -----------------------------------------------------------------------------


def measure_size(size: int, site, base_url: str, cookie: str, args) -> tuple[dict, list[dict]]:
    from django.db import connections

    generated_before = site.seconds
    counted = _search.grow_to(site, size, args.seed)
    analyze()
    generate_seconds = site.seconds - generated_before
    print(f"{size:,} documents: {site.topics:,} topics, {site.posts:,} posts in total "
          f"({counted}); generated in {generate_seconds:.1f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    connections.close_all()
    reindex_seconds = reindex()
    analyze()
    documents = indexed()
    drained, drain_seconds = drain(args.drain, args.seed + size)
    index_row = {
        "size": size, "documents": documents, "topics": counted.get("topic", 0),
        "replies": counted.get("post", 0), "generate_seconds": round(generate_seconds, 1),
        "reindex_seconds": round(reindex_seconds, 1),
        "reindex_per_second": round(documents / reindex_seconds),
        "drained": drained, "drain_seconds": round(drain_seconds, 2),
        "drain_per_second": round(drained / drain_seconds) if drain_seconds else 0,
        "index_mb": index_megabytes(), "load_average": round(os.getloadavg()[0], 2),
    }  # fmt: skip
    if size == 100_000:
        met = reindex_seconds <= TARGETS["reindex_seconds_at_100000"]
        index_row["target"] = "pass" if met else "FAIL"
    else:
        index_row["target"] = "-"
    print(f"reindexed {documents:,} documents in {reindex_seconds:.1f} s; drained {drained} in "
          f"{drain_seconds:.2f} s", file=sys.stderr, flush=True)  # fmt: skip
    rows = measure_queries(site, base_url, cookie, args, documents)
    return index_row, rows


def measure_queries(site, base_url: str, cookie: str, args, documents: int) -> list[dict]:
    import httpx

    from bench._asgi import BARE_PATH

    targets = [("bare Django view", "-", BARE_PATH, None)]
    for name, params in query_mix(site, args.queries):
        targets += [(name, kind, search_path(params, kind == "json"), params)
                    for kind in ("html", "json") if kind in args.formats]  # fmt: skip
    inside = {path: in_process(site.viewer, path) if params else
              {"queries": pages.count_queries(site.viewer, path),
               **{f"{part}_ms": "-" for part in ("request", *Timers.PARTS)}}
              for _, _, path, params in targets}  # fmt: skip
    load = round(os.getloadavg()[0], 2)
    headers = {"Cookie": cookie, "Accept-Language": "ja"}
    with httpx.Client(base_url=base_url, headers=headers, follow_redirects=False,
                      timeout=60) as http:  # fmt: skip
        every = interleaved(http, [path for _, _, path, _ in targets], args)
    bare = every[0]["p50_ms"]
    rows = []
    for (name, kind, path, params), figures in zip(targets, every, strict=True):
        ratio = round(figures["p95_ms"] / bare, 2)
        measured = inside[path]
        hits = measured.pop("hits") if params else "-"
        rows.append({
            "query": name, "format": kind, "path": path, "hits": hits,
            "share": round(100 * hits / documents, 2) if params else "-",
            **figures, **measured,
            "p50_ratio_to_bare": round(figures["p50_ms"] / bare, 2),
            "p95_ratio_to_bare_p50": ratio, "load_average_before": load,
            "target": "-" if params is None else
            ("pass" if ratio <= TARGETS["p95_ratio_to_bare_p50"] else "FAIL"),
        })  # fmt: skip
    return rows


def interleaved(http, paths: list[str], args) -> list[dict]:
    """_common.interleaved_requests with a time limit: warm-up and timed rounds (each GETs
    every path once) stop early once ``--budget`` seconds have gone into the timed ones (after
    at least MIN_ROUNDS), so that a size where searches take seconds still finishes; the figures
    say how many rounds were timed."""
    warmup_deadline = time.monotonic() + args.budget / 10
    for _ in range(args.warmup):
        for path in paths:
            _common.get_ok(http, path)
        if time.monotonic() > warmup_deadline:
            break
    latencies: list[list[float]] = [[] for _ in paths]
    sizes = [0] * len(paths)
    deadline = time.monotonic() + args.budget
    rounds = 0
    least = min(MIN_ROUNDS, args.requests)
    while rounds < args.requests and (rounds < least or time.monotonic() < deadline):
        for index, path in enumerate(paths):
            before = time.perf_counter()
            sizes[index] = _common.get_ok(http, path).num_bytes_downloaded  # on the wire
            latencies[index].append(time.perf_counter() - before)
        rounds += 1
    return [{**_common.summary(times, sum(times)), "bytes": size, "rounds": rounds}
            for times, size in zip(latencies, sizes, strict=True)]  # fmt: skip


def growth(sizes: list[int], indexing: dict, per_size: dict) -> list[dict]:
    """For each query and each pair of consecutive sizes: how much its p50 (through the site,
    the site's part above the bare view, and the service alone) grew against the documents."""
    rows = []
    for small, large in zip(sizes, sizes[1:], strict=False):
        documents = indexing[large]["documents"] / indexing[small]["documents"]
        bare_small, bare_large = per_size[small][0]["p50_ms"], per_size[large][0]["p50_ms"]
        for before, after in zip(per_size[small][1:], per_size[large][1:], strict=True):
            p50 = after["p50_ms"] / before["p50_ms"]
            own_before = max(before["p50_ms"] - bare_small, 0.01)
            own = (after["p50_ms"] - bare_large) / own_before
            backend = after["backend_ms"] / max(before["backend_ms"], 0.01)
            rows.append({
                "query": after["query"], "format": after["format"], "from": small, "to": large,
                "documents_ratio": round(documents, 2), "p50_ratio": round(p50, 2),
                "own_p50_ratio": round(own, 2), "backend_ratio": round(backend, 2),
                "sublinear": "pass" if p50 < documents else "FAIL",
            })  # fmt: skip
    return rows


def main() -> None:
    args = parse_args()
    given = forum.database_given()
    forum.fresh_database(given)
    _common.configure("search")
    # One member searches thousands of times in a row, far past the per-member limits.
    os.environ.setdefault("RATE_LIMITS_ENABLED", "false")
    _common.prepare_database()
    from django.conf import settings
    from django.db import connection

    from bench._asgi import BARE_PATH

    password = secrets.token_urlsafe(16)
    viewer = pages.create_member(VIEWER_EMAIL, "計測 一郎", "けいそく いちろう",
                                 "検索のベンチマーク用の会員です。", password)  # fmt: skip
    site = _search.create_site(viewer, args.seed)
    indexing, per_size = {}, {}
    started = time.perf_counter()
    try:
        with _common.daphne("bench._asgi:application", ready_path=BARE_PATH,
                            log_name="search-daphne.log") as base_url:  # fmt: skip
            cookie = pages.log_in(base_url, VIEWER_EMAIL, password)
            for size in args.sizes:
                indexing[size], per_size[size] = measure_size(size, site, base_url, cookie, args)
                report_size(size, indexing[size], per_size[size], args, connection.vendor)
    finally:
        if not args.keep_database:
            forum.remove_database()
    growth_rows = growth(args.sizes, indexing, per_size)
    report(args, indexing, per_size, growth_rows, connection.vendor, settings.DEBUG,
           round(time.perf_counter() - started), given is not None)  # fmt: skip


def report_size(size: int, index_row: dict, rows: list[dict], args, vendor: str) -> None:
    title = (
        f"Search over HTTP at {index_row['documents']:,} documents ({vendor}): 1 daphne "
        f"process on 127.0.0.1, one client, requests one after another, the queries taking "
        f"turns with the bare view; {rows[0]['rounds']} timed rounds (of {args.requests}) after "
        f"{args.warmup} warm-up each; "
        f"{os.cpu_count()} cores, load average {rows[0]['load_average_before']} before"
    )
    _common.print_table(title, QUERY_COLUMNS, rows)
    print(flush=True)


def report(args, indexing, per_size, growth_rows, vendor, debug, seconds, given) -> None:
    index_rows = [indexing[size] for size in args.sizes]
    _common.print_table(
        f"Indexing ({vendor}): full reindex = manage.py search_reindex in a subprocess, wall "
        f"time; drain = {args.drain} changed documents through search.outbox.drain()",
        INDEX_COLUMNS, index_rows,
    )  # fmt: skip
    print()
    if growth_rows:
        _common.print_table(
            "Growth of the query time (p50 through the site; own = p50 minus the bare view's; "
            "backend = the backend's search alone, in this process): sub-linear when p50 grows "
            "less than the documents do", GROWTH_COLUMNS, growth_rows,
        )  # fmt: skip
        print()
    judged = [row for rows in per_size.values() for row in rows[1:]]
    at_target = per_size.get(100_000, [])[1:]
    all_met = (
        all(row["target"] == "pass" for row in at_target)
        and all(row["target"] != "FAIL" for row in index_rows)
        and all(row["sublinear"] == "pass" for row in growth_rows)
    )
    print(f"targets: {'all met' if all_met else 'NOT all met (see the FAIL cells)'}"
          f"{'' if at_target else ' (no 100,000-document size measured)'}")  # fmt: skip
    _common.print_json_line({
        "bench": "search", "cores": os.cpu_count(), "database": vendor, "database_given": given,
        "debug": debug, "backend": "embedded", "sizes": args.sizes, "requests": args.requests,
        "warmup": args.warmup, "budget": args.budget, "query_keys": args.queries,
        "formats": args.formats, "seed": args.seed, "targets": TARGETS, "all_targets_met": all_met,
        "indexing": index_rows, "queries": {str(size): per_size[size] for size in args.sizes},
        "growth": growth_rows, "worst_p95_ratio": max(r["p95_ratio_to_bare_p50"] for r in judged),
        "seconds": seconds, "load_average": os.getloadavg(),
    })  # fmt: skip


if __name__ == "__main__":
    main()
