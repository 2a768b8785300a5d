"""Memory of the web process when images are uploaded: a normal icon (the baseline), an image
bomb as an icon (a 140 KB PNG of 12000×12000 pixels), four of each at once, and 144-megapixel
attachments, each case in a fresh daphne process; then the worker making the attachments'
previews. Figures from /proc: the resident set before and after (VmRSS) and its high-water
mark during the requests (VmHWM, reset first where the kernel allows it). Meanwhile another
client GETs /healthz every 5 ms: the longest it waited is how long the case held up everyone
else the process serves (a 10 MB form, case "form": what the server does with a body before
Django sees it).

    .venv/bin/python bench/uploads.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cityhall_bench .venv/bin/python \
        bench/uploads.py
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402
from tests.support import live_servers  # noqa: E402
from tests.support.images import png  # noqa: E402

GROUP = "bench-uploads"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LIMIT_MB = 100  # the target: a bomb grows the web process by at most this
TOO_LARGE = "画素数が大きすぎます"
MB = 1024


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--cases", default="small,bomb,small4,bomb4,attach,attach4,form",
                        help="which cases, by key, comma-separated; also: body")  # fmt: skip
    parser.add_argument("--body-mb", type=int, default=200, help="size of the 'body' case")
    return parser.parse_args()


def small_png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (256, 256), "#0b5394").save(buffer, "PNG")
    return buffer.getvalue()


class Case:
    def __init__(self, name: str, key: str, count: int, send, expect: str):
        self.name, self.key, self.count, self.send, self.expect = name, key, count, send, expect


def csrf(http: httpx.Client, path: str) -> tuple[str, str, str]:
    """The form's token, the csrftoken cookie and the page, from GET ``path``."""
    page = http.get(path)
    if page.status_code != 200:
        raise SystemExit(f"GET {path}: {page.status_code}")
    return CSRF_INPUT.search(page.text).group(1), page.cookies["csrftoken"], page.text


def post_avatar(base_url: str, cookie: str, content: bytes) -> httpx.Response:
    with httpx.Client(base_url=base_url, headers={"Cookie": cookie}, timeout=120,
                      trust_env=False) as http:  # fmt: skip
        token, csrf_cookie, page = csrf(http, "/profile/")
        fields = {"csrfmiddlewaretoken": token, "record_as_transfer": "on"}
        for name in ("handle", "display_name", "display_name_kana"):
            fields[name] = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
        return http.post(
            "/profile/", data=fields, files={"avatar": ("icon.png", content, "image/png")},
            headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie}", "Origin": base_url},
        )  # fmt: skip


def post_attachment(base_url: str, cookie: str, content: bytes) -> httpx.Response:
    path = f"/groups/{GROUP}/new/"
    with httpx.Client(base_url=base_url, headers={"Cookie": cookie}, timeout=120,
                      trust_env=False) as http:  # fmt: skip
        token, csrf_cookie, _ = csrf(http, path)
        return http.post(
            path,
            data={"csrfmiddlewaretoken": token, "title": "航空写真", "body": "現場の写真です。"},
            files={"files": ("航空写真.png", content, "image/png")},
            headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie}", "Origin": base_url},
        )  # fmt: skip


def post_body(base_url: str, size: int) -> httpx.Response:
    """``size`` bytes posted without a session or CSRF token, as anyone on the network may."""
    with httpx.Client(base_url=base_url, timeout=300, trust_env=False) as http:
        return http.post("/profile/", content=bytes(size),
                         headers={"Content-Type": "application/octet-stream"})  # fmt: skip


def post_form(base_url: str, size: int) -> httpx.Response:
    """A form with a file of ``size`` random bytes, without a session or CSRF token."""
    with httpx.Client(base_url=base_url, timeout=120, trust_env=False) as http:
        upload = ("資料.pdf", os.urandom(size), "application/pdf")
        return http.post("/profile/", data={"bio": "x"}, files={"files": upload})


