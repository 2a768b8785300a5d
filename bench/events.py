"""The rush for seats over real HTTP: one daphne process on 127.0.0.1, 500 signed-in verified
members registering for one occurrence of 200 seats (first come) at the same moment, then 50
confirmed members cancelling at once; the seats, the waitlist and its promotions checked in the
database, the latencies against the bare Django view measured in the same run, alone and under
the same concurrency (see bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_bench .venv/bin/python bench/events.py
        [--members 500] [--capacity 200] [--cancels 50] [--requests 300] [--warmup 30]
        [--servers 1]

Prints a table with the issue's targets, then one JSON object with the same figures as the very
last line."""

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import sys
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common, forum, pages  # noqa: E402

ORGANIZER_EMAIL = "bench-events@city.kobe.lg.jp"
GROUP_SLUG = "events-bench"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PREPARE_BATCH = 25  # clients opening their connection and reading the page at a time
TIMEOUT = 300  # seconds a client waits for an answer: the rush queues for the row lock
TARGETS = {"p99_ratio_to_bare_p50": 30, "errors": 0}
COLUMNS = [
    ("request", "request"), ("at once", "at_once"), ("answered", "answered"),
    ("errors", "errors"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"),
    ("max ms", "max_ms"), ("all done s", "wall_s"), ("p50 / bare", "p50_ratio_to_bare"),
    ("p99 / bare", "p99_ratio_to_bare"), ("p99 / bare at once", "p99_ratio_to_bare_at_once"),
]  # fmt: skip
CHECK_COLUMNS = [("check", "check"), ("expected", "expected"), ("found", "found"),
                 ("ok", "ok")]  # fmt: skip
QUESTIONS = [
    {"label": "参加方法", "kind": "choice", "choices": "オンライン\n会場", "required": True},
    {"label": "講師への質問(任意)", "kind": "text", "required": False},
]  # fmt: skip
ANSWERS = ["オンライン", "オンライン", "会場"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500, help="members registering at once")
    parser.add_argument("--capacity", type=int, default=200, help="seats of the occurrence")
    parser.add_argument("--cancels", type=int, default=50, help="confirmed members cancelling")
    parser.add_argument("--requests", type=int, default=300, help="timed bare requests, alone")
    parser.add_argument("--warmup", type=int, default=30, help="untimed bare requests first")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (who cancels)")
    parser.add_argument(
        "--servers", type=int, default=1,
        help="daphne processes over the same database, the clients taking turns between them",
    )  # fmt: skip
    parser.add_argument(
        "--keep-database", action="store_true",
        help="keep the bench database afterwards (default: drop it, or delete the SQLite file)",
    )  # fmt: skip
    args = parser.parse_args()
    if not 2 <= args.members <= 5000 or not 1 <= args.capacity <= 10_000:
        parser.error("--members must be 2..5000 and --capacity 1..10000")
    if not 1 <= args.cancels <= min(args.capacity, args.members):
        parser.error("--cancels must be 1..min(--capacity, --members)")
    if not 2 <= args.requests <= 100_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 2..100000 and --warmup 0..10000")
    if not 1 <= args.servers <= 8:
        parser.error("--servers must be 1..8")
    return args


def database_given() -> tuple[str, str] | None:
    """(scheme, database name) of a DATABASE_URL passed in, or None (SQLite). The bench drops
    and re-creates that database, so it insists on a name that says it is for benchmarks."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    parsed = urllib.parse.urlsplit(url)
    name = parsed.path.lstrip("/")
    if "bench" not in Path(name).name:
        raise SystemExit(
            f"bench/events.py drops and re-creates its database; {name!r} does not look like a "
            "bench database (its name must contain 'bench', e.g. .../cityhall_bench)"
        )
    return parsed.scheme, name


# --- the occurrence and its crowd ----------------------------------------------------------


@dataclass
class Crowd:
    occurrence_id: int
    question_ids: list[int]
    member_ids: list[int]
    cookies: dict[int, str]  # member id -> the Cookie header of their signed-in session
    seconds: float


def prepare(args) -> Crowd:
    """The organizer, an open group, one occurrence (two questions, first come) and the
    members, each with a verified address and a session written straight into the database."""
    from django.db import connection, transaction
    from django.utils import timezone

    from events import services
    from groups.models import Group, Membership

    started = time.perf_counter()
    with transaction.atomic():
        organizer = pages.create_member(
            ORGANIZER_EMAIL, "計測 主催", "けいそく しゅさい", "勉強会を主催しています。"
        )
        now = timezone.now()
        group = Group.objects.create(
            slug=GROUP_SLUG, name="滞納整理研究会", description="滞納整理の勉強会を開いています。",
            kind=Group.Kind.OPEN, status=Group.Status.ACTIVE, proposed_by=organizer,
            decided_at=now, created_at=now,
        )  # fmt: skip
        Membership.objects.create(group=group, member=organizer, role=Membership.Role.OWNER)
        series = services.series_create(
            author=organizer, group=group, title="滞納整理の実務勉強会(全国オンライン)",
            description="差押えから配当までの流れを、事例で学びます。",
            first_start=now + timedelta(days=14), rule="", capacity=args.capacity,
            questions=QUESTIONS, meeting_url="https://meet.example.jp/bench",
        )  # fmt: skip
        member_ids = forum.create_members(random.Random(args.seed), args.members)
        cookies = sessions_for(member_ids)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have on a live site
    return Crowd(
        occurrence_id=series.occurrences.get().pk,
        question_ids=list(series.questions.order_by("position").values_list("pk", flat=True)),
        member_ids=member_ids, cookies=cookies,
        seconds=round(time.perf_counter() - started, 1),
    )  # fmt: skip


def sessions_for(member_ids: list[int]) -> dict[int, str]:
    """A signed-in session per member, written in bulk as django.contrib.auth.login would have
    stored it (user id, backend, the password hash's HMAC): signing 500 members in through
    /accounts/login/ would time the password hasher, not the events."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from members.models import User

    store = SessionStore()
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows, cookies = [], {}
    for member in User.objects.filter(pk__in=member_ids).only("pk", "password"):
        key = get_random_string(32, VALID_KEY_CHARS)
        data = {
            SESSION_KEY: str(member.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: member.get_session_auth_hash(),
        }  # fmt: skip
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        cookies[member.pk] = f"{settings.SESSION_COOKIE_NAME}={key}"
    Session.objects.bulk_create(rows, batch_size=forum.BATCH)
    return cookies


def count_queries(crowd: Crowd) -> dict[str, int]:
    """SQL queries of one registration and of one cancellation that promotes, in this process
    with the test client, on an occurrence of their own (2 seats): A registers (warm-up), B is
    counted registering (confirmed); C comes on the waitlist, D is counted coming on it; A
    cancels (warm-up, C promoted), B is counted cancelling (D promoted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from events import services
    from events.models import Occurrence
    from members.models import User

    source = Occurrence.objects.select_related("series__group").get(pk=crowd.occurrence_id)
    series = services.series_create(
        author=source.series.created_by, group=source.series.group, title="クエリ数の確認用",
        first_start=timezone.now() + timedelta(days=15), rule="", capacity=2,
        questions=QUESTIONS,
    )  # fmt: skip
    occurrence = series.occurrences.get()
    answers = {str(q.pk): ANSWERS[0] if q.kind == "choice" else "" for q in series.questions.all()}
    register = reverse("events:register", args=[occurrence.pk])
    cancel = reverse("events:cancel", args=[occurrence.pk])
    clients = []
    for member in User.objects.filter(pk__in=crowd.member_ids[-4:]).order_by("pk"):
        client = Client()
        client.force_login(member)
        clients.append(client)
    a, b, c, d = clients

    def counted(client, path, data) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(path, data)
        if response.status_code != 302:
            raise SystemExit(f"in-process POST {path}: {response.status_code}")
        return len(captured.captured_queries)

    a.post(register, answers)
    figures = {"register": counted(b, register, answers)}
    c.post(register, answers)
    figures["register_waitlisted"] = counted(d, register, answers)
    a.post(cancel, {})
    figures["cancel"] = counted(b, cancel, {})
    return figures


# --- the clients ---------------------------------------------------------------------------


@dataclass
class Visitor:
    member_id: int
    http: object  # httpx.AsyncClient, its own connection, signed in
    token: str = ""


async def open_visitors(base_urls: list[str], crowd: Crowd, page: str) -> list:
    """A client per member, each with its own kept-alive connection (to the servers in turn),
    that has read the occurrence page as a browser does before the click (its CSRF cookie and
    form token)."""
    import httpx

    visitors = []
    for number, member_id in enumerate(crowd.member_ids):
        base_url = base_urls[number % len(base_urls)]
        http = httpx.AsyncClient(
            base_url=base_url, follow_redirects=False, timeout=TIMEOUT, trust_env=False,
            headers={"Cookie": crowd.cookies[member_id], "Accept-Language": "ja",
                     "Origin": base_url},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )  # fmt: skip
        visitors.append(Visitor(member_id, http))

    async def read_page(visitor: Visitor) -> None:
        response = await visitor.http.get(page)
        found = CSRF_INPUT.search(response.text)
        if response.status_code != 200 or found is None or "data-register" not in response.text:
            raise SystemExit(f"GET {page} as member {visitor.member_id}: {response.status_code}")
        visitor.token = found.group(1)
        # With DEBUG off the cookies are Secure, which httpx keeps from plain-HTTP requests;
        # so the bench sends them itself (as bench/pages.py).
        csrf = response.cookies["csrftoken"]
        visitor.http.headers["Cookie"] = f"{crowd.cookies[visitor.member_id]}; csrftoken={csrf}"

    for start in range(0, len(visitors), PREPARE_BATCH):
        await asyncio.gather(*(read_page(v) for v in visitors[start : start + PREPARE_BATCH]))
    return visitors


async def at_once(visitors: list, send) -> tuple[list[tuple], float]:
    """One request per visitor, all released together by a barrier: for each, (seconds from
    its own send to its answer, status code or the exception's name, Location), and the time
    from the release to the last answer."""
    barrier = asyncio.Barrier(len(visitors) + 1)

    async def one(visitor: Visitor):
        import httpx

        await barrier.wait()
        before = time.perf_counter()
        try:
            response = await send(visitor)
        except httpx.HTTPError as error:
            return time.perf_counter() - before, type(error).__name__, ""
        return (time.perf_counter() - before, response.status_code,
                response.headers.get("location", ""))  # fmt: skip

    tasks = [asyncio.create_task(one(visitor)) for visitor in visitors]
    await barrier.wait()
    released = time.perf_counter()
    results = await asyncio.gather(*tasks)
    return results, time.perf_counter() - released


def figures_of(name: str, results: list[tuple], wall: float, ok) -> dict:
    """A table row: latencies of every answer (errors included), and how many were not ok."""
    seconds = [result[0] for result in results]
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    errors = [result for result in results if not ok(result)]
    return {
        "request": name, "at_once": len(results), "answered": len(results) - len(errors),
        "errors": len(errors),
        "error_kinds": dict(Counter(str(status) for _s, status, _l in errors)),
        "p50_ms": round(cuts[49] * 1000, 2), "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2), "max_ms": round(max(seconds) * 1000, 2),
        "wall_s": round(wall, 2),
    }  # fmt: skip


def alone(base_url: str, cookie: str, args, name: str) -> dict:
    """The bare view, one client, one request after another (as bench/pages.py)."""
    import httpx

    from bench._asgi import BARE_PATH

    headers = {"Cookie": cookie, "Accept-Language": "ja"}
    with httpx.Client(base_url=base_url, headers=headers, follow_redirects=False, timeout=30,
                      trust_env=False) as http:  # fmt: skip
        (figures,) = _common.interleaved_requests(http, [BARE_PATH], args.requests, args.warmup)
    return {
        "request": name, "at_once": 1, "answered": args.requests, "errors": 0, "error_kinds": {},
        "p50_ms": figures["p50_ms"], "p95_ms": figures["p95_ms"], "p99_ms": figures["p99_ms"],
        "max_ms": "-", "wall_s": round(args.requests / figures["requests_per_second"], 2),
    }  # fmt: skip


async def rush(base_urls: list[str], crowd: Crowd, args, rng: random.Random):
    """The HTTP part: the bare view under the crowd, the registrations, then (after reading
    who got a seat) the bare view and the cancellations of ``--cancels`` confirmed members."""
    from asgiref.sync import sync_to_async

    from bench._asgi import BARE_PATH

    page = f"/events/{crowd.occurrence_id}/"
    back = page
    visitors = await open_visitors(base_urls, crowd, page)
    rows = []
    try:

        def bare(visitor):
            return visitor.http.get(BARE_PATH)

        def register(visitor):
            answers = {str(q): "" for q in crowd.question_ids}
            answers[str(crowd.question_ids[0])] = ANSWERS[visitor.member_id % len(ANSWERS)]
            return visitor.http.post(
                f"{page}register", data={"csrfmiddlewaretoken": visitor.token, **answers}
            )

        def cancel(visitor):
            return visitor.http.post(f"{page}cancel", data={"csrfmiddlewaretoken": visitor.token})

        def bare_ok(result):
            return result[1] == 200

        def redirected(result):
            return result[1] == 302 and urllib.parse.urlsplit(result[2]).path == back

        results, wall = await at_once(visitors, bare)
        rows.append(figures_of("bare Django view, the crowd at once", results, wall, bare_ok))
        results, wall = await at_once(visitors, register)
        rows.append(figures_of("register (POST → 302)", results, wall, redirected))
        rows[-1]["key"] = "register"
        after_rush = await sync_to_async(statuses_of)(crowd.occurrence_id)
        confirmed = sorted(after_rush["confirmed_ids"])
        leaving = set(rng.sample(confirmed, min(args.cancels, len(confirmed))))
        cancellers = [visitor for visitor in visitors if visitor.member_id in leaving]
        results, wall = await at_once(cancellers, bare)
        rows.append(figures_of("bare Django view, the cancellers at once", results, wall,
                               bare_ok))  # fmt: skip
        results, wall = await at_once(cancellers, cancel)
        rows.append(figures_of("cancel (POST → 302)", results, wall, redirected))
        rows[-1]["key"] = "cancel"
    finally:
        await asyncio.gather(*(visitor.http.aclose() for visitor in visitors))
    return rows, sorted(leaving), after_rush


def statuses_of(occurrence_id: int) -> dict:
    """Right after the rush: registrations by status, and who is confirmed."""
    from django.db import connections

    from events.models import Registration

    try:
        rows = list(Registration.objects.filter(occurrence_id=occurrence_id)
                    .values_list("member_id", "status"))  # fmt: skip
    finally:
        connections.close_all()  # this ran in a worker thread of its own
    return {
        **Counter(status for _member, status in rows),
        "confirmed_ids": [m for m, status in rows if status == Registration.Status.CONFIRMED],
    }


# --- what the database holds ---------------------------------------------------------------


def check(crowd: Crowd, args, leaving: list[int], after_rush: dict, rows: list[dict]):
    """The seats, the waitlist and the promotions as the database holds them after the rush and
    after the cancellations: the outcome's figures and one row per check."""
    from django.urls import reverse

    from events.models import Occurrence, Registration
    from events.notifications import REGISTRATION
    from members.models import Notification

    Status = Registration.Status
    occurrence = Occurrence.objects.get(pk=crowd.occurrence_id)
    registrations = list(Registration.objects.filter(occurrence=occurrence).order_by("position"))
    statuses = Counter(r.status for r in registrations)
    positions = [r.position for r in registrations]
    promoted = [r for r in registrations if r.promoted_at is not None]
    notices = Notification.objects.filter(
        kind=REGISTRATION, url=reverse("events:occurrence", args=[occurrence.pk])
    )
    told_promoted = Counter(
        notices.filter(params__event="promoted").values_list("recipient_id", flat=True)
    )
    told_place = dict(
        notices.filter(params__event="waitlisted").values_list("recipient_id", "params__place")
    )
    # Arrival order is the position: the first ``capacity`` got seats, the others waited.
    first_waiting = [r.member_id for r in registrations[args.capacity :]][: args.cancels]
    places_right = sum(
        told_place.get(r.member_id) == r.position - args.capacity
        for r in registrations[args.capacity :]
    )  # fmt: skip
    errors = sum(row["errors"] for row in rows if row.get("key"))
    expected_confirmed = min(args.capacity, args.members)
    expected_waitlisted = args.members - expected_confirmed
    expected_promotions = min(args.cancels, expected_waitlisted)
    outcome = {
        "capacity": occurrence.capacity,
        "registrations": len(registrations),
        "confirmed": after_rush.get(Status.CONFIRMED, 0),
        "waitlisted": after_rush.get(Status.WAITLISTED, 0),
        "errors": errors,
        "promotions": len(promoted),
        "cancelled": statuses[Status.CANCELLED],
        "confirmed_final": statuses[Status.CONFIRMED],
        "waitlisted_final": statuses[Status.WAITLISTED],
        "confirmed_count": occurrence.confirmed_count,
    }
    checks = [
        ("registrations", args.members, len(registrations)),
        ("confirmed after the rush", expected_confirmed, outcome["confirmed"]),
        ("waitlisted after the rush", expected_waitlisted, outcome["waitlisted"]),
        ("errors (non-302 or exceptions)", 0, errors),
        ("positions 1…n, each once", "yes",
         "yes" if positions == list(range(1, len(registrations) + 1)) else "no"),
        ("waitlist places told (補欠 n 番目)", expected_waitlisted, places_right),
        ("cancelled", args.cancels, statuses[Status.CANCELLED]),
        ("the cancellers' rows cancelled", "yes", "yes" if sorted(
            r.member_id for r in registrations if r.status == Status.CANCELLED) == leaving
         else "no"),
        ("promotions (promoted_at set)", expected_promotions, len(promoted)),
        ("promoted = the first waitlisted", "yes",
         "yes" if [r.member_id for r in promoted] == first_waiting else "no"),
        ("promotion notices, one each", "yes",
         "yes" if told_promoted == Counter(r.member_id for r in promoted) else "no"),
        ("confirmed rows after cancelling", expected_confirmed, statuses[Status.CONFIRMED]),
        ("confirmed_count", expected_confirmed, occurrence.confirmed_count),
        ("waitlisted after cancelling", expected_waitlisted - expected_promotions,
         statuses[Status.WAITLISTED]),
    ]  # fmt: skip
    check_rows = [
        {"check": name, "expected": expected, "found": found,
         "ok": "pass" if expected == found else "FAIL"}
        for name, expected, found in checks
    ]  # fmt: skip
    return outcome, check_rows


def judge(rows: list[dict], base: dict) -> None:
    """Ratios to the bare view alone (p50) and to the bare view under the same crowd (p99)."""
    at_once = {}
    for row in rows:
        row["p50_ratio_to_bare"] = round(row["p50_ms"] / base["p50_ms"], 2)
        row["p99_ratio_to_bare"] = round(row["p99_ms"] / base["p50_ms"], 2)
        if row["request"].startswith("bare Django view, the"):
            at_once[row["at_once"]] = row
            row["p99_ratio_to_bare_at_once"] = 1.0
        elif row["at_once"] in at_once:
            row["p99_ratio_to_bare_at_once"] = round(
                row["p99_ms"] / at_once[row["at_once"]]["p99_ms"], 2
            )
        else:
            row["p99_ratio_to_bare_at_once"] = "-"


def main() -> None:
    args = parse_args()
    given = database_given()
    forum.fresh_database(given)
    _common.configure("events")
    # The real per-member limits stay on: each member registers once and cancels at most once.
    _common.prepare_database()
    from django.conf import settings
    from django.db import connection

    crowd = prepare(args)
    print(
        f"Prepared in {crowd.seconds} s ({connection.vendor}): {args.members} verified members "
        f"with sessions, occurrence {crowd.occurrence_id} with {args.capacity} seats "
        f"(first come, {len(crowd.question_ids)} questions)",
        flush=True,
    )
    queries = count_queries(crowd)
    from bench._asgi import BARE_PATH

    rng = random.Random(args.seed)
    load_before = [round(n, 2) for n in os.getloadavg()]
    first_cookie = crowd.cookies[crowd.member_ids[0]]
    try:
        with contextlib.ExitStack() as servers:
            base_urls = [
                servers.enter_context(_common.daphne(
                    "bench._asgi:application", ready_path=BARE_PATH,
                    log_name=f"events-daphne-{number}.log",
                ))
                for number in range(1, args.servers + 1)
            ]  # fmt: skip
            base = alone(base_urls[0], first_cookie, args, "bare Django view, alone (baseline)")
            rows, leaving, after_rush = asyncio.run(rush(base_urls, crowd, args, rng))
            after = alone(base_urls[0], first_cookie, args, "bare Django view, alone, afterwards")
        load_after = [round(n, 2) for n in os.getloadavg()]
        outcome, checks = check(crowd, args, leaving, after_rush, rows)
    finally:
        if not args.keep_database:
            forum.remove_database()
    rows = [base, *rows, after]
    judge(rows, base)
    by_key = {row.pop("key", None): row for row in rows}
    registering, cancelling = by_key["register"], by_key["cancel"]
    ratio = registering["p99_ratio_to_bare"]
    targets = [
        {"check": "p99 of registering ≤ 30 × the bare view's p50 (alone)",
         "expected": f"≤ {TARGETS['p99_ratio_to_bare_p50']}", "found": ratio,
         "ok": "pass" if ratio <= TARGETS["p99_ratio_to_bare_p50"] else "FAIL"},
        {"check": "p99 of cancelling ≤ 30 × the bare view's p50 (alone)",
         "expected": f"≤ {TARGETS['p99_ratio_to_bare_p50']}",
         "found": cancelling["p99_ratio_to_bare"],
         "ok": "pass" if cancelling["p99_ratio_to_bare"] <= TARGETS["p99_ratio_to_bare_p50"]
         else "FAIL"},
    ]  # fmt: skip
    checks += targets
    all_met = all(row["ok"] == "pass" for row in checks)
    cores = os.cpu_count()
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    pooling = f" (pool {pool})" if connection.vendor == "postgresql" and pool else ""
    title = (
        f"Registration rush over HTTP: {args.servers} daphne process"
        f"{'es' if args.servers > 1 else ''} on 127.0.0.1, {args.members} clients "
        f"in one asyncio process, each with its own connection, released together; "
        f"{args.capacity} seats, then {args.cancels} cancellations at once; "
        f"{connection.vendor}{pooling}, DEBUG={settings.DEBUG}, rate limits "
        f"{'on' if settings.RATE_LIMITS_ENABLED else 'off'}; {cores} cores, load average "
        f"{load_before[0]} before, {load_after[0]} after"
    )
    _common.print_table(title, COLUMNS, rows)
    print(
        f"queries: register {queries['register']} (waitlisted {queries['register_waitlisted']}), "
        f"cancel with a promotion {queries['cancel']}"
    )
    for row in rows:
        if row["errors"]:
            print(f"errors of {row['request']}: {row['error_kinds']} (the server's side: "
                  f"var/bench/events-daphne-<n>.log)")  # fmt: skip
    _common.print_table(
        f"Outcome in the database: after the rush {outcome['confirmed']} confirmed and "
        f"{outcome['waitlisted']} waitlisted; after the cancellations {outcome['cancelled']} "
        f"cancelled, {outcome['promotions']} promoted, {outcome['confirmed_final']} confirmed, "
        f"{outcome['waitlisted_final']} waitlisted",
        CHECK_COLUMNS, checks,
    )  # fmt: skip
    print("targets: all met" if all_met else "targets: NOT all met (see the FAIL cells)")
    _common.print_json_line({
        "bench": "events", "cores": cores, "servers": args.servers, "members": args.members,
        "cancels": args.cancels,
        **outcome,
        "p50_ms": registering["p50_ms"], "p99_ms": registering["p99_ms"],
        "cancel_p50_ms": cancelling["p50_ms"], "cancel_p99_ms": cancelling["p99_ms"],
        "bare_p50_ms": base["p50_ms"], "bare_p99_ms": base["p99_ms"],
        "bare_at_once_p50_ms": rows[1]["p50_ms"], "bare_at_once_p99_ms": rows[1]["p99_ms"],
        "p99_ratio_to_bare_p50": ratio,
        "cancel_p99_ratio_to_bare_p50": cancelling["p99_ratio_to_bare"],
        "p99_ratio_to_bare_at_once_p99": registering["p99_ratio_to_bare_at_once"],
        "queries": queries, "load_average_before": load_before, "load_average_after": load_after,
        "database": connection.vendor, "database_given": given is not None, "pool": pool,
        "debug": settings.DEBUG, "rate_limits": settings.RATE_LIMITS_ENABLED,
        "targets": TARGETS, "all_targets_met": all_met, "rows": rows, "checks": checks,
    })  # fmt: skip


if __name__ == "__main__":
    main()
