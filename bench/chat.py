"""Chat over real WebSockets: 500 members in one room on ONE daphne process (in-memory channel
layer) and on TWO daphne processes sharing a private Redis, a steady conversation of 1 message a
second for 60 s, each setup against a one-member room measured in the same run as the baseline
(see bench/README.md).

    .venv/bin/python bench/chat.py [--clients 500] [--rate 1] [--seconds 60] [--baseline 50]
    .venv/bin/python bench/chat.py --clients 50 --seconds 10          # a quick smoke run

Measures the round trip from a sender's send to every other member's receipt, messages lost,
duplicated and reordered per client against the database's list, connect times and the
resident memory of each daphne process. The clients run in this one process (one monotonic
clock), on the same cores as the servers and the database. Prints a table with the targets,
then one JSON object with the same figures as the very last line."""

import argparse
import asyncio
import gc
import os
import random
import re
import resource
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402
from tests.support.live_servers import (  # noqa: E402
    ChatClient,
    Daphne,
    RedisServer,
    delivery,
    drop_database,
    is_postgres,
    prepare_chat,
    recreate_database,
    room_messages,
    site_env,
    stop_all,
    wait_until,
)

TARGETS = {"p99_ms": 150, "p99_ratio": 8, "max_ms": 1000, "lost": 0, "duplicated": 0,
           "reordered": 0, "rss_mb": 300}  # fmt: skip
# The bench's schedule sets the pace; the baseline's one member sends back to back.
SETTINGS = {"CHAT_SEND_LIMIT": "1000 per 1 second"}
BODY = re.compile(r"<p>(b\S+) ")
DRAIN_SECONDS = 30
QUIET_SECONDS = 2.0
SEED = 2024
COLUMNS = [
    ("setup", "setup"), ("clients", "clients"), ("messages", "messages"),
    ("deliveries", "deliveries"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"), ("max ms", "max_ms"), ("max sent at s", "max_sent_at_s"),
    ("p50 / base", "p50_ratio_to_baseline"), ("p99 / base", "p99_ratio_to_baseline"),
    (f"p99 ≤ {TARGETS['p99_ms']}", "p99_ok"), (f"p99 ≤ {TARGETS['p99_ratio']}× base",
    "p99_ratio_ok"), (f"max ≤ {TARGETS['max_ms']}", "max_ok"),
    ("lost", "lost"), ("dup", "duplicated"),
    ("reord", "reordered"), ("all 0", "integrity_ok"), ("reconnects", "reconnects"),
    ("connect p50 ms", "connect_p50_ms"), ("connect p99 ms", "connect_p99_ms"),
    ("all connected s", "connect_all_seconds"), ("settled s", "settle_seconds"),
    ("server CPU %", "server_cpu_percent"), ("client CPU %", "client_cpu_percent"),
    ("RSS peak MB", "rss_peak_mb"),
    ("RSS end MB", "rss_end_mb"), (f"RSS ≤ {TARGETS['rss_mb']}", "rss_ok"),
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500, help="members in the room, each "
                        "with one socket")  # fmt: skip
    parser.add_argument("--rate", type=float, default=1.0, help="messages per second (room)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the conversation")
    parser.add_argument(
        "--baseline",
        type=int,
        default=50,
        help="timed round trips of the one-member room (after 5 untimed)",
    )
    parser.add_argument(
        "--connect-batch",
        type=int,
        default=25,
        help="sockets opened together; the next batch waits for their ready",
    )
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="start the conversation as soon as everyone is connected, "
                        "without waiting for the presence frames to stop")  # fmt: skip
    parser.add_argument("--settle-timeout", type=float, default=180)
    parser.add_argument(
        "--keep-database", action="store_true", help="keep the bench database afterwards"
    )
    parser.add_argument("--soak", type=float, metavar="SECONDS",
                        help="one long conversation of SECONDS (e.g. 600) instead of --seconds, "
                        "with figures per minute; on one process unless --setups says")  # fmt: skip
    parser.add_argument("--setups", choices=["both", "one", "two"],
                        help="one daphne (memory layer), two (Redis) or both; default both, "
                        "or one with --soak")  # fmt: skip
    args = parser.parse_args()
    if args.soak is not None:
        args.seconds = args.soak
    args.setups = args.setups or ("one" if args.soak is not None else "both")
    if not 2 <= args.clients <= 5000:
        parser.error("--clients must be 2..5000")
    if not 0 < args.rate <= 100 or not 1 <= args.seconds <= 3600:
        parser.error("--rate must be in (0, 100] and --seconds (or --soak) 1..3600")
    if not 2 <= args.baseline <= 10_000 or not 1 <= args.connect_batch <= 1000:
        parser.error("--baseline must be 2..10000 and --connect-batch 1..1000")
    return args


