"""Shared helpers of the bench scripts: a bench database, a real daphne process on
127.0.0.1 (started by tests/support, as the tests start theirs), latency figures, and the
output convention (a table, then one JSON line last).

Call ``configure(name)`` before anything imports Django: it chooses the database."""

import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
STARTUP_SECONDS = 60


def configure(name: str) -> str:
    """Environment for this process and the daphne it starts. A DATABASE_URL passed in (e.g.
    PostgreSQL) is honoured; otherwise a fresh SQLite file var/bench/<name>.sqlite3.
    Production-like by default: DEBUG off, but plain HTTP on 127.0.0.1 (no SSL redirect)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        database = BENCH_DIR / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityhall.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return os.environ["DATABASE_URL"]


def prepare_database() -> None:
    """django.setup(), migrations, the cache table and (DEBUG off) the static manifest."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)


@contextlib.contextmanager
def daphne(asgi_app: str, ready_path: str, log_name: str = "daphne.log"):
    """Run one daphne process (tests.support.live_servers.Daphne, the launcher the tests use
    too) on a free 127.0.0.1 port with this process's environment; yields its base URL. Its
    output goes to var/bench/``log_name`` (several processes at once: a name each)."""
    from tests.support.live_servers import Daphne

    log_path = BENCH_DIR / log_name
    log_path.unlink(missing_ok=True)
    server = Daphne(dict(os.environ), log_path, app=asgi_app)
    try:
        server.start().wait_ready(ready_path, timeout=STARTUP_SECONDS)
    except RuntimeError as problem:
        server.stop()
        raise SystemExit(str(problem)) from problem
    try:
        yield server.url
    finally:
        server.stop()


def interleaved_requests(http: httpx.Client, paths: list[str], count: int, warmup: int,
                         before: list[str | None] | None = None):  # fmt: skip
    """``warmup`` untimed rounds, then ``count`` timed ones; each round GETs every page once,
    so that a machine that gets busier or quieter during the run weighs on every page and on
    the baseline alike. ``before``: for each path, a path to GET untimed just before it (or
    None), e.g. one that empties a cache. One figures dict per path, in order (with the last
    body's size)."""
    before = before or [None] * len(paths)
    for _ in range(warmup):
        for path in paths:
            get_ok(http, path)
    latencies: list[list[float]] = [[] for _ in paths]
    sizes = [0] * len(paths)
    for _ in range(count):
        for index, path in enumerate(paths):
            if before[index]:
                get_ok(http, before[index])
            started = time.perf_counter()
            sizes[index] = get_ok(http, path).num_bytes_downloaded  # on the wire
            latencies[index].append(time.perf_counter() - started)
    return [{**summary(times, sum(times)), "bytes": size}
            for times, size in zip(latencies, sizes, strict=True)]  # fmt: skip


def get_ok(http: httpx.Client, path: str) -> httpx.Response:
    response = http.get(path)
    if response.status_code != 200:
        raise SystemExit(
            f"GET {path}: {response.status_code} {response.headers.get('location', '')}"
        )
    return response


def summary(latencies: list[float], elapsed: float) -> dict:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "requests_per_second": round(len(latencies) / elapsed, 1),
    }


def print_table(title: str, columns: list[tuple[str, str]], rows: list[dict]) -> None:
    """columns: (heading, key) pairs; text columns left-aligned, numbers right-aligned."""
    cells = [[format_cell(row[key]) for _, key in columns] for row in rows]
    widths = [
        max(len(heading), *(len(line[i]) for line in cells))
        for i, (heading, _) in enumerate(columns)
    ]
    numeric = [isinstance(rows[0][key], int | float) for _, key in columns]
    print(title)
    print("  ".join(align(h, w, n) for (h, _), w, n in zip(columns, widths, numeric, strict=True)))
    print("  ".join("-" * w for w in widths))
    for line in cells:
        print("  ".join(align(c, w, n) for c, w, n in zip(line, widths, numeric, strict=True)))


def format_cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def align(text: str, width: int, right: bool) -> str:
    return text.rjust(width) if right else text.ljust(width)


def print_json_line(figures: dict) -> None:
    """The last line of every bench script's output: the same figures as one JSON object."""
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")), flush=True)