class Waits:
    """GETs ``/healthz`` every 5 ms from a thread of its own until stopped; ``longest_ms``."""

    def __init__(self, base_url: str):
        self.base_url, self.longest_ms, self._stop = base_url, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Waits":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30, trust_env=False) as http:
            while not self._stop.is_set():
                started = time.perf_counter()
                http.get("/healthz")
                waited = (time.perf_counter() - started) * 1000
                self.longest_ms = max(self.longest_ms, waited)
                time.sleep(0.005)


def outcome(response: httpx.Response) -> str:
    if response.status_code == 302:
        return "accepted"
    if response.status_code in (200, 400) and TOO_LARGE in response.text:
        return "refused"
    errors = re.findall(r"class=\"error\"[^>]*>([^<]*)<", response.text)
    return f"HTTP {response.status_code} {errors[:3]}"


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux: ``5`` to clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def run_case(case: Case, env: dict, members, log_dir: Path) -> dict:
    server = live_servers.Daphne(env, log_dir / f"uploads-daphne-{case.key}.log").start()
    try:
        server.wait_ready("/profile/", members[0].cookie)
        for member in members[: case.count]:  # warm: each session, the form, the group page
            with httpx.Client(base_url=server.url, headers={"Cookie": member.cookie},
                              trust_env=False, timeout=30) as http:  # fmt: skip
                http.get("/profile/")
                http.get(f"/groups/{GROUP}/new/")
        before = server.rss_kb()
        peak_reset = reset_peak(server.pid)
        with Waits(server.url) as waits, concurrent.futures.ThreadPoolExecutor(case.count) as pool:
            results = list(
                pool.map(lambda m: case.send(server.url, m.cookie), members[: case.count])
            )
        after, peak = server.rss_kb(), server.peak_rss_kb()
    finally:
        server.stop()
    return {
        "case": case.name, "key": case.key, "requests": case.count, "expected": case.expect,
        "outcome": ", ".join(sorted({outcome(r) for r in results})),
        "rss_before_mb": round(before / MB, 1),
        "rss_growth_mb": round((after - before) / MB, 1),
        "peak_growth_mb": round((peak - before) / MB, 1) if peak_reset else None,
        "others_waited_max_ms": round(waits.longest_ms, 1),
    }  # fmt: skip