def bench_database() -> tuple[str, bool]:
    """(DATABASE_URL, given): a fresh SQLite file var/bench/chat.sqlite3, or the database a
    DATABASE_URL names, dropped and re-created, so its name must contain 'bench'."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{_common.BENCH_DIR / 'chat.sqlite3'}"
        drop_database(url)
        return url, False
    name = Path(urllib.parse.urlsplit(url).path).name
    if "bench" not in name:
        raise SystemExit(
            f"bench/chat.py drops and re-creates its database; {name!r} does not look like a "
            "bench database (its name must contain 'bench', e.g. .../cityhall_bench)"
        )
    recreate_database(url)
    return url, True


def raise_open_files() -> int:
    """Every socket is a file, on both ends: lift the soft limit to the hard one (the daphne
    processes inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentiles(seconds: list[float]) -> dict:
    if len(seconds) < 2:
        return {"p50_ms": "-", "p95_ms": "-", "p99_ms": "-"}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {key: round(cuts[index] * 1000, 2)
            for key, index in (("p50_ms", 49), ("p95_ms", 94), ("p99_ms", 98))}  # fmt: skip


def start_servers(count: int, env: dict, prepared, tag: str) -> list[Daphne]:
    servers = [Daphne(env, _common.BENCH_DIR / f"chat-daphne-{tag}-{n + 1}.log")
               for n in range(count)]  # fmt: skip
    for server in servers:
        server.log_path.unlink(missing_ok=True)
        server.start()
    for server in servers:
        server.wait_ready("/groups/bench-solo/chat/messages?after=0", prepared.members[0].cookie)
    return servers


async def baseline(server: Daphne, prepared, count: int) -> dict:
    """One member alone in a room: send, then wait for the message to come back; one after
    another. The same path as the load (write, layer, frame), without the crowd."""
    arrived = asyncio.Event()
    wanted: dict[str, str] = {}

    def on_message(_client, frame, _at):
        match = BODY.match(frame["body_html"])
        if match and match.group(1) == wanted.get("client_id"):
            arrived.set()

    client = ChatClient(server.url, prepared.rooms["bench-solo"], prepared.members[0].cookie,
                        name="solo", after=None, on_message=on_message).start()  # fmt: skip
    try:
        await wait_until(client.ready.is_set, timeout=30, what="the baseline client connected")
        times = []
        for number in range(5 + count):
            client_id = f"b{server.port}-solo-{number}"
            wanted["client_id"] = client_id
            arrived.clear()
            started = time.monotonic()
            await client.send(f"{client_id} 計測用のメッセージです", client_id=client_id)
            await asyncio.wait_for(arrived.wait(), timeout=30)
            if number >= 5:
                times.append(time.monotonic() - started)
    finally:
        await client.close()
    return percentiles(times)


async def connect_all(clients: list[ChatClient], batch: int) -> tuple[list[float], float]:
    started = time.monotonic()
    for first in range(0, len(clients), batch):
        group = clients[first : first + batch]
        for client in group:
            client.start()
        await wait_until(
            lambda g=group: all(c.ready.is_set() for c in g),
            timeout=120,
            what=f"clients {first}..{first + len(group) - 1} connected",
            state=lambda g=group: [c for c in g if not c.ready.is_set()][:5],
        )
    took = time.monotonic() - started
    return [client.ready_at - client.started_at for client in clients], took


async def settle(clients: list[ChatClient], args) -> float:
    """After everyone has connected, until no client has had a presence frame for
    ``QUIET_SECONDS``: the server has passed on the crowd's arrival (every join is announced
    to everyone already there). Messages sent before that wait behind it."""
    started = time.monotonic()

    def quiet() -> bool:
        last = max((c.other_at for c in clients if c.other_at is not None), default=started)
        return time.monotonic() - max(last, started) >= QUIET_SECONDS

    await wait_until(quiet, timeout=args.settle_timeout, what="presence frames stopped")
    return round(time.monotonic() - started - QUIET_SECONDS, 2)


async def conversation(servers: list[Daphne], prepared, slug: str, args, tag: str) -> dict:
    """Every member connects (split evenly over ``servers``); then ``rate`` messages a second
    from random members; each receipt by another member is timed against its send."""
    sent_at: dict[str, tuple[float, str]] = {}  # client_id -> (monotonic send time, sender)
    latencies: list[float] = []
    by_message: dict[str, list[float]] = {}

    def on_message(client, frame, at):
        match = BODY.match(frame["body_html"])
        if match and match.group(1) in sent_at:
            when, sender = sent_at[match.group(1)]
            if client.name != sender:
                latencies.append(at - when)
                by_message.setdefault(match.group(1), []).append(at - when)

    room_id = prepared.rooms[slug]
    clients = [
        ChatClient(servers[n % len(servers)].url, room_id, member.cookie, name=f"c{n}",
                   on_message=on_message)
        for n, member in enumerate(prepared.members[: args.clients])
    ]  # fmt: skip
    connect_times, connect_all_seconds = await connect_all(clients, args.connect_batch)
    settle_seconds = await settle(clients, args) if args.settle else "-"
    rng = random.Random(SEED)
    total = max(1, round(args.rate * args.seconds))
    try:
        cpu_before = [server.cpu_seconds() for server in servers]
        client_cpu_before = time.process_time()
        # The load generator keeps every receipt (300,000 in a soak); its own collector pauses
        # (every ~60 s, growing with that heap) delayed the receipts it timed by up to 0.5 s.
        gc.collect()
        gc.freeze()
        gc.disable()
        begin = time.monotonic() + 0.5
        for number in range(total):
            await asyncio.sleep(max(0.0, begin + number / args.rate - time.monotonic()))
            sender = clients[rng.randrange(len(clients))]
            client_id = f"b{tag}-{number + 1}"
            sent_at[client_id] = (time.monotonic(), sender.name)
            await sender.send(f"{client_id} 計測用のメッセージです", client_id=client_id)
        with_all = lambda: all(c.seq >= total and not c.pending for c in clients)  # noqa: E731
        drained = True
        try:
            await wait_until(with_all, timeout=DRAIN_SECONDS, what="every message delivered")
        except AssertionError:
            drained = False
        cpu = [round(100 * (server.cpu_seconds() - before) / (time.monotonic() - begin))
               for server, before in zip(servers, cpu_before, strict=True)]  # fmt: skip
        client_cpu = round(100 * (time.process_time() - client_cpu_before)
                           / (time.monotonic() - begin))  # fmt: skip
        rss_end = [server.rss_kb() for server in servers]
        rss_peak = [server.peak_rss_kb() for server in servers]
        database = await room_messages(servers[0].url, prepared.messages_path(slug),
                                       prepared.members[0].cookie)  # fmt: skip
    finally:
        gc.unfreeze()
        gc.enable()
        await asyncio.gather(*(client.close() for client in clients))
    seqs = [message["seq"] for message in database]
    made = sorted(BODY.match(message["body_html"]).group(1) for message in database)
    integrity = {"lost": 0, "duplicated": 0, "reordered": 0}
    for client in clients:
        for key, value in delivery(client, seqs).items():
            integrity[key] += value
    connect = percentiles(connect_times)
    first_send = min(when for when, _sender in sent_at.values())
    slowest = sorted(
        ((max(times), client_id) for client_id, times in by_message.items()), reverse=True
    )[:5]
    worst_ms, worst_id = slowest[0] if slowest else (None, None)
    return {
        "slowest_messages": [
            {"message": client_id, "sent_at_s": round(sent_at[client_id][0] - first_send, 1),
             "median_ms": round(statistics.median(by_message[client_id]) * 1000, 1),
             "max_ms": round(worst * 1000, 1)}
            for worst, client_id in slowest
        ],
        "max_ms": "-" if worst_id is None else round(worst_ms * 1000, 1),
        "max_sent_at_s": "-" if worst_id is None else round(sent_at[worst_id][0] - first_send, 1),
        "minutes": per_minute(sent_at, by_message, first_send) if args.soak else [],
        "clients": len(clients), "messages": len(database), "deliveries": len(latencies),
        **percentiles(latencies), **integrity,
        "database_matches_sends": seqs == list(range(1, total + 1)) and made == sorted(sent_at),
        "drained": drained, "reconnects": sum(client.breaks for client in clients),
        "errors": sum(len(client.errors) for client in clients),
        "connect_p50_ms": connect["p50_ms"], "connect_p99_ms": connect["p99_ms"],
        "connect_all_seconds": round(connect_all_seconds, 2), "settle_seconds": settle_seconds,
        "presence_frames": sum(sum(c.other_frames.values()) for c in clients),
        "server_cpu_percent": " / ".join(map(str, cpu)), "client_cpu_percent": client_cpu,
        "rss_peak_kb": rss_peak, "rss_end_kb": rss_end,
    }  # fmt: skip


def per_minute(sent_at: dict, by_message: dict, first_send: float) -> list[dict]:
    """The round trips of the messages sent in each minute of the conversation: a soak's
    drift (memory, a growing queue, collector pauses) shows as minutes getting slower."""
    minutes: dict[int, list[float]] = {}
    for client_id, times in by_message.items():
        minutes.setdefault(int((sent_at[client_id][0] - first_send) // 60), []).extend(times)
    return [{"minute": minute + 1, "deliveries": len(times), **percentiles(times),
             "max_ms": round(max(times) * 1000, 1)}
            for minute, times in sorted(minutes.items())]  # fmt: skip


async def run_setup(label: str, count: int, env: dict, prepared, slug: str, args) -> list[dict]:
    servers = start_servers(count, env, prepared, slug)
    try:
        base = await baseline(servers[0], prepared, args.baseline)
        load = await conversation(servers, prepared, slug, args, slug.removeprefix("bench-"))
    finally:
        stop_all(servers)
    base_row = {"setup": f"baseline, {label}: 1 member alone", "clients": 1,
                "messages": args.baseline, "deliveries": args.baseline, **base}  # fmt: skip
    load_row = {"setup": f"{label}: {load['clients']} members", **load}
    return [base_row, load_row]


def print_measured(rows: list[dict]) -> None:
    """A line as soon as a setup is measured, so a later failure does not lose it."""
    base, load = rows
    print(f"{load['setup']}: measured; p50 {load['p50_ms']} p99 {load['p99_ms']} max "
          f"{load['max_ms']} ms (sent at +{load['max_sent_at_s']} s); baseline p50 "
          f"{base['p50_ms']} p99 {base['p99_ms']} ms", flush=True)  # fmt: skip


def judge(rows: list[dict]) -> bool:
    all_met = True
    for base, load in zip(rows[0::2], rows[1::2], strict=True):
        for row in (base, load):
            for key in ("target_p99_ms", "p99_ok", "p99_ratio_ok", "max_ok", "max_ms",
                        "max_sent_at_s", "p99_ratio_to_baseline", "lost", "duplicated",
                        "reordered",
                        "integrity_ok", "reconnects", "connect_p50_ms", "connect_p99_ms",
                        "connect_all_seconds", "settle_seconds", "server_cpu_percent",
                        "client_cpu_percent",
                        "rss_peak_mb", "rss_end_mb", "target_rss_mb",
                        "rss_ok", "p50_ratio_to_baseline"):  # fmt: skip
                row.setdefault(key, "-")
        load["p50_ratio_to_baseline"] = round(load["p50_ms"] / base["p50_ms"], 2)
        load["p99_ratio_to_baseline"] = round(load["p99_ms"] / base["p99_ms"], 2)
        load["target_p99_ms"] = TARGETS["p99_ms"]
        p99_met = load["p99_ms"] <= TARGETS["p99_ms"]
        ratio_met = load["p99_ratio_to_baseline"] <= TARGETS["p99_ratio"]
        max_met = load["max_ms"] != "-" and load["max_ms"] <= TARGETS["max_ms"]
        intact = (load["lost"] == TARGETS["lost"] and load["duplicated"] == TARGETS["duplicated"]
                  and load["reordered"] == TARGETS["reordered"] and load["drained"]
                  and load["database_matches_sends"])  # fmt: skip
        peak_mb = [round(kb / 1024) for kb in load.pop("rss_peak_kb")]
        end_mb = [round(kb / 1024) for kb in load.pop("rss_end_kb")]
        load["rss_peak_mb"] = " / ".join(map(str, peak_mb))
        load["rss_end_mb"] = " / ".join(map(str, end_mb))
        load["rss_peak_mb_each"], load["rss_end_mb_each"] = peak_mb, end_mb
        load["target_rss_mb"] = TARGETS["rss_mb"]
        rss_met = max(peak_mb) <= TARGETS["rss_mb"]
        load["p99_ok"] = "pass" if p99_met else "FAIL"
        load["p99_ratio_ok"] = "pass" if ratio_met else "FAIL"
        load["max_ok"] = "pass" if max_met else "FAIL"
        load["integrity_ok"] = "pass" if intact else "FAIL"
        load["rss_ok"] = "pass" if rss_met else "FAIL"
        all_met = all_met and p99_met and ratio_met and max_met and intact and rss_met
    return all_met


def main() -> None:
    args = parse_args()
    _common.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    open_files = raise_open_files()
    database_url, given = bench_database()
    vendor = "postgresql" if is_postgres(database_url) else "sqlite"
    started = time.monotonic()
    prepared = prepare_chat(database_url, members=args.clients,
                            rooms={"bench-one": args.clients, "bench-two": args.clients,
                                   "bench-solo": 1})  # fmt: skip
    print(
        f"Prepared in {time.monotonic() - started:.1f} s ({vendor}): {args.clients} members, "
        f"rooms {', '.join(prepared.rooms)}; open files limit {open_files}",
        flush=True,
    )
    load_before = round(os.getloadavg()[0], 2)
    redis = RedisServer(_common.BENCH_DIR / "chat-redis.log")
    rows = []
    try:
        if args.setups in ("both", "one"):
            one = site_env(database_url, **SETTINGS)
            rows += asyncio.run(run_setup("1 daphne (memory layer)", 1, one, prepared,
                                          "bench-one", args))  # fmt: skip
            print_measured(rows[-2:])
        if args.setups in ("both", "two"):
            redis.log_path.unlink(missing_ok=True)
            redis.start()
            two = site_env(database_url, redis.url(), **SETTINGS)
            rows += asyncio.run(run_setup("2 daphne (Redis)", 2, two, prepared,
                                          "bench-two", args))  # fmt: skip
            print_measured(rows[-2:])
    finally:
        redis.stop()
        if not args.keep_database:
            drop_database(database_url)
    load_after = round(os.getloadavg()[0], 2)
    all_met = judge(rows)
    cores = os.cpu_count()
    title = (
        f"Chat over WebSocket on 127.0.0.1: {args.clients} members in one room, "
        f"{args.rate:g} message/s from random members for {args.seconds:g} s, round trip = "
        f"send → each other member's receipt; {vendor}, DEBUG=False, CHAT_HEAD_CHECK_SECONDS "
        f"default; {cores} cores shared by the clients (all in this one process), the daphne "
        f"processes, Redis and the database; load average {load_before} before, "
        f"{load_after} after" + (" (soak)" if args.soak else "")
    )
    _common.print_table(title, COLUMNS, rows)
    for row in rows[1::2]:
        print(
            f"slowest messages, {row['setup']}: "
            + "; ".join(
                f"{m['message']} at +{m['sent_at_s']} s: median {m['median_ms']} ms, "
                f"max {m['max_ms']} ms"
                for m in row["slowest_messages"]
            )
        )
    for row in rows[1::2]:
        for minute in row["minutes"]:
            print(f"{row['setup']}, minute {minute['minute']}: {minute['deliveries']} "
                  f"deliveries, p50 {minute['p50_ms']} ms, p99 {minute['p99_ms']} ms, "
                  f"max {minute['max_ms']} ms")  # fmt: skip
    print(
        "note: the load generator runs on the same cores as the servers; compare the "
        "ratios to the baselines across machines rather than the milliseconds"
    )
    print("targets: all met" if all_met else "targets: NOT all met (see the FAIL cells)")
    _common.print_json_line({
        "bench": "chat", "cores": cores, "clients": args.clients, "rate": args.rate,
        "seconds": args.seconds, "baseline_round_trips": args.baseline,
        "connect_batch": args.connect_batch, "load_average_1m": load_before,
        "load_average_1m_after": load_after, "soak": args.soak is not None,
        "database": vendor, "database_given": given, "debug": False,
        "load_generator": "same machine, same cores, one asyncio process",
        "targets": TARGETS, "all_targets_met": all_met, "rows": rows,
    })  # fmt: skip


if __name__ == "__main__":
    main()
