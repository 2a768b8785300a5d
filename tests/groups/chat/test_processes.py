"""The chat across real processes: daphne servers sharing Redis, real sockets, a real database,
and the faults the protocol is built for (a server killed mid-conversation, Redis restarted).

The module prepares its own database in a subprocess (``var/chatprocs/db.sqlite3``, or
``<name>_chatprocs`` when DATABASE_URL is PostgreSQL) and never touches pytest-django's test
database; the clients are tests.support.live_servers.ChatClient, which bench/chat.py uses
too. Whatever the run's REDIS_URL, the servers use Redis database 9 (or TEST_PROCESSES_REDIS_DB)
on the same Redis server (flushed first), and a private redis-server for the restart."""

import asyncio
import os
import re
import urllib.parse

import pytest

from tests.support.live_servers import (
    VAR_DIR,
    ChatClient,
    Daphne,
    Prepared,
    RedisServer,
    drop_database,
    fresh_database_url,
    holds,
    log_tail,
    prepare_chat,
    room_messages,
    site_env,
    stop_all,
    wait_until,
)

LOGS = VAR_DIR / "chatprocs"
# Not 1 (the suite's REDIS_URL) nor 2 (tests/conftest.py); .ci/run gives each suite its own.
REDIS_DB = int(os.environ.get("TEST_PROCESSES_REDIS_DB", "9"))
CLIENTS = 6  # 3 on each server
SETTINGS = {
    "CHAT_HEAD_CHECK_SECONDS": "0.5",
    "CHAT_SEND_LIMIT": "10000 per 10 seconds",
}
ROOMS = {
    name: CLIENTS
    for name in (
        "procs-two",
        "procs-kill",
        "procs-redis",
        "procs-flush",
        "procs-quiet",
        "procs-sigterm",
    )
}
# The same conversations in an event occurrence's room (a room without a group).
EVENTS = {"event-two": CLIENTS, "event-kill": CLIENTS}
BODY = re.compile(r"<p>(\S+) の発言です</p>")
END_SECONDS = 30


def _shared_redis_url() -> str:
    parts = urllib.parse.urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1")
    return urllib.parse.urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def _start(servers: list[Daphne], prepared: Prepared) -> None:
    for server in servers:
        server.start()
    for server in servers:
        _wait_ready(server, prepared)


def _wait_ready(server: Daphne, prepared: Prepared) -> None:
    slug = next(iter(prepared.rooms))
    server.wait_ready(f"{prepared.messages_path(slug)}?after=0", prepared.members[0].cookie)


@pytest.fixture(scope="module")
def prepared():
    for log in LOGS.glob("*.log"):
        log.unlink()
    url = fresh_database_url("chatprocs")
    try:
        yield prepare_chat(url, members=CLIENTS, rooms=ROOMS, events=EVENTS)
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def servers(prepared):
    """Two daphne processes on one Redis."""
    import redis

    redis_url = _shared_redis_url()
    redis.Redis.from_url(redis_url).flushdb()
    env = site_env(prepared.database_url, redis_url, **SETTINGS)
    pair = [Daphne(env, LOGS / f"daphne-{name}.log") for name in ("a", "b")]
    try:
        _start(pair, prepared)
        yield pair
    finally:
        stop_all(pair)


async def _connected(servers, prepared, slug):
    """One client per member, alternating between the servers, all past their ``ready``."""
    room_id = prepared.rooms[slug]
    clients = [
        ChatClient(servers[n % len(servers)].url, room_id, member.cookie, name=f"m{member.id}")
        for n, member in enumerate(prepared.members)
    ]
    for client in clients:
        client.start()
    await wait_until(lambda: all(c.ready.is_set() for c in clients), timeout=20,
                     what="every client connected", state=lambda: clients)  # fmt: skip
    return clients


async def _talk(client: ChatClient, count: int, pause: float, sent: list[str]) -> None:
    for number in range(count):
        client_id = f"{client.name}-{number + 1}"
        sent.append(client_id)
        await client.send(f"{client_id} の発言です", client_id=client_id)
        await asyncio.sleep(pause)  # pacing the conversation, not waiting for a result