def run_worker(env: dict) -> dict:
    """The worker, once through the queue (``--batch``): the previews of the accepted
    attachments. Its peak RSS from wait4's rusage."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--batch"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"worker exited with {process.returncode}: {process.stderr.read()[-2000:]}"
        )
    return {"seconds": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(usage.ru_maxrss / MB, 1)}  # fmt: skip


def django_says(env: dict, code: str) -> str:
    """Run ``code`` after django.setup() in a child process; its output."""
    command = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def count_previews(env: dict) -> tuple[int, int]:
    total, previews = django_says(env, (
        "from groups.models import Attachment; "
        "print(Attachment.objects.count(), Attachment.objects.exclude(preview='').count())"
    )).split()  # fmt: skip
    return int(total), int(previews)


def main() -> None:
    args = parse_args()
    bomb, small, aerial = png(12000, 12000, "L"), small_png(), png(12000, 12000, "L")
    database_url = live_servers.fresh_database_url("uploads_bench")
    log_dir = live_servers.VAR_DIR / "bench"
    media = log_dir / "uploads-media"
    shutil.rmtree(media, ignore_errors=True)
    try:
        prepared = live_servers.prepare_chat(database_url, members=4, rooms={GROUP: 4})
        env = live_servers.site_env(database_url, MEDIA_ROOT=str(media))
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
        django_says(env, (  # the profile form needs an organization (the address says Kobe)
            "from members.models import Organization, User; "
            "User.objects.update(organization=Organization.objects.get(name='神戸市'))"
        ))  # fmt: skip
        avatar = lambda content: lambda url, cookie: post_avatar(url, cookie, content)  # noqa: E731
        attach = lambda content: lambda url, cookie: post_attachment(url, cookie, content)  # noqa: E731
        cases = [
            Case("small icon (256×256 PNG)", "small", 1, avatar(small), "accepted"),
            Case("icon bomb (12000×12000 PNG, 140 KB)", "bomb", 1, avatar(bomb), "refused"),
            Case("4 small icons at once", "small4", 4, avatar(small), "accepted"),
            Case("4 icon bombs at once", "bomb4", 4, avatar(bomb), "refused"),
            Case("144 MP attachment (accepted)", "attach", 1, attach(aerial), "accepted"),
            Case("4 × 144 MP attachments at once", "attach4", 4, attach(aerial), "accepted"),
            Case("10 MB form, anonymous", "form", 1,
                 lambda url, _cookie: post_form(url, 10 * 2**20), "HTTP 403 []"),
            Case(f"{args.body_mb} MB body, anonymous", "body", 1,
                 lambda url, _cookie: post_body(url, args.body_mb * 2**20), "HTTP 403 []"),
        ]  # fmt: skip
        keys = args.cases.split(",")
        rows = [run_case(c, env, prepared.members, log_dir) for c in cases if c.key in keys]
        worker, attachments, previews = None, 0, 0
        if any(key.startswith("attach") for key in keys):
            worker = run_worker(env)
            attachments, previews = count_previews(env)
    finally:
        shutil.rmtree(media, ignore_errors=True)
        if not args.keep_database:
            live_servers.drop_database(database_url)
    report(rows, worker, attachments, previews, database_url)


def report(rows: list[dict], worker: dict, attachments: int, previews: int, url: str) -> None:
    base = {r["key"]: r for r in rows}
    for row in rows:
        baseline = base.get("small4" if row["requests"] == 4 else "small")
        peak, base_peak = row["peak_growth_mb"], baseline and baseline["peak_growth_mb"]
        row["peak_minus_baseline_mb"] = round(peak - base_peak, 1) if base_peak else None
        row["peak_ratio"] = round(peak / base_peak, 1) if base_peak else None
        within = max(row["rss_growth_mb"], row["peak_growth_mb"] or 0) <= LIMIT_MB
        row["target"] = "pass" if within and row["outcome"] == row["expected"] else "FAIL"
    database = "PostgreSQL" if live_servers.is_postgres(url) else "SQLite"
    _common.print_table(
        f"Web process memory per upload case: one fresh daphne each, DEBUG off, {database}, "
        f"{os.cpu_count()} cores; growth = VmRSS after - before; peak = VmHWM - VmRSS before; "
        f"baseline: the small icon(s), same count; target: growth and peak at most {LIMIT_MB} MB",
        [
            ("case", "case"),
            ("req", "requests"),
            ("expected", "expected"),
            ("outcome", "outcome"),
            ("RSS before MB", "rss_before_mb"),
            ("growth MB", "rss_growth_mb"),
            ("peak MB", "peak_growth_mb"),
            ("peak - baseline MB", "peak_minus_baseline_mb"),
            ("peak / baseline", "peak_ratio"),
            ("others waited ms (max)", "others_waited_max_ms"),
            ("target", "target"),
        ],
        rows,
    )
    if worker:
        print(
            f"worker, once through the queue: {previews} previews of {attachments} attachments"
            f" (144 MP each) in {worker['seconds']} s, peak RSS {worker['peak_rss_mb']} MB"
        )
    _common.print_json_line({
        "bench": "uploads", "database": database, "cores": os.cpu_count(),
        "limit_mb": LIMIT_MB, "cases": rows, "worker": worker,
        "attachments": attachments, "previews": previews,
        "pass": all(r["target"] != "FAIL" for r in rows) and previews == attachments,
    })  # fmt: skip


if __name__ == "__main__":
    main()
