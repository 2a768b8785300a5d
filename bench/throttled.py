"""What a member sees on a slow connection: the topic page (50 posts) and the group's chat room
(50 messages) in a real Chromium over real HTTP against one daphne process on 127.0.0.1, with
the network throttled through the DevTools protocol (150 ms latency, 1.5 Mbps each way by
default) and unthrottled in the same run as the baseline (see bench/README.md).

    .venv/bin/python bench/throttled.py [--runs 5] [--latency-ms 150] [--kbps 1500]

Each run opens each page in a new browser context (cold cache) and then again in the same
context (warm cache), throttled and unthrottled. The times are the page's own clock
(performance.now(), from navigation start): the first post or message in the DOM and visible,
the composer visible, first contentful paint, DOMContentLoaded and load. Prints the timings,
the resources of a cold throttled visit (size, render-blocking or not) and a summary per page,
then one JSON object with the same figures as the very last line."""

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common, pages  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

GROUP_SLUG = "throttled-finance"
POSTS = 50
MESSAGES = 50
SEED = 2024
SETTLE_MS = 500  # before each visit: the last page's sockets connect, daphne goes idle
AUTHORS = [  # (email, name, kana, bio)
    ("bench-author1@city.sendai.jp", "佐藤 健太", "さとう けんた",
     "財政課で予算編成を担当しています。"),
    ("bench-author2@pref.nagano.lg.jp", "鈴木 陽子", "すずき ようこ",
     "県の税務課から市町村支援をしています。"),
    ("bench-author3@city.kumamoto.lg.jp", "田中 直樹", "たなか なおき",
     "債権管理課で滞納整理の担当です。"),
    ("bench-author4@town.yoichi.hokkaido.jp", "高橋 美咲", "たかはし みさき",
     "小さな町の税務係で何でもやっています。"),
]  # fmt: skip
PAGES = {
    "topic": {
        "item": "article.post",
        "composer": '#reply textarea[name="body"]',
        "item_label": "first post",
    },
    "chat": {
        "item": "[data-chat-messages] > li.chat__message",
        "composer": "[data-chat-composer] textarea",
        "item_label": "first message",
    },
}
METRICS = [
    ("html_received", "HTML received"),
    ("first_contentful_paint", "first contentful paint"),
    ("item_in_dom", "{item} in DOM"),
    ("item_visible", "{item} visible"),
    ("composer_visible", "composer visible"),
    ("dom_content_loaded", "DOMContentLoaded"),
    ("load", "load"),
]
NETWORKS = ("throttled", "unthrottled")
CACHES = ("cold", "warm")
TIMING_COLUMNS = [
    ("page", "page"), ("cache", "cache"), ("metric", "metric"),
    ("throttled p50", "throttled_p50_ms"), ("throttled p95", "throttled_p95_ms"),
    ("unthrottled p50", "unthrottled_p50_ms"), ("unthrottled p95", "unthrottled_p95_ms"),
    ("p50 ratio", "p50_ratio"),
]  # fmt: skip
RESOURCE_COLUMNS = [
    ("page", "page"), ("resource", "resource"), ("type", "type"), ("blocking", "blocking"),
    ("wire bytes", "transfer_bytes"), ("body bytes", "body_bytes"),
    ("decoded bytes", "decoded_bytes"), ("start ms", "start_ms"), ("end ms", "end_ms"),
    ("warm wire bytes", "warm_transfer_bytes"),
]  # fmt: skip
SUMMARY_COLUMNS = [
    ("page", "page"), ("path", "path"), ("requests", "requests"),
    ("HTML wire bytes", "html_bytes"), ("total wire bytes", "total_bytes"),
    ("blocking", "blocking_requests"), ("blocking bytes", "blocking_bytes"),
    ("warm requests on wire", "warm_requests"), ("warm wire bytes", "warm_bytes"),
]  # fmt: skip

# Installed in every document before its own scripts: a MutationObserver notes when the first
# post or message is in the DOM; a requestAnimationFrame loop (frames run only once nothing
# blocks rendering) notes when it and the composer are first visible.
WATCH_SCRIPT = """
(() => {
  const watched = %s;
  const seen = {};
  window.__throttledBench = seen;
  const visible = (el) => el !== null && el.checkVisibility({visibilityProperty: true})
    && el.getClientRects().length > 0;
  const observer = new MutationObserver(() => {
    if (document.querySelector(watched.item)) {
      seen.item_in_dom = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, {childList: true, subtree: true});
  const frame = () => {
    const now = performance.now();
    if (!("item_visible" in seen) && visible(document.querySelector(watched.item))) {
      seen.item_visible = now;
    }
    if (!("composer_visible" in seen) && visible(document.querySelector(watched.composer))) {
      seen.composer_visible = now;
    }
    if (!("item_visible" in seen && "composer_visible" in seen)) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""
DONE = """
() => window.__throttledBench && "item_visible" in window.__throttledBench
  && "composer_visible" in window.__throttledBench
  && performance.getEntriesByType("navigation")[0].loadEventEnd > 0