async def _end_state(clients, prepared, slug, sent: list[str], server: Daphne) -> None:
    """Every send acked and every client holding every message; then each one's list is the
    database's, exactly once and in seq order, and each client_id made exactly one message."""
    total = len(sent)
    await wait_until(
        lambda: all(not c.pending and c.seq == total for c in clients), timeout=END_SECONDS,
        what=f"every client acked and holding all {total} messages", state=lambda: clients,
    )  # fmt: skip
    database = await room_messages(server.url, prepared.messages_path(slug),
                                   prepared.members[0].cookie)  # fmt: skip
    seqs = [message["seq"] for message in database]
    assert seqs == list(range(1, total + 1))
    made_by = [BODY.search(message["body_html"]).group(1) for message in database]
    assert sorted(made_by) == sorted(sent), "each client_id made exactly one message"
    seq_of = dict(zip(made_by, seqs, strict=True))
    rows = [(m["seq"], m["change"], m["author"]["id"], m["body_html"]) for m in database]
    for client in clients:
        assert client.crash is None and client.fatal is None, client
        assert client.arrivals == seqs, f"{client.name} got frames twice or out of order"
        assert [(m["seq"], m["change"], m["author"]["id"], m["body_html"])
                for m in client.log] == rows, client.name  # fmt: skip
        assert not client.errors, (client.name, client.errors)
        assert not client.ack_conflicts, (client.name, client.ack_conflicts)
        assert client.acks == {cid: seq_of[cid] for cid in sent
                               if cid.startswith(f"{client.name}-")}  # fmt: skip


async def _closed(clients) -> None:
    await asyncio.gather(*(client.close() for client in clients))


@pytest.mark.parametrize("slug", ["procs-two", "event-two"])
async def test_clients_of_two_processes_get_every_message_once_in_order(servers, prepared, slug):
    clients = await _connected(servers, prepared, slug)
    sent: list[str] = []
    try:
        await asyncio.gather(*(_talk(client, 8, 0, sent) for client in clients))
        await _end_state(clients, prepared, slug, sent, servers[0])
    finally:
        await _closed(clients)
    assert all(client.opens == 1 and client.gaps == 0 for client in clients)


@pytest.mark.parametrize("slug", ["procs-kill", "event-kill"])
async def test_a_killed_process_loses_nothing_and_repeats_nothing(servers, prepared, slug):
    """kill -9 of server B while all six talk; B comes back on its port, its clients
    reconnect with their cursors and re-send what was not acked."""
    clients = await _connected(servers, prepared, slug)
    on_a, on_b = clients[0::2], clients[1::2]
    sent: list[str] = []
    # 6 × 30 messages over about 3 s: B is killed once 10 have arrived, with most of the
    # conversation still to come however slow the machine is.
    talking = [asyncio.create_task(_talk(client, 30, 0.1, sent)) for client in clients]
    try:
        await wait_until(lambda: len(on_a[0].log) >= 10, timeout=20,
                         what="10 messages before the kill", state=lambda: clients)  # fmt: skip
        unacked_before = sum(len(client.pending) for client in on_b)
        servers[1].kill()
        await wait_until(lambda: all(not c.connected for c in on_b), timeout=10,
                         what="B's clients see their sockets break", state=lambda: on_b)  # fmt: skip
        servers[1].start()
        await asyncio.to_thread(_wait_ready, servers[1], prepared)
        await wait_until(lambda: all(c.opens >= 2 for c in on_b), timeout=END_SECONDS,
                         what="B's clients reconnected", state=lambda: on_b)  # fmt: skip
        await asyncio.gather(*talking)
        await _end_state(clients, prepared, slug, sent, servers[0])
    finally:
        for task in talking:
            task.cancel()
        await _closed(clients)
    assert all(client.opens >= 2 for client in on_b), on_b
    assert all(client.opens == 1 for client in on_a), on_a
    print(f"un-acked on B at the kill: {unacked_before}; {len(sent)} messages")


