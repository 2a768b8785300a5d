"""Pages timed in this process, without daphne or a socket: what a page's own code costs, to
profile it. A sampling profiler sees only the site's work, one page at a time:

    .venv/bin/python bench/inprocess.py / /groups/pgbench-forum/t/1/ --requests 300
    .venv/bin/python bench/inprocess.py /knowledge/ --cold      # the fragment cache emptied first
    .venv/bin/python bench/inprocess.py /knowledge/ --after-change   # and a new content version
    py-spy record --nonblocking -r 700 -o home.svg -- .venv/bin/python bench/inprocess.py /

It reads the database bench/pages.py builds (var/bench/pages.sqlite3, or the DATABASE_URL
given) as its viewer, through Django's test client with the URLconf of bench/_asgi.py (so
/__bench__/bare and /__bench__/frame are there) and the process's collector set as
cityhall/asgi.py sets it. Prints p50/p95/p99, queries and size a page, the p50 as a ratio to
the bare view measured in the same run, then the same figures as one JSON line."""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402

BARE = "/__bench__/bare"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=["/__bench__/frame", "/"])
    parser.add_argument("--email", default="bench-viewer@city.kobe.lg.jp", help="the viewer")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per page first")
    parser.add_argument("--cold", action="store_true", help="empty the fragment cache first")
    parser.add_argument(
        "--after-change", action="store_true",
        help="a new knowledge content version before each request, as after any edit (and the "
        "fragment cache emptied): what every reader shares at a version is read again",
    )  # fmt: skip
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    database = _configure()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bench._asgi  # noqa: F401 (the bench URLconf; cityhall.asgi sets the collector)
    from cityhall import fragments

    settings.ROOT_URLCONF = "bench._asgi"
    client = Client()
    viewer = get_user_model().objects.filter(email=args.email).first()
    if viewer is None:
        raise SystemExit(f"{args.email} is not in {database}: run bench/pages.py first")
    client.force_login(viewer)
    rows = []
    for path in [BARE, *args.paths]:
        forget = _forget(args, fragments)
        for _ in range(args.warmup):
            forget()
            _get(client, path)
        latencies = []
        for _ in range(args.requests):
            forget()
            started = time.perf_counter()
            response = _get(client, path)
            latencies.append(time.perf_counter() - started)
        forget()
        with CaptureQueriesContext(connection) as queries:
            _get(client, path)
        figures = _common.summary(latencies, sum(latencies))
        rows.append({"path": path, **figures, "queries": len(queries),
                     "bytes": len(response.content)})  # fmt: skip
    bare = rows[0]["p50_ms"]
    for row in rows:
        row["own_p50_ms"] = round(row["p50_ms"] - bare, 2)
        row["p50_ratio_to_bare"] = round(row["p50_ms"] / bare, 2)
    _print(args, database, rows)


def _forget(args, fragments):
    if args.after_change:
        from knowledge import services

        return lambda: (services.content_version_replace(), fragments.cache().clear())
    return fragments.cache().clear if args.cold else (lambda: None)


def _configure() -> str:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{_common.BENCH_DIR / 'pages.sqlite3'}")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityhall.settings"
    import django

    django.setup()
    return os.environ["DATABASE_URL"]


def _get(client, path: str):
    response = client.get(path, headers={"host": "127.0.0.1"})
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}")
    return response


def _print(args, database: str, rows: list[dict]) -> None:
    columns = [("path", "path"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"),
               ("own p50 ms", "own_p50_ms"), ("p50 / bare in-process", "p50_ratio_to_bare"),
               ("queries", "queries"), ("bytes", "bytes")]  # fmt: skip
    cache = _cache_label(args)
    _common.print_table(
        f"In-process, Django's test client, one request after another; {args.requests} timed "
        f"after {args.warmup} per page; {cache}; {database.split('://')[0]}; 2 cores",
        columns, rows,
    )  # fmt: skip
    _common.print_json_line({
        "bench": "inprocess", "cache": _cache_label(args).split(" ")[0],
        "requests": args.requests, "baseline": f"{BARE}, in-process", "pages": rows,
    })  # fmt: skip


def _cache_label(args) -> str:
    if args.after_change:
        return "after-change (new content version, fragment cache emptied, before each request)"
    return "cold (fragment cache emptied before each request)" if args.cold else "warm"


if __name__ == "__main__":
    main()