"""
READ_FIGURES = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const resources = performance.getEntriesByType("resource").map((entry) => ({
    name: entry.name, type: entry.initiatorType, blocking: entry.renderBlockingStatus,
    transfer: entry.transferSize, body: entry.encodedBodySize, decoded: entry.decodedBodySize,
    start: entry.startTime, end: entry.responseEnd,
  }));
  return {
    seen: window.__throttledBench,
    html_received: nav.responseEnd,
    first_contentful_paint: paint ? paint.startTime : null,
    dom_content_loaded: nav.domContentLoadedEventStart,
    load: nav.loadEventStart,
    document: {name: nav.name, type: "document", blocking: "", transfer: nav.transferSize,
               body: nav.encodedBodySize, decoded: nav.decodedBodySize, start: 0,
               end: nav.responseEnd},
    resources,
  };
}
"""

# --- text of the topic and the chat ---------------------------------------------------------

TOPIC_TITLE = "滞納繰越分の収納率が上がらない:財政課とどう目標を共有していますか"
OPENING = (
    "今年度から債権管理課に異動してきました。市税の滞納繰越分の収納率が3年続けて下がっていて、"
    "財政課からは来年度の予算編成で歳入見込みの根拠を示すよう求められています。\n\n"
    "現年度分は口座振替の勧奨でなんとか維持できているのですが、繰越分は件数が多く、"
    "財産調査まで手が回っていません。皆さんの自治体では、財政部門と収納部門の間で"
    "目標をどう決めて、どう進捗を共有しているか教えていただけないでしょうか。"
)
REPLY_SENTENCES = [
    "うちの市では、毎年度の当初に財政課と収納対策の担当で目標収納率をすり合わせています。",
    "歳入見込みは過去3年の実績から機械的に出しているので、目標とは別に管理しています。",
    "繰越分は件数より金額で優先順位を付けて、上位の案件から財産調査をかけるようにしました。",
    "預貯金調査を電子照会に切り替えてから、回答までの日数がかなり短くなりました。",
    "差押えの件数を増やすよりも、早い段階で分納誓約を取るほうが結果的に回収は進みました。",
    "少額の案件は執行停止も含めて早めに判断しないと、件数だけが積み上がってしまいます。",
    "財政課には月次で収納額と件数を報告していて、四半期ごとに見込みを修正しています。",
    "地方交付税の算定では徴収率が基準財政収入額に効いてくるので、財政課も気にしています。",
    "国保税は別の会計なので、一般会計の市税とは目標を分けて管理したほうがよいと思います。",
    "滞納処分の停止は3年で納付義務が消滅するので、判断の記録はきちんと残しておくべきです。",
    "県の滞納整理機構に引き継いだ案件は、引き継ぎ後の回収率も別に集計しています。",
    "催告書の文面を見直して、期限と問い合わせ先を最初に書くようにしたら反応が増えました。",
    "コンビニ収納とスマホ決済を入れてから、現年度分の納期内納付率が少し上がりました。",
    "担当者が3人しかいないので、繰越分は年間の処理計画を先に作って、月ごとに割り振っています。",
    "不納欠損の額が大きい年は議会でも質問が出るので、早めに理由を整理しておくと安心です。",
    "債権管理条例を作ったときに、私債権も含めて全庁の債権を一覧にしたのが役に立っています。",
    "滞納者の多くは複数の債権を抱えているので、税と料を一緒に相談できる窓口を作りました。",
    "生活に困っている方には、福祉部門につなぐことも大事な仕事だと思っています。",
    "給与の差押えは勤務先への照会から始まるので、事前に手順書を作っておくと迷いません。",
    "財産調査の結果は必ずシステムに記録して、次の担当者が同じ調査をしなくて済むようにしています。",
    "収納率の目標は、前年度の実績に上乗せする形で0.5ポイントずつ上げるようにしています。",
    "予算編成の時期までに、上半期の実績と下半期の見込みを財政課と一緒に確認しています。",
    "外部の研修で聞いた話ですが、先進市では滞納整理の専任チームを作っているそうです。",
    "ありがとうございます。月次の報告の様式、よければ参考に見せていただけませんか。",
    "とても参考になります。さっそく課内の打ち合わせで共有してみます。",
    "うちも同じ悩みを抱えていました。繰越分の整理は本当に時間がかかりますね。",
]  # fmt: skip
REPLY_LIST = [
    "- 目標収納率と歳入見込みを分けて管理する\n- 月次で件数と金額を報告する\n"
    "- 四半期ごとに見込みを見直す",
    "1. 高額案件の財産調査\n2. 分納誓約の履行確認\n3. 少額案件の執行停止の判断",
]  # fmt: skip
CHAT_MESSAGES = [
    "おはようございます。今日の打ち合わせは10時からで大丈夫ですか?",
    "はい、大丈夫です。会議室は3階の小会議室を取ってあります。",
    "財政課から来年度の歳入見込みの照会が来ていますね。",
    "締切は来週の金曜日だそうです。",
    "繰越分の見込み、去年と同じ出し方でいいんでしょうか。",
    "去年は過去3年の平均を使っていました。今年も同じでよいと思います。",
    "預貯金調査の回答、今朝まとめて届きました。",
    "ありがとうございます。午後に目を通します。",
    "差押えの予告書、文面の確認をお願いしてもいいですか?",
    "了解です。共有フォルダに置いてもらえれば見ておきます。",
    "分納誓約の履行状況の一覧、更新しておきました。",
    "助かります!",
    "今月の収納額、前年同月より少し多いみたいです。",
    "口座振替の勧奨の効果が出てきたのかもしれませんね。",
    "県の滞納整理機構への引き継ぎ案件、今年は何件になりそうですか?",
    "いまのところ12件の予定です。",
    "執行停止の判断基準、課内で一度そろえておきたいです。",
    "来週の係会議の議題に入れておきますね。",
    "催告書の発送、明日の午前中に郵便局へ持って行きます。",
    "よろしくお願いします。",
]  # fmt: skip