async def test_a_redis_restart_loses_nothing_and_repeats_nothing(prepared):
    """Redis stops mid-conversation (everything in it is gone) and starts again on its port.
    Sockets that break reconnect; those that stay up are filled in by the head check. (In
    practice none stays up: the consumer's channel-layer receive fails with the connection,
    so channels closes every socket of both servers; the next test covers sockets that
    stay.)"""
    redis_server = RedisServer(LOGS / "redis.log").start()
    env = site_env(prepared.database_url, redis_server.url(), **SETTINGS)
    pair = [Daphne(env, LOGS / f"daphne-redis-{name}.log") for name in ("a", "b")]
    clients = []
    talking = []
    try:
        await asyncio.to_thread(_start, pair, prepared)
        clients = await _connected(pair, prepared, "procs-redis")
        talkers, listeners = clients[:4], clients[4:]
        sent: list[str] = []
        # 4 × 40 messages over about 4 s: Redis stops once 10 have arrived, with most of the
        # conversation still to come however slow the machine is.
        talking = [asyncio.create_task(_talk(client, 40, 0.1, sent)) for client in talkers]
        await wait_until(lambda: len(listeners[0].log) >= 10, timeout=20,
                         what="10 messages before Redis stops", state=lambda: clients)  # fmt: skip
        at_stop = len(sent)
        await asyncio.to_thread(redis_server.stop)
        await wait_until(lambda: len(sent) >= at_stop + 12, timeout=10,
                         what="sends while Redis is down", state=lambda: clients)  # fmt: skip
        await asyncio.to_thread(redis_server.start)
        await asyncio.gather(*talking)
        await _end_state(clients, prepared, "procs-redis", sent, pair[0])
        print("opens per client:", [client.opens for client in clients])
    finally:
        for task in talking:
            task.cancel()
        await _closed(clients)
        stop_all(pair)
        redis_server.stop()


async def test_sockets_that_stay_up_while_redis_forgets_are_filled_in(servers, prepared):
    """Redis loses its data but not its connections (FLUSHDB mid-conversation, as a failover
    to an empty replica would): no socket breaks, yet every one has silently left its
    channel-layer group, so no event reaches it. The head check (every 0.5 s here) must
    still bring every message, once and in order."""
    import redis

    clients = await _connected(servers, prepared, "procs-flush")
    sent: list[str] = []
    talking = [asyncio.create_task(_talk(client, 15, 0.1, sent)) for client in clients]
    try:
        await wait_until(lambda: len(clients[0].log) >= 10, timeout=20,
                         what="10 messages before the flush", state=lambda: clients)  # fmt: skip
        await asyncio.to_thread(redis.Redis.from_url(_shared_redis_url()).flushdb)
        await asyncio.gather(*talking)
        await _end_state(clients, prepared, "procs-flush", sent, servers[0])
        group = f"asgi:group:chat-{prepared.rooms['procs-flush']}"  # channels_redis's key
        assert not redis.Redis.from_url(_shared_redis_url()).exists(group), "nobody in the group"
    finally:
        for task in talking:
            task.cancel()
        await _closed(clients)
    assert all(client.opens == 1 for client in clients), clients


async def test_sockets_stay_open_in_a_quiet_room(servers, prepared):
    """Nobody speaks for 8 s: every socket stays open, and the next message reaches all.

    redis-py 8 reads with a 5 s timeout by default, the layer's BZPOPMIN blocks for up to 5 s,
    and the consumer died with "Timeout reading from 127.0.0.1:6379" (close code 1011) until
    cityhall/settings.py gave the layer a longer socket_timeout (django/channels_redis#422)."""
    clients = await _connected(servers, prepared, "procs-quiet")
    try:
        await holds(lambda: all(c.connected and c.opens == 1 for c in clients), seconds=8,
                    what="every socket open while the room is quiet",
                    state=lambda: [(c.name, c.close_codes) for c in clients])  # fmt: skip
        sent = [f"{clients[0].name}-1"]
        await clients[0].send(f"{sent[0]} の発言です", client_id=sent[0])
        await _end_state(clients, prepared, "procs-quiet", sent, servers[0])
    finally:
        await _closed(clients)


async def test_a_server_stops_on_sigterm_while_members_enter(prepared):
    """`docker stop` sends SIGTERM and SIGKILL 10 s later: daphne must exit at once, also
    when members are entering the room at that moment.

    Presence used to be published from the database thread (async_to_sync(group_send) on
    commit), which waited for the event loop SIGTERM had stopped, and interpreter exit waited
    for that thread for ever. Sockets now announce presence themselves (PresenceOutbox)."""
    server = Daphne(site_env(prepared.database_url), LOGS / "daphne-sigterm.log")
    await asyncio.to_thread(_start, [server], prepared)
    clients = [ChatClient(server.url, prepared.rooms["procs-sigterm"], member.cookie,
                          name=f"t{member.id}").start() for member in prepared.members]  # fmt: skip
    readies = [asyncio.create_task(client.ready.wait()) for client in clients]
    try:
        await asyncio.wait(readies, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        server.process.terminate()  # the first is in, the others are still entering
        exited = await asyncio.to_thread(server.exits_within, 5)
    finally:
        for ready in readies:
            ready.cancel()
        await _closed(clients)
        stop_all([server], grace=0.5)
    assert exited, f"daphne still running 5 s after SIGTERM:\n{log_tail(server.log_path)}"
