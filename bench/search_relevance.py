"""Search quality on the relevance set (../shared/search-relevance): its 45 documents imported
into a fresh database as pages and topics, its 40 queries run through the search service as
members of the groups each query names; recall@5 per query (leak probes: 1 when no group-only
document comes back at all). Target: mean recall@5 ≥ 0.9 over the ranked queries, every leak
probe passing.

    .venv/bin/python bench/search_relevance.py [--set ../shared/search-relevance]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_bench .venv/bin/python \
        bench/search_relevance.py
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402

TARGET = 0.9


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", type=Path, help="a folder of the original set (with docs/); default: the demo's"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    database = _common.configure("search_relevance")
    _common.prepare_database()
    from django.db import connection

    from tests.factories import MemberFactory
    from tests.support import relevance

    if connection.vendor == "postgresql":
        _clear_postgres()
    started = time.perf_counter()
    loaded = relevance.load(args.set / "docs" if args.set else relevance.DOCS)
    load_seconds = time.perf_counter() - started
    rows = []
    for query in relevance.queries():
        member = MemberFactory()
        relevance.join(member, query["as_member_of"])
        before = time.perf_counter()
        scored = relevance.score(query, member, loaded)
        rows.append({
            "id": scored.id, "kind": scored.kind, "query": scored.q, "score": scored.score,
            "top5": " ".join(scored.top) or "-", "total": scored.total,
            "ms": round((time.perf_counter() - before) * 1000, 1),
        })  # fmt: skip
    _common.print_table(
        f"Relevance set on {connection.vendor} ({database.split('://')[0]}), "
        f"{len(loaded.docs)} documents imported in {load_seconds:.1f} s",
        [("id", "id"), ("kind", "kind"), ("query", "query"), ("score", "score"),
         ("first five", "top5"), ("hits", "total"), ("ms", "ms")],
        rows,
    )  # fmt: skip
    ranked = [row for row in rows if row["kind"] != "leak"]
    leaks = [row for row in rows if row["kind"] == "leak"]
    mean = round(sum(row["score"] for row in ranked) / len(ranked), 3)
    passed = sum(1 for row in leaks if row["score"] == 1)
    print()
    print(f"mean recall@5 over {len(ranked)} ranked queries: {mean} (target ≥ {TARGET})")
    print(f"leak probes passed: {passed}/{len(leaks)}")
    _common.print_json_line({
        "bench": "search_relevance", "database": connection.vendor,
        "documents": len(loaded.docs), "queries": len(rows), "mean_recall_at_5": mean,
        "target": TARGET, "leak_probes": len(leaks), "leak_probes_passed": passed,
        "misses": {row["id"]: row["score"] for row in ranked if row["score"] < 1},
    })  # fmt: skip


def _clear_postgres() -> None:
    """A PostgreSQL bench database is reused: start from no imported documents."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


if __name__ == "__main__":
    main()
