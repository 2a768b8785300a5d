"""The site as real processes, for tests/groups/chat/test_processes.py, tests/browser/ and bench/:
daphne processes on 127.0.0.1 (``Daphne``, the one launcher) and the task worker beside them, a
fresh database prepared in a subprocess (migrations, members, rooms, signed-in sessions), a
private redis-server, and a resilient chat client that speaks docs/chat-protocol.md over a real
WebSocket.

Nothing here imports Django: the database is prepared by a child process, and the clients only
talk HTTP and WebSocket, so a bench can run hundreds of them in one plain asyncio process."""

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

ROOT = Path(__file__).resolve().parents[2]
# Logs and SQLite files of the live processes; TEST_VAR_DIR keeps two runs at once apart.
VAR_DIR = Path(os.environ.get("TEST_VAR_DIR") or ROOT / "var").resolve()
HOST = "127.0.0.1"
STARTUP_SECONDS = 180  # importing the site takes over a minute on a busy machine

UNAUTHENTICATED, FORBIDDEN = 4401, 4403  # cityhall.websocket: the client gives up on these


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


# --- databases -----------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme.startswith(("postgres", "pgsql"))


def fresh_database_url(suffix: str) -> str:
    """An empty database of its own, next to the one DATABASE_URL names: ``<name>_<suffix>`` on
    PostgreSQL (dropped and re-created), else the SQLite file var/<suffix>/db.sqlite3."""
    url = os.environ.get("DATABASE_URL", "")
    if is_postgres(url):
        parts = urllib.parse.urlsplit(url)
        url = urllib.parse.urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/')}_{suffix}"))
        recreate_database(url)
        return url
    directory = VAR_DIR / suffix
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / 'db.sqlite3'}"
    drop_database(url)
    return url


def _postgres_admin(url: str, statement: str) -> None:
    """``statement`` (``{}`` for the database name of ``url``) on the server's 'postgres'."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(parts.path.lstrip("/"))))


def recreate_database(url: str) -> None:
    if is_postgres(url):
        _postgres_admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
        _postgres_admin(url, "CREATE DATABASE {}")
    else:
        drop_database(url)


def drop_database(url: str) -> None:
    if is_postgres(url):
        _postgres_admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
        return
    path = urllib.parse.urlsplit(url).path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def site_env(database_url: str, redis_url: str | None = None, **settings: str) -> dict:
    """The environment of a site process: production-like (DEBUG off) over plain HTTP on
    127.0.0.1; Redis only when ``redis_url`` is given (else the in-memory layer)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({
        "DATABASE_URL": database_url, "DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": HOST, "DJANGO_SETTINGS_MODULE": "cityhall.settings",
        "PYTHONUNBUFFERED": "1", **settings,
    })  # fmt: skip
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