def topic_bodies(rng: random.Random) -> list[str]:
    bodies = []
    for number in range(POSTS - 1):
        paragraphs = ["".join(rng.sample(REPLY_SENTENCES, rng.choice((2, 2, 3, 3, 4))))]
        if number % 9 == 4:
            paragraphs.append(rng.choice(REPLY_LIST))
        if rng.random() < 0.4:
            paragraphs.append("".join(rng.sample(REPLY_SENTENCES, 2)))
        bodies.append("\n\n".join(paragraphs))
    return bodies


def chat_bodies(rng: random.Random) -> list[str]:
    return [rng.choice(CHAT_MESSAGES) for _ in range(MESSAGES)]


# --- the data -------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold and warm visits per page")
    parser.add_argument("--latency-ms", type=int, default=150, help="added to every request")
    parser.add_argument("--kbps", type=int, default=1500, help="download and upload, kbit/s")
    args = parser.parse_args()
    if not 1 <= args.runs <= 1000:
        parser.error("--runs must be 1..1000")
    if not 0 <= args.latency_ms <= 10_000 or not 10 <= args.kbps <= 1_000_000:
        parser.error("--latency-ms must be 0..10000 and --kbps 10..1000000")
    return args


def create_data(password: str) -> dict:
    """The members, the group, the topic and the chat room, made by the site's services."""
    from django.db import transaction
    from django.test import override_settings

    with transaction.atomic(), override_settings(RATE_LIMITS_ENABLED=False):
        viewer, colleague = pages.create_members(password)
        authors = [colleague, viewer] + [pages.create_member(*author) for author in AUTHORS]
        group = create_group(colleague, authors)
        topic = create_topic(group, authors)
        create_chat(group, authors)
    return {
        "topic": f"/groups/{group.slug}/t/{topic.pk}/",
        "chat": f"/groups/{group.slug}/chat/",
    }


def create_group(owner, members):
    from django.utils import timezone

    from groups import services
    from groups.models import Group, Membership

    now = timezone.now()
    group = Group.objects.create(
        slug=GROUP_SLUG, name="自治体財政・債権回収", kind=Group.Kind.OPEN,
        description="予算編成、歳入見込み、滞納整理と債権回収の実務を話し合うグループです。",
        status=Group.Status.ACTIVE, proposed_by=owner, decided_at=now,
    )  # fmt: skip
    Membership.objects.create(group=group, member=owner, role=Membership.Role.OWNER)
    for member in members[1:]:
        services.group_join(member=member, group=group)
    return group


