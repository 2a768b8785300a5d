"""Chat servers of their own for tests/browser/test_chat.py: daphne processes on fixed ports over
the live site's database (so the same members and sessions), which a test may kill and start
again where its pages expect them, and a way to fill a room without the send limit.

On PostgreSQL + Redis runs REDIS_URL is inherited, so the processes share one channel layer.
Without it each process has its own in-memory layer, and messages cross between processes
through each socket's database head check, every ``CHAT_HEAD_CHECK_SECONDS``."""

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

from tests.browser.conftest import BROWSER_VAR, ROOT, _free_port, _stop, _wait_healthy

HEAD_CHECK_SECONDS = "0.5"

# Run in a child process: ``count`` messages into the room of group ``slug``, taking turns
# among ``authors``, past the send limit. Each gets a client_id from ``prefix``, so a second
# run with the same prefix adds nothing.
FILL = """
import json, sys
import django
django.setup()
from django.test.utils import override_settings
from groups.chat import services
from groups.models import Group
from members.models import User

spec = json.loads(sys.argv[1])
room = services.room_for_group(Group.objects.get(slug=spec["slug"]))
authors = [User.objects.get(email=address) for address in spec["authors"]]
with override_settings(RATE_LIMITS_ENABLED=False):
    for number in range(spec["start"], spec["start"] + spec["count"]):
        services.message_send(author=authors[number % len(authors)], room=room,
                              client_id=f"{spec['prefix']}-{number}",
                              body=f"{spec['prefix']} {number + 1}件目")
"""


def browser_database_url() -> str:
    """The live site's database, as tests/browser/conftest.py's live_site chose it."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.startswith(("postgres", "pgsql")):
        name = parts.path.lstrip("/") + "_browser"
        query = f"?{parts.query}" if parts.query else ""
        return f"{parts.scheme}://{parts.netloc}/{name}{query}"
    return f"sqlite:///{BROWSER_VAR / 'db.sqlite3'}"


def site_env(live_site) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": browser_database_url(),
        "EMAIL_URL": f"filemail://{live_site.mail_dir}",
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "cityhall.settings",
        "CHAT_HEAD_CHECK_SECONDS": HEAD_CHECK_SECONDS,
    }


class ChatServer:
    """One daphne on a port of its own that stays the same across ``kill`` and ``start``."""

    def __init__(self, env: dict, name: str):
        self.env, self.name = env, name
        self.port = _free_port()
        self.log_path = BROWSER_VAR / f"daphne-{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ChatServer":
        python = sys.executable
        daphne = shutil.which("daphne", path=str(Path(python).parent)) or "daphne"
        command = [daphne, "-b", "127.0.0.1", "-p", str(self.port), "cityhall.asgi:application"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        _wait_healthy(self.url, {self.name: self.process}, {self.name: self.log_path})
        return self

    def kill(self) -> None:
        """SIGKILL: the sockets break with no closing handshake, as in a crash."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


def fill_room(live_site, slug: str, authors: list[str], *, prefix: str, count: int,
              start: int = 0) -> None:  # fmt: skip
    """Messages "<prefix> <n>件目" for n = start + 1 … start + count in the room of ``slug``."""
    spec = json.dumps({"slug": slug, "authors": authors, "prefix": prefix, "count": count,
                       "start": start})  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", FILL, spec], cwd=ROOT, env=site_env(live_site),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"filling the {slug} room failed:\n{done.stderr[-4000:]}")