# Run in a child process (``python -c PREPARE <spec>``): migrate, then members with verified
# addresses (no usable password: they never sign in by form), open groups with chat, their
# rooms, event occurrences under way with their rooms (the first member organizes, the next
# ones are registered), and one signed-in session per member. The last line of output is JSON.
PREPARE = r"""
import json, sys
import django
django.setup()
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from events import services as event_services
from events.models import Occurrence, Registration, Series
from groups.chat import services
from groups.models import Group, Membership
from members.models import User

spec = json.loads(sys.argv[1])
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
with transaction.atomic():
    User.objects.bulk_create([
        User(email=f"chat{n}@city.kobe.lg.jp", handle=f"chat{n}", display_name=f"チャット 会員{n}",
             display_name_kana="ちゃっと かいいん", password=make_password(None))
        for n in range(spec["members"])
    ], batch_size=500)
    members = list(User.objects.filter(handle__startswith="chat").order_by("pk"))
    EmailAddress.objects.bulk_create([
        EmailAddress(user=m, email=m.email, verified=True, primary=True) for m in members
    ], batch_size=500)
    rooms, paths = {}, {}
    for slug, count in spec["rooms"].items():
        group = Group.objects.create(
            slug=slug, name=f"チャット {slug}", description="プロセスをまたぐチャットの確認用",
            kind=Group.Kind.OPEN, status=Group.Status.ACTIVE, proposed_by=members[0],
        )
        Membership.objects.bulk_create([
            Membership(group=group, member=m,
                       role=Membership.Role.OWNER if n == 0 else Membership.Role.MEMBER)
            for n, m in enumerate(members[:count])
        ], batch_size=500)
        rooms[slug] = services.room_for_group(group).pk
        paths[slug] = f"/groups/{slug}/chat/"
    for slug, count in spec.get("events", {}).items():
        group = Group.objects.create(
            slug=slug, name=f"イベント {slug}", description="イベントのチャットの確認用",
            kind=Group.Kind.OPEN, status=Group.Status.ACTIVE, proposed_by=members[0],
        )
        Membership.objects.create(group=group, member=members[0], role=Membership.Role.OWNER)
        started = timezone.now() - timedelta(minutes=5)
        series = Series.objects.create(group=group, title=f"勉強会 {slug}", first_start=started,
                                       capacity=count, created_by=members[0])
        series.organizers.add(members[0])
        occurrence = Occurrence.objects.create(
            series=series, rule_start=started, starts_at=started,
            ends_at=started + timedelta(hours=3), capacity=count,
            confirmed_count=count - 1, last_position=count - 1,
        )
        Registration.objects.bulk_create([
            Registration(occurrence=occurrence, member=m, position=n + 1,
                         status=Registration.Status.CONFIRMED)
            for n, m in enumerate(members[1:count])
        ], batch_size=500)
        rooms[slug] = event_services.room_for_occurrence(occurrence).pk
        paths[slug] = f"/events/{occurrence.pk}/chat/"
    cookies = []
    for member in members:
        session = SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.save(must_create=True)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
print(json.dumps({"rooms": rooms, "paths": paths, "members": [
    {"id": m.pk, "cookie": c} for m, c in zip(members, cookies, strict=True)
]}))
"""


@dataclass
class Member:
    id: int
    cookie: str  # the Cookie header of a signed-in session


@dataclass
class Prepared:
    database_url: str
    rooms: dict[str, int]  # slug -> room id
    members: list[Member]
    paths: dict[str, str]  # slug -> the room's page: /groups/<slug>/chat/ or /events/<id>/chat/

    def messages_path(self, slug: str) -> str:
        return f"{self.paths[slug]}messages"


def prepare_chat(database_url: str, *, members: int, rooms: dict[str, int],
                 events: dict[str, int] | None = None,
                 timeout: float = 240) -> Prepared:  # fmt: skip
    """Migrate the (empty) database and create ``members`` members and, for each slug in
    ``rooms``, an open group with chat whose members are the first ``rooms[slug]`` of them;
    for each slug in ``events``, an occurrence under way (its room open) in a group of that
    slug, organized by the first member, the next ``events[slug] - 1`` registered."""
    spec = json.dumps({"members": members, "rooms": rooms, "events": events or {}})
    done = subprocess.run(
        [sys.executable, "-c", PREPARE, spec], cwd=ROOT, env=site_env(database_url),
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"preparing {database_url} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Prepared(
        database_url=database_url, rooms=result["rooms"], paths=result["paths"],
        members=[Member(**member) for member in result["members"]],
    )  # fmt: skip


# --- processes -----------------------------------------------------------------------------


def _proc_status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise LookupError(field)