def create_topic(group, authors):
    from groups import services

    rng = random.Random(SEED)
    topic = services.topic_create(
        author=authors[2], group=group, title=TOPIC_TITLE, body=OPENING, is_question=True
    )
    for body in topic_bodies(rng):
        services.post_create(author=rng.choice(authors), topic=topic, body=body)
    return topic


def create_chat(group, authors) -> None:
    from groups.chat import services

    rng = random.Random(SEED + 1)
    room = services.room_for_group(group)
    for body in chat_bodies(rng):
        services.message_send(
            author=rng.choice(authors), room=room, client_id=str(uuid.uuid4()), body=body
        )


# --- the browser ----------------------------------------------------------------------------


def new_context(browser, base_url: str, cookie: str):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    context.add_cookies([
        {"name": name, "value": value, "url": base_url}
        for name, value in (pair.split("=", 1) for pair in cookie.split("; "))
    ])  # fmt: skip
    return context


def open_page(context, key: str):
    page = context.new_page()
    page.add_init_script(WATCH_SCRIPT % json.dumps(PAGES[key]))
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    return page, session


def throttle(session, network: str, args) -> None:
    throttled = network == "throttled"
    rate = args.kbps * 1000 / 8 if throttled else -1
    session.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": args.latency_ms if throttled else 0,
        "downloadThroughput": rate, "uploadThroughput": rate,
    })  # fmt: skip


def visit(page, session, url: str, network: str, args) -> dict:
    """One navigation to ``url``; the page's own figures, in ms from navigation start."""
    page.wait_for_timeout(SETTLE_MS)
    throttle(session, network, args)
    response = page.goto(url, wait_until="load", timeout=120_000)
    if response is None or response.status != 200:
        raise SystemExit(f"GET {url}: {response and response.status}")
    page.wait_for_function(DONE, timeout=60_000)
    figures = page.evaluate(READ_FIGURES)
    seen = figures.pop("seen")
    figures["item_in_dom"] = seen.get("item_in_dom")
    figures["item_visible"] = seen["item_visible"]
    figures["composer_visible"] = seen["composer_visible"]
    return figures


def cold_and_warm(browser, base_url: str, cookie: str, path: str, key: str, network: str,
                  args) -> dict:  # fmt: skip
    """A visit in a new context (cold cache), then one more in the same context (warm)."""
    context = new_context(browser, base_url, cookie)
    try:
        page, session = open_page(context, key)
        cold = visit(page, session, base_url + path, network, args)
        warm = visit(page, session, base_url + path, network, args)
    finally:
        context.close()
    return {"cold": cold, "warm": warm}


def measure(browser, base_url: str, cookie: str, paths: dict, args) -> tuple[dict, dict]:
    """Every run visits every page cold and warm, throttled and not, in turns; samples keyed
    (page, network, cache, metric), and the visits of the first throttled run."""
    samples: dict = {}
    first: dict = {}
    for key, path in paths.items():  # untimed: the server's and the browser's first time
        cold_and_warm(browser, base_url, cookie, path, key, "unthrottled", args)
    for run in range(args.runs):
        for key, path in paths.items():
            for network in NETWORKS:
                visits = cold_and_warm(browser, base_url, cookie, path, key, network, args)
                if run == 0 and network == "throttled":
                    first[key] = visits
                for cache, figures in visits.items():
                    for metric, _label in METRICS:
                        samples.setdefault((key, network, cache, metric), []).append(
                            figures[metric]
                        )
        print(f"run {run + 1}/{args.runs} done", flush=True)
    return samples, first


# --- the figures ----------------------------------------------------------------------------


def p50(values: list[float]) -> float:
    return round(float(statistics.median(values)), 1)


def p95(values: list[float]) -> float:
    if len(values) == 1:
        return round(float(values[0]), 1)
    return round(float(statistics.quantiles(values, n=100, method="inclusive")[94]), 1)


def timing_rows(samples: dict, paths: dict) -> list[dict]:
    rows = []
    for key in paths:
        for cache in CACHES:
            for metric, label in METRICS:
                row = {"page": key, "cache": cache, "metric": metric_label(key, label)}
                for network in NETWORKS:
                    values = [v for v in samples[(key, network, cache, metric)] if v is not None]
                    row[f"{network}_p50_ms"] = p50(values) if values else 0.0
                    row[f"{network}_p95_ms"] = p95(values) if values else 0.0
                    row[f"{network}_runs_ms"] = [round(float(v), 1) for v in values]
                bare = row["unthrottled_p50_ms"]
                row["p50_ratio"] = round(row["throttled_p50_ms"] / bare, 2) if bare else 0.0
                row["key"] = metric
                rows.append(row)
    return rows


