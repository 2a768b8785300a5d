"""Playwright tests against a real daphne server and task worker.

The session starts its own site on a free port with its own database (SQLite under
var/browser/, or ``<name>_browser`` when DATABASE_URL points at PostgreSQL), demo data and a
file mailbox. Tests never touch the pytest-django test database: everything they need they
read through the browser or from the mail files.
"""

import email
import email.policy
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.live_servers import VAR_DIR, Daphne, Worker, fresh_database_url, stop_all

ROOT = Path(__file__).resolve().parents[2]
BROWSER_VAR = VAR_DIR / "browser"
SCREENSHOTS = VAR_DIR / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

DEMO_MEMBER = "demo-member@city.kobe.lg.jp"
DEMO_PASSWORD = "demo-pass-2026"

STARTUP_SECONDS = 60
MAIL_SECONDS = 20
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
CODE = re.compile(r"^(\d{4}-\d{4})$", re.MULTILINE)

# Run in the preparation subprocess: migrate, cache table, demo members. The demo passwords
# are hashed with PBKDF2 at a few iterations (same algorithm name, so the server verifies them
# and upgrades the hash at first login): full-strength hashing of 15 members takes ~8 s.
PREPARE = """
import django
django.setup()
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.test.utils import override_settings

class QuickPBKDF2(PBKDF2PasswordHasher):
    iterations = 1000

call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
with override_settings(PASSWORD_HASHERS=["__main__.QuickPBKDF2"]):
    call_command("seed_demo", verbosity=0)
"""


# --- the live server ---------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    mail_dir: Path
    database_url: str

    def __str__(self) -> str:
        return self.url


def site_env(database_url: str, mail_dir: Path, **settings: str) -> dict:
    """The environment of the live site's processes (DEBUG on, mail into files)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"filemail://{mail_dir}",
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "cityhall.settings",
        **settings,
    }


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """The site under test (not pytest-django's ``live_server``, which would need its test
    database): ``live_site.url`` and ``live_site.mail_dir``."""
    BROWSER_VAR.mkdir(parents=True, exist_ok=True)
    mail_dir = tmp_path_factory.mktemp("mail")
    database_url = fresh_database_url("browser")  # var/browser/db.sqlite3 or <name>_browser
    env = site_env(database_url, mail_dir)
    prepare = subprocess.run(
        [sys.executable, "-c", PREPARE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    if prepare.returncode != 0:
        raise RuntimeError(f"preparing the browser database failed:\n{prepare.stderr[-4000:]}")
    for name in ("daphne.log", "worker.log"):
        (BROWSER_VAR / name).unlink(missing_ok=True)
    server = Daphne(env, BROWSER_VAR / "daphne.log")
    worker = Worker(env, BROWSER_VAR / "worker.log")
    try:
        worker.start()
        server.start().wait_ready("/healthz", timeout=STARTUP_SECONDS, also=[worker])
        yield LiveServer(url=server.url, mail_dir=mail_dir, database_url=database_url)
    finally:
        stop_all([server, worker])


# --- mail --------------------------------------------------------------------------------


def _messages(mail_dir: Path):
    """Every complete message in the file mailbox, oldest first."""
    files = sorted(mail_dir.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    for path in files:
        chunks = path.read_bytes().split(MAIL_SEPARATOR)
        for chunk in chunks[:-1]:  # the last piece is empty or still being written
            yield email.message_from_bytes(chunk, policy=email.policy.default)


def _body(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


@pytest.fixture(scope="session")
def read_code(live_site):
    """``read_code(address)``: the newest verification code mailed to ``address``, waiting
    (bounded) for the worker to send it. ``not_in`` skips codes the test already used."""

    def read(address: str, *, not_in=(), timeout: float = MAIL_SECONDS) -> str:
        deadline = time.monotonic() + timeout
        while True:
            codes = [
                match.group(1)
                for message in _messages(live_site.mail_dir)
                if address.lower() in str(message["To"]).lower()
                for match in [CODE.search(_body(message))]
                if match and match.group(1) not in not_in
            ]
            if codes:
                return codes[-1]
            if time.monotonic() > deadline:
                found = [str(m["To"]) for m in _messages(live_site.mail_dir)]
                raise AssertionError(
                    f"no code mailed to {address} within {timeout}s; mail to: {found}"
                )
            time.sleep(0.1)

    return read


# --- browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_site):
    """``new_context(**options)``: a fresh browser context (own cookies) on the live site, in
    Japanese and Tokyo time; closed after the test."""
    contexts = []

    def make(**options):
        options = {
            "locale": "ja-JP",
            "timezone_id": "Asia/Tokyo",
            "base_url": live_site.url,
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(scope="session")
def login():
    """``login(page, email=DEMO_MEMBER)``: sign in through the login form and land on home."""

    def sign_in(page, address: str = DEMO_MEMBER, password: str = DEMO_PASSWORD):
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(address)
        page.locator("input[name=password]").fill(password)
        page.locator("form:has(input[name=password]) [type=submit]").click()
        page.wait_for_url(lambda url: urllib.parse.urlsplit(url).path == "/")
        return page

    return sign_in


@pytest.fixture(scope="session")
def member_state(browser, live_site, login):
    """The demo member's signed-in cookies, for ``new_context(storage_state=member_state)``
    in tests that only need to be signed in (one login for the whole run)."""
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_site.url)
    try:
        login(context.new_page())
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def member_page(new_context, member_state):
    """A page already signed in as the demo member."""
    return new_context(storage_state=member_state).new_page()


@pytest.fixture(scope="session")
def sign_up():
    """``sign_up(page, address, name, kana, password)``: fill and send the sign-up form."""

    def submit(page, address: str, name: str = "横浜 花子", kana: str = "よこはま はなこ",
               password: str = "minatomirai-2026!"):  # fmt: skip
        page.goto("/accounts/signup/")
        page.get_by_label("メールアドレス").fill(address)
        page.get_by_label("氏名").fill(name)
        page.get_by_label("よみがな").fill(kana)
        page.locator("#id_password1").fill(password)
        page.locator("#id_password2").fill(password)
        page.get_by_role("button", name="ユーザー登録").click()
        page.wait_for_load_state()
        return page

    return submit


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, "home")`` saves var/screenshots/home.png (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- accessibility -----------------------------------------------------------------------

BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page (evaluated through the DevTools protocol, so the site's CSP,
    which forbids inline scripts, stays on) and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary,
                                          html: n.html.slice(0, 200)})),
            }));
        }"""
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}  {node['html']}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def axe_check(page) -> list[dict]:
    """Assert axe-core finds nothing serious or critical; return the minor findings."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{format_violations(blocking)}"
    if violations:  # shown with -s or -rP: worth fixing, not worth failing the run
        print(f"axe-core, minor findings on {page.url}:\n{format_violations(violations)}")
    return violations


@pytest.fixture(name="axe_check", scope="session")
def axe_check_fixture():
    return axe_check