class Daphne:
    """One ``daphne`` serving ``app`` (the site by default) on a fixed 127.0.0.1 port, so that it
    can be killed and started again where its clients expect it. The one server launcher of the
    process tests, the browser tests and bench/."""

    def __init__(self, env: dict, log_path: Path, port: int | None = None, *,
                 app: str = "cityhall.asgi:application"):  # fmt: skip
        self.env, self.log_path, self.app = env, log_path, app
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> "Daphne":
        """Start it (the log is appended to, so a restart keeps what came before)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(self.port), self.app]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        return self

    def wait_ready(self, path: str = "/healthz", cookie: str | None = None,
                   timeout: float = STARTUP_SECONDS, also=()) -> "Daphne":  # fmt: skip
        """Until ``GET path`` (with the session ``cookie``, if given) answers 200: site, session
        store and database all up (``/healthz`` also waits for the task worker's heartbeat).
        Fails at once, with the log, if this process or one of ``also`` (other processes,
        each with ``process`` and ``log_path``, e.g. a Worker) exits meanwhile."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        headers = {"Cookie": cookie} if cookie else {}
        with httpx.Client(base_url=self.url, headers=headers, timeout=5,
                          trust_env=False) as http:  # fmt: skip
            while time.monotonic() < deadline:
                for server in (self, *also):
                    if server.process.poll() is not None:
                        raise RuntimeError(
                            f"{server.process.args[:3]} exited with {server.process.returncode}:"
                            f"\n{log_tail(server.log_path)}"
                        )
                try:
                    response = http.get(path)
                    if response.status_code == 200:
                        return self
                    last = f"{response.status_code}: {response.text[:500]}"
                except httpx.TransportError as error:
                    last = repr(error)
                time.sleep(0.1)
        logs = "\n".join(f"--- {server.log_path}\n{log_tail(server.log_path)}"
                         for server in (self, *also))  # fmt: skip
        raise RuntimeError(f"{self.url}{path} not 200 within {timeout}s (last: {last}):\n{logs}")

    def exits_within(self, seconds: float) -> bool:
        try:
            self.process.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the clients, work in flight is lost."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_all([self])

    def rss_kb(self) -> int:
        return _proc_status_kb(self.process.pid, "VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used (/proc/<pid>/stat)."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_kb(self) -> int:
        """The kernel's high-water mark of the resident set (VmHWM) since the process began."""
        return _proc_status_kb(self.process.pid, "VmHWM")


class Worker:
    """The background-task worker (``manage.py run_worker``) beside a Daphne."""

    def __init__(self, env: dict, log_path: Path, interval: float = 0.2):
        self.env, self.log_path, self.interval = env, log_path, interval
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # No autoreloader (DEBUG turns it on): nothing changes the code under a test run, and a
        # CI run's worker once stopped taking tasks for good behind it, mails unsent.
        command = [sys.executable, "manage.py", "run_worker", "--interval", str(self.interval),
                   "--no-reload"]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        return self

    def stop(self) -> None:
        stop_all([self])


class RedisServer:
    """A private ``redis-server`` on a free port, no persistence: stopping it loses everything,
    as a restarted cache node would."""

    def __init__(self, log_path: Path, port: int | None = None):
        self.log_path = log_path
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self, timeout: float = 10) -> "RedisServer":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--bind", HOST, "--port", str(self.port), "--save", "",
                   "--appendonly", "no", "--dir", str(self.log_path.parent)]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{log_tail(self.log_path)}")
            with contextlib.suppress(OSError):
                if redis_ping(HOST, self.port):
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server not answering within {timeout}s")

    def stop(self) -> None:
        stop_all([self])