def metric_label(key: str, label: str) -> str:
    return label.format(item=PAGES[key]["item_label"])


def resource_rows(first: dict, base_url: str) -> list[dict]:
    rows = []
    for key, visits in first.items():
        warm = {entry["name"]: entry for entry in visits["warm"]["resources"]}
        warm[visits["warm"]["document"]["name"]] = visits["warm"]["document"]
        entries = [visits["cold"]["document"], *visits["cold"]["resources"]]
        for entry in entries:
            again = warm.get(entry["name"])
            rows.append({
                "page": key, "resource": entry["name"].removeprefix(base_url),
                "type": entry["type"], "blocking": entry["blocking"] or "",
                "transfer_bytes": entry["transfer"], "body_bytes": entry["body"],
                "decoded_bytes": entry["decoded"], "start_ms": round(float(entry["start"]), 1),
                "end_ms": round(float(entry["end"]), 1),
                "warm_transfer_bytes": again["transfer"] if again else "-",
            })  # fmt: skip
    return rows


def summary_rows(resources: list[dict], paths: dict) -> list[dict]:
    rows = []
    for key, path in paths.items():
        mine = [row for row in resources if row["page"] == key]
        blocking = [row for row in mine if row["blocking"] == "blocking"]
        warm = [row for row in mine if isinstance(row["warm_transfer_bytes"], int)]
        rows.append({
            "page": key, "path": path, "requests": len(mine),
            "html_bytes": mine[0]["transfer_bytes"],
            "total_bytes": sum(row["transfer_bytes"] for row in mine),
            "blocking_requests": len(blocking),
            "blocking_bytes": sum(row["transfer_bytes"] for row in blocking),
            "warm_requests": sum(1 for row in warm if row["warm_transfer_bytes"] > 0),
            "warm_bytes": sum(row["warm_transfer_bytes"] for row in warm),
        })  # fmt: skip
    return rows


def main() -> None:
    args = parse_args()
    if os.environ.get("DATABASE_URL"):
        raise SystemExit("bench/throttled.py runs on its own SQLite file: unset DATABASE_URL")
    _common.configure("throttled")
    _common.prepare_database()
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from bench._asgi import BARE_PATH

    password = secrets.token_urlsafe(16)
    started = time.perf_counter()
    paths = create_data(password)
    seconds = time.perf_counter() - started
    print(f"data: {POSTS} posts, {MESSAGES} chat messages, made in {seconds:.1f} s", flush=True)
    with _common.daphne("bench._asgi:application", ready_path=BARE_PATH,
                        log_name="throttled-daphne.log") as base_url:  # fmt: skip
        cookie = pages.log_in(base_url, pages.VIEWER_EMAIL, password)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            chromium = browser.version
            try:
                samples, first = measure(browser, base_url, cookie, paths, args)
            finally:
                browser.close()
    timings = timing_rows(samples, paths)
    resources = resource_rows(first, base_url)
    summary = summary_rows(resources, paths)
    cores = os.cpu_count()
    _common.print_table(
        f"Throttled ({args.latency_ms} ms latency, {args.kbps} kbit/s each way, DevTools "
        f"emulation) against unthrottled, Chromium {chromium} headless, 1 daphne on 127.0.0.1, "
        f"sqlite, DEBUG={settings.DEBUG}; {args.runs} runs per page and network, each a cold "
        f"visit (new context) and a warm one (same context); ms from navigation start; "
        f"{cores} cores, load average {os.getloadavg()[0]:.2f} at the end",
        TIMING_COLUMNS, timings,
    )  # fmt: skip
    print()
    _common.print_table(
        "Resources of the first cold throttled visit (Resource Timing; wire bytes = "
        "transferSize, headers included; warm = the same resource on the warm visit, 0 from "
        "cache, - not requested)",
        RESOURCE_COLUMNS, resources,
    )  # fmt: skip
    print()
    _common.print_table("Per page (cold throttled visit)", SUMMARY_COLUMNS, summary)
    _common.print_json_line({
        "bench": "throttled", "cores": cores, "runs": args.runs, "latency_ms": args.latency_ms,
        "kbps": args.kbps, "bytes_per_second": args.kbps * 1000 / 8, "chromium": chromium,
        "database": "sqlite", "debug": settings.DEBUG, "paths": paths, "timings": timings,
        "resources": resources, "pages": summary, "load_average": os.getloadavg(),
    })  # fmt: skip


if __name__ == "__main__":
    main()
