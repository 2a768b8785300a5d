"""Chat servers of their own for tests/browser/test_chat.py: daphne processes (the shared
tests.support.live_servers.Daphne) on fixed ports over the live site's database (so the same
members and sessions), which a test may kill and start again where its pages expect them, and a
way to fill a room without the send limit.

On PostgreSQL + Redis runs REDIS_URL is inherited, so the processes share one channel layer.
Without it each process has its own in-memory layer, and messages cross between processes
through each socket's database head check, every ``CHAT_HEAD_CHECK_SECONDS``."""

import json
import subprocess
import sys

from tests.browser.conftest import BROWSER_VAR, ROOT
from tests.browser.conftest import site_env as live_site_env
from tests.support.live_servers import Daphne

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


def site_env(live_site) -> dict:
    return live_site_env(live_site.database_url, live_site.mail_dir,
                         CHAT_HEAD_CHECK_SECONDS=HEAD_CHECK_SECONDS)  # fmt: skip


def chat_server(live_site, name: str) -> Daphne:
    """A daphne of its own over the live site's database, started and answering; ``kill()``
    it, then ``start().wait_ready()`` brings it back on the same port."""
    server = Daphne(site_env(live_site), BROWSER_VAR / f"daphne-{name}.log")
    return server.start().wait_ready()


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