def stop_all(servers, grace: float = 10) -> None:
    """SIGTERM to every one at once, then SIGKILL to any still running after ``grace``
    seconds (in all, not each)."""
    running = [s.process for s in servers if s.process is not None and s.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def redis_ping(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


# --- the client ----------------------------------------------------------------------------

BACKOFF_FIRST, BACKOFF_MAX = 0.05, 1.0
GAP_SECONDS = 1.0  # a gap not filled by "sync" within this: reconnect from the cursors
OPEN_TIMEOUT = 10.0
RETRY_RATE_LIMITED = 1.0


class ChatClient:
    """One member's socket to one room, as a careful browser tab would hold it.

    It keeps the cursors (``seq``: every message up to it is in ``log``; ``change``: the
    highest change taken in order), connects with ``?after=&changes=``, reconnects with
    backoff when the socket breaks, re-sends every un-acked message after each ``ready``, and
    on a gap (a message past ``seq + 1``) asks for a ``sync``; if that does not fill it within
    ``GAP_SECONDS`` it reconnects from its cursors. ``arrivals`` keeps every ``message`` frame's
    seq as it came, so a test can tell what the server sent from what the client made of it.

    ``after=None`` starts at the room's head (the ``ready`` frame), as a fresh page would."""

    def __init__(
        self,
        base_url: str,
        room_id: int,
        cookie: str,
        *,
        name: str,
        after: int | None = 0,
        on_message: Callable[["ChatClient", dict, float], None] | None = None,
    ):
        self.base_url, self.room_id, self.cookie, self.name = base_url, room_id, cookie, name
        self.seq = after
        self.change = None if after is None else 0
        self.on_message = on_message
        self.log: list[dict] = []  # messages in seq order, each once
        self.arrivals: list[int] = []  # the seq of every message frame, as received
        self.updates: list[dict] = []  # message.updated frames
        self.pending: dict[str, dict] = {}  # client_id -> frame, not acked yet
        self.acks: dict[str, int] = {}  # client_id -> seq
        self.ack_conflicts: list[tuple[str, int, int]] = []  # same client_id, another seq
        self.errors: list[dict] = []
        self.other_frames: dict[str, int] = {}  # e.g. presence: counted, not interpreted
        self.other_at: float | None = None  # monotonic time of the last such frame
        self.held: dict[int, tuple[dict, float]] = {}  # frames past a gap
        self.gaps = self.duplicates = self.reloads = 0
        self.opens = 0  # sockets opened
        self.breaks = 0  # sockets lost or refused (then retried)
        self.close_codes: list[int | None] = []
        self.fatal: int | None = None  # 4401 / 4403: the client stopped
        self.ready = asyncio.Event()  # set while up to date after a "ready" frame
        self.started_at: float | None = None  # monotonic time of start()
        self.ready_at: float | None = None  # monotonic time of the first "ready"
        self.crash: BaseException | None = None  # a bug in this client, kept for the report
        self._socket: ClientConnection | None = None
        self._task: asyncio.Task | None = None
        self._count = 0

    def __repr__(self) -> str:
        return (f"<ChatClient {self.name} seq={self.seq} pending={len(self.pending)} "
                f"opens={self.opens} breaks={self.breaks} gaps={self.gaps} "
                f"errors={len(self.errors)} fatal={self.fatal} crash={self.crash!r}>")  # fmt: skip

    @property
    def ws_url(self) -> str:
        port = urllib.parse.urlsplit(self.base_url).port
        query = "" if self.seq is None else f"?after={self.seq}&changes={self.change}"
        return f"ws://{HOST}:{port}/ws/chat/{self.room_id}/{query}"

    @property
    def connected(self) -> bool:
        return self._socket is not None

    def start(self) -> "ChatClient":
        self.started_at = time.monotonic()
        self._task = asyncio.create_task(self._run(), name=f"chat-client-{self.name}")
        return self

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def send(self, body: str, client_id: str | None = None) -> str:
        """Queue a message (sent now if the socket is up, else after the next ``ready``);
        returns its client_id."""
        if client_id is None:
            self._count += 1
            client_id = f"{self.name}-{self._count}"
        frame = {"type": "message", "client_id": client_id, "body": body}
        self.pending[client_id] = frame
        if self.ready.is_set():
            await self._send(self._socket, frame)
        return client_id

    async def drop(self) -> None:
        """Close the socket as a network break would; the client reconnects."""
        if self._socket is not None:
            await self._socket.close()

    # --- the connection loop --------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._connections()
        except asyncio.CancelledError:
            raise
        except Exception as problem:
            self.crash = problem
            raise

    async def _connections(self) -> None:
        delay = BACKOFF_FIRST
        while True:
            code = None
            try:
                async with connect(
                    self.ws_url, origin=self.base_url, additional_headers={"Cookie": self.cookie},
                    proxy=None, compression=None, open_timeout=OPEN_TIMEOUT, close_timeout=2,
                ) as sock:  # fmt: skip
                    self._socket = sock
                    self.opens += 1
                    self.held.clear()
                    try:
                        async for raw in sock:
                            await self._frame(sock, raw, time.monotonic())
                            if self.ready.is_set():
                                delay = BACKOFF_FIRST
                    finally:
                        code = sock.close_code
            except (OSError, TimeoutError, WebSocketException):
                pass
            finally:
                self._socket = None
                self.ready.clear()
            self.close_codes.append(code)
            if code in (UNAUTHENTICATED, FORBIDDEN):
                self.fatal = code
                return
            self.breaks += 1
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_MAX)

    async def _send(self, sock: ClientConnection | None, frame: dict) -> None:
        if sock is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await sock.send(json.dumps(frame, ensure_ascii=False))

    async def _frame(self, sock: ClientConnection, raw, at: float) -> None:
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "message":
            await self._message(sock, frame, at)
        elif kind == "message.updated":
            self.updates.append(frame)
            if frame["seq"] <= self.seq and frame["change"] == self.change + 1:
                self.change = frame["change"]
        elif kind == "ready":
            if self.seq is None:
                self.seq, self.change = frame["seq"], frame["change"]
            await self._resend_pending(sock)
            if self.ready_at is None:
                self.ready_at = at
        elif kind == "reload":
            # More than the server replays: a page would load history over HTTP. This client
            # jumps to the head; what it skipped shows up as lost in the checks.
            self.reloads += 1
            self.seq, self.change = frame["seq"], frame["change"]
            await sock.close()
        elif kind == "ack":
            client_id, seq = frame["client_id"], frame["seq"]
            if client_id in self.acks and self.acks[client_id] != seq:
                self.ack_conflicts.append((client_id, self.acks[client_id], seq))
            self.acks.setdefault(client_id, seq)
            self.pending.pop(client_id, None)
        elif kind == "error":
            self.errors.append(frame)
            client_id = frame.get("client_id")
            if frame.get("code") == "rate_limited" and client_id in self.pending:
                asyncio.get_running_loop().call_later(RETRY_RATE_LIMITED, self._retry, client_id)
            elif client_id is not None:
                self.pending.pop(client_id, None)
        else:
            self.other_frames[kind] = self.other_frames.get(kind, 0) + 1
            self.other_at = at

    async def _resend_pending(self, sock: ClientConnection) -> None:
        """Every un-acked message again (the server answers a known client_id with the same
        ack), including those queued meanwhile; then the socket counts as ready."""
        sent: set[str] = set()
        while todo := [cid for cid in self.pending if cid not in sent]:
            for client_id in todo:
                if client_id in self.pending:
                    await self._send(sock, self.pending[client_id])
                sent.add(client_id)
        self.ready.set()

    def _retry(self, client_id: str) -> None:
        if client_id in self.pending and self.ready.is_set():
            asyncio.ensure_future(self._send(self._socket, self.pending[client_id]))

    async def _message(self, sock: ClientConnection, frame: dict, at: float) -> None:
        seq = frame["seq"]
        self.arrivals.append(seq)
        if seq <= self.seq:
            self.duplicates += 1
            return
        if seq > self.seq + 1:
            self.gaps += 1
            self.held[seq] = (frame, at)
            await self._send(sock, {"type": "sync"})
            asyncio.get_running_loop().call_later(GAP_SECONDS, self._gap_check, sock, self.seq)
            return
        self._accept(frame, at)
        while (self.seq + 1) in self.held:
            self._accept(*self.held.pop(self.seq + 1))

    def _accept(self, frame: dict, at: float) -> None:
        self.log.append(frame)
        self.seq = frame["seq"]
        self.change = max(self.change, frame["change"])
        if self.on_message is not None:
            self.on_message(self, frame, at)

    def _gap_check(self, sock: ClientConnection, seq_then: int) -> None:
        if self._socket is sock and self.seq <= seq_then and self.held:
            asyncio.ensure_future(sock.close())


# --- checks --------------------------------------------------------------------------------


async def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str,
                     state: Callable[[], object] = lambda: "") -> None:  # fmt: skip
    """Poll ``predicate`` every 20 ms until it holds; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s. {state()}")
        await asyncio.sleep(0.02)


async def holds(predicate: Callable[[], bool], *, seconds: float, what: str,
                state: Callable[[], object] = lambda: "") -> None:  # fmt: skip
    """Poll ``predicate`` every 20 ms for ``seconds``; AssertionError as soon as it fails."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not predicate():
            held = seconds - (deadline - time.monotonic())
            raise AssertionError(f"{what}: broke after {held:.1f} s. {state()}")
        await asyncio.sleep(0.02)


async def room_messages(base_url: str, path: str, cookie: str) -> list[dict]:
    """Every message of the room as the database has it, over HTTP, in seq order (``GET
    <path>?after=``, page by page; ``path``: Prepared.messages_path)."""
    found: list[dict] = []
    headers = {"Cookie": cookie, "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30,
                                 trust_env=False) as http:  # fmt: skip
        while True:
            after = found[-1]["seq"] if found else 0
            response = await http.get(path, params={"after": after})
            response.raise_for_status()
            page = response.json()["messages"]
            if not page:
                return found
            found.extend(page)


def delivery(client: ChatClient, seqs: list[int]) -> dict:
    """What ``client`` received against the room's ``seqs`` (the database's list): messages
    lost, frames duplicated, and first arrivals that came after a higher seq (reordered)."""
    seen: set[int] = set()
    duplicated = reordered = 0
    highest = 0
    for seq in client.arrivals:
        if seq in seen:
            duplicated += 1
            continue
        seen.add(seq)
        if seq < highest:
            reordered += 1
        highest = max(highest, seq)
    return {"lost": len(set(seqs) - seen), "duplicated": duplicated, "reordered": reordered}
