"""Forum at scale over real HTTP: one daphne process on 127.0.0.1, a signed-in verified member,
a generated forum (3,000 members, 200 groups, 10,000 topics, 100,000 posts by default), the
home page, the group list, the topic list of a busy group, a 50-post topic page, the member
directory and posting a reply, against a bare Django view measured in the same run (see
bench/README.md).

    .venv/bin/python bench/forum.py [--members 3000] [--groups 200] [--topics 10000]
        [--posts 100000] [--requests 300] [--warmup 30] [--replies 200] [--reply-warmup 20]

Prints a table with the issue's targets, then one JSON object with the same figures as the very
last line."""

import argparse
import bisect
import itertools
import os
import random
import re
import secrets
import sys
import time
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common, pages  # noqa: E402

VIEWER_EMAIL = "bench-forum@city.kobe.lg.jp"
BIG_TOPIC_POSTS = 150  # three 50-post pages; the page bench reads page 1
VIEWER_OTHER_GROUPS = 15  # groups the viewer belongs to besides the busy one
BATCH = 1000
TARGETS = {"page_p50_ms": 25, "page_p99_ms": 100, "reply_p50_ms": 30, "page_queries": 12}
# The pages, in the order a round opens them: (key in requests_of, name in the table).
PAGES = [
    ("home", "home"), ("groups", "group list"), ("list", "group topic list"),
    ("topic", "topic page (50 posts)"), ("members", "member directory"),
]  # fmt: skip
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COLUMNS = [
    ("request", "request"), ("path", "path"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"), ("req/s", "requests_per_second"), ("queries", "queries"),
    ("own ms", "own_p50_ms"), ("p50 / bare", "p50_ratio_to_bare"), ("p50 ≤", "target_p50_ms"),
    ("p50 ok", "p50_ok"),
    ("p99 ≤", "target_p99_ms"), ("p99 ok", "p99_ok"), ("queries ≤", "target_queries"),
    ("queries ok", "queries_ok"),
]  # fmt: skip

# --- text for the generated forum ---------------------------------------------------------

SURNAMES = [
    ("佐藤", "さとう", "sato"), ("鈴木", "すずき", "suzuki"), ("高橋", "たかはし", "takahashi"),
    ("田中", "たなか", "tanaka"), ("伊藤", "いとう", "ito"), ("渡辺", "わたなべ", "watanabe"),
    ("山本", "やまもと", "yamamoto"), ("中村", "なかむら", "nakamura"),
    ("小林", "こばやし", "kobayashi"), ("加藤", "かとう", "kato"),
    ("吉田", "よしだ", "yoshida"), ("山田", "やまだ", "yamada"), ("佐々木", "ささき", "sasaki"),
    ("山口", "やまぐち", "yamaguchi"), ("松本", "まつもと", "matsumoto"),
    ("井上", "いのうえ", "inoue"), ("木村", "きむら", "kimura"), ("林", "はやし", "hayashi"),
    ("斎藤", "さいとう", "saito"), ("清水", "しみず", "shimizu"), ("森", "もり", "mori"),
    ("池田", "いけだ", "ikeda"), ("橋本", "はしもと", "hashimoto"),
    ("石川", "いしかわ", "ishikawa"),
]  # fmt: skip
GIVEN_NAMES = [
    ("翔太", "しょうた"), ("大輔", "だいすけ"), ("健太", "けんた"), ("拓也", "たくや"),
    ("直樹", "なおき"), ("和樹", "かずき"), ("陽子", "ようこ"), ("恵", "めぐみ"),
    ("彩香", "あやか"), ("美咲", "みさき"), ("奈緒", "なお"), ("由美", "ゆみ"),
    ("誠", "まこと"), ("浩二", "こうじ"), ("智子", "ともこ"), ("真理", "まり"),
]  # fmt: skip
DEPARTMENTS = [
    ("財政局", "税務部 市民税課"), ("財政局", "財政課"), ("市民局", "区政推進課"),
    ("健康福祉局", "保護課"), ("こども未来局", "保育課"), ("危機管理室", "防災課"),
    ("総務局", "情報システム課"), ("総務局", "人事課"), ("都市局", "都市計画課"),
    ("環境局", "資源循環課"), ("経済局", "商工振興課"), ("教育委員会", "学校教育課"),
]  # fmt: skip
ORGANIZATION_WEIGHTS = {  # relative staff size, for who posts from where
    "prefecture": 20, "designated_city": 25, "special_ward": 6, "city": 3, "town": 1,
    "village": 0.5, "national": 4, "other": 1,
}  # fmt: skip
DOMAIN_PREFIX = {
    "prefecture": "pref", "designated_city": "city", "city": "city", "special_ward": "city",
    "town": "town", "village": "vill",
}  # fmt: skip
THEMES = [
    "債権回収", "財政", "自治体DX", "防災", "子育て支援", "国民健康保険", "介護保険", "住民記録",
    "税務", "広報", "観光振興", "都市計画", "道路管理", "上下水道", "ごみ処理", "情報システム",
    "人事給与", "会計", "議会事務", "選挙", "学校教育", "図書館", "生活保護", "障害福祉", "保育",
    "空き家対策", "移住定住", "ふるさと納税", "契約・入札", "文書管理", "監査", "消防", "交通政策",
    "農林水産", "商工振興", "環境保全", "公共施設マネジメント", "統計", "国際交流", "文化財",
    "感染症対策", "窓口改革", "AI・RPA活用",
]  # fmt: skip
GROUP_SUFFIXES = ["", "実務相談", "研究会", "情報交換", "若手の会", "(東日本)", "(西日本)"]
SUBJECTS = [
    "分納誓約", "差押え", "滞納処分の停止", "口座振替", "コンビニ収納", "ふるさと納税の返礼品",
    "会計年度任用職員", "窓口の待ち時間", "マイナンバーカードの交付", "戸籍の振り仮名",
    "避難所の運営", "防災行政無線", "空き家の所有者調査", "公共施設の再配置", "予算要求",
    "決算統計", "普通交付税", "補助金の交付要綱", "議会答弁", "パブリックコメント",
    "LINE公式アカウント", "RPAのシナリオ", "生成AIの利用ルール", "庁内チャット", "電子契約",
    "入札の不調", "指定管理者の選定", "保育所の入所調整", "児童手当", "介護認定の調査",
    "国保税の軽減判定", "特別徴収", "固定資産税の評価替え", "軽自動車税", "公用車の管理",
    "文書の保存年限", "情報公開請求", "職員研修", "時間外勤務", "テレワーク", "異動の引き継ぎ",
]  # fmt: skip
TITLE_PATTERNS = [
    "{}について教えてください", "{}の進め方で悩んでいます", "{}、皆さんはどうしていますか",
    "{}の事例を探しています", "【共有】{}の資料を作りました", "{}で困ったこと",
    "{}の様式を見直したい", "新任です。{}の基本が分かりません", "{}の運用変更について",
    "{}に関する国の通知の読み方",
]  # fmt: skip
SENTENCES = [
    "4月に福祉部門から異動してきたばかりで、まだ分からないことだらけです。",
    "前任者の引き継ぎ資料が古く、今の運用と合っていないようです。",
    "うちの市では昨年度から運用を変えて、件数が2割ほど減りました。",
    "国の通知では原則として書面での手続きとされていますが、例外の扱いが気になっています。",
    "近隣の自治体にも聞いてみたのですが、対応がばらばらでした。",
    "まずは庁内の関係課と打ち合わせをして、役割分担を決めるのがよいと思います。",
    "様式は条例の施行規則で定めているので、変えるには規則改正が必要です。",
    "繁忙期は3月から4月にかけてで、その時期だけ応援職員を入れています。",
    "予算の要求時期に間に合わせるには、夏までに見積りを取っておく必要があります。",
    "担当者が一人しかいないので、休むと業務が止まってしまうのが悩みです。",
    "マニュアルを作って共有フォルダに置いていますが、なかなか読まれません。",
    "システム改修の費用が思ったより高く、今年度は見送りになりました。",
    "住民の方からの問い合わせは電話が一番多く、次が窓口です。",
    "研修で聞いた話では、先進自治体は外部の専門家を入れているそうです。",
    "議会からも質問が出ていて、年度内に方針をまとめる必要があります。",
    "同じことで悩んでいました。とても参考になります。",
    "ありがとうございます。さっそく課内で共有します。",
    "うちでは決裁を電子化してから、処理日数がかなり短くなりました。",
    "個人情報の扱いについては、情報公開の担当課に事前に相談しておくと安心です。",
    "小さな町なので、一人で何役もこなしているのが実情です。",
]  # fmt: skip
LIST_ITEMS = [
    "関係課との打ち合わせ", "住民向けのお知らせ", "様式の改定", "システムの設定変更",
    "議会への報告", "予算の確保", "マニュアルの更新", "職員向けの説明会",
]  # fmt: skip
LINKS = [
    "[総務省の通知](https://www.soumu.go.jp/)", "[デジタル庁の資料](https://www.digital.go.jp/)",
    "[内閣府の手引き](https://www.cao.go.jp/)",
]  # fmt: skip
TAGS = [
    "滞納整理", "分納", "地方交付税", "窓口", "DX", "防災", "子育て", "RPA", "生成AI", "様式",
    "予算", "決算", "議会", "研修", "マニュアル", "個人情報", "契約", "補助金", "広報", "引き継ぎ",
    "会計年度任用職員", "システム", "マイナンバー", "戸籍", "国保", "介護", "保育", "空き家",
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=3000, help="members, the viewer included")
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000, help="posts, opening posts included")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per page first")
    parser.add_argument("--replies", type=int, default=200, help="timed reply POSTs")
    parser.add_argument("--reply-warmup", type=int, default=20, help="untimed reply POSTs first")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the generated data")
    parser.add_argument(
        "--watchers", type=int, default=2,
        help="members watching the busy group: each reply notifies them all",
    )  # fmt: skip
    parser.add_argument(
        "--watchers-mail", action="store_true",
        help="the watchers take mail for watched replies too (a mail task for them per reply)",
    )  # fmt: skip
    parser.add_argument(
        "--keep-database", action="store_true",
        help="keep the bench database afterwards (default: drop it, or delete the SQLite file)",
    )  # fmt: skip
    args = parser.parse_args()
    if not 20 <= args.members <= 1_000_000 or not 1 <= args.groups <= 100_000:
        parser.error("--members must be 20..1000000 and --groups 1..100000")
    if not 1 <= args.topics <= 10_000_000:
        parser.error("--topics must be 1..10000000")
    if not args.topics + BIG_TOPIC_POSTS - 1 <= args.posts <= 100_000_000:
        parser.error(f"--posts must be at least --topics + {BIG_TOPIC_POSTS - 1} (the big topic)")
    if not 2 <= args.requests <= 100_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 2..100000 and --warmup 0..10000")
    if not 2 <= args.replies <= 100_000 or not 0 <= args.reply_warmup <= 10_000:
        parser.error("--replies must be 2..100000 and --reply-warmup 0..10000")
    if not 0 <= args.watchers <= args.members // 2:
        parser.error("--watchers must be 0..half of --members")
    return args


# --- the bench database -------------------------------------------------------------------


def database_given() -> tuple[str, str] | None:
    """(scheme, database name) of a DATABASE_URL passed in, or None. The bench drops and
    re-creates that database, so it insists on a name that says it is for benchmarks."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    parsed = urllib.parse.urlsplit(url)
    name = parsed.path.lstrip("/")
    if "bench" not in Path(name).name:
        raise SystemExit(
            f"bench/forum.py drops and re-creates its database; {name!r} does not look like a "
            "bench database (its name must contain 'bench', e.g. .../cityhall_bench)"
        )
    return parsed.scheme, name


def postgres_admin(url: str, statement: str, name: str) -> None:
    """Run ``statement`` (with {} for the database name) on the server's 'postgres' database."""
    import psycopg
    from psycopg import sql

    parsed = urllib.parse.urlsplit(url)
    admin_url = urllib.parse.urlunsplit(parsed._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def fresh_database(given: tuple[str, str] | None) -> None:
    if given is None:
        return  # _common.configure deletes var/bench/forum.sqlite3
    scheme, name = given
    url = os.environ["DATABASE_URL"]
    if scheme.startswith(("postgres", "pgsql")):
        postgres_admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
        postgres_admin(url, "CREATE DATABASE {}", name)
    elif scheme == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"/{name}{suffix}").unlink(missing_ok=True)
    else:
        raise SystemExit(f"bench/forum.py knows SQLite and PostgreSQL, not {scheme!r}")


def remove_database() -> None:
    from django.db import connection, connections

    connections.close_all()
    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        postgres_admin(os.environ["DATABASE_URL"], "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{connection.settings_dict['NAME']}{suffix}").unlink(missing_ok=True)


# --- generating the forum -----------------------------------------------------------------


@dataclass
class Forum:
    viewer: object
    busy_slug: str
    big_topic_id: int
    counts: dict
    seconds: float


class Picker:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them)."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random):
        point = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect(self.cumulative, point)]

    def sample(self, rng: random.Random, count: int) -> list:
        return rng.choices(self.items, cum_weights=self.cumulative, k=count)


def skewed(items: list, exponent: float) -> Picker:
    """The first items are picked most often (a Zipf-like spread)."""
    return Picker(items, [1 / (rank + 1) ** exponent for rank in range(len(items))])


def body_pool(rng: random.Random, size: int, opening: bool) -> list[tuple[str, str]]:
    """``size`` distinct Markdown bodies with their HTML, each rendered once."""
    from cityhall import markdown

    bodies = set()
    while len(bodies) < size:
        paragraphs = []
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4) if opening else (1, 1, 1, 2, 2, 3))):
            paragraphs.append("".join(rng.sample(SENTENCES, rng.choice((1, 2, 2, 3)))))
        extra = rng.random()
        if extra < 0.15:
            paragraphs.insert(1, "\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, 3)))
        elif extra < 0.25:
            paragraphs.append(f"{rng.choice(LINKS)}の**第3項**を読むと分かりやすいです。")
        elif extra < 0.32 and not opening:
            paragraphs.insert(0, f"> {rng.choice(SENTENCES)}")
        bodies.add("\n\n".join(paragraphs))
    return [(body, markdown.render(body).html) for body in sorted(bodies)]


def generate(args, password: str) -> Forum:
    from django.db import connection, transaction

    started = time.perf_counter()
    rng = random.Random(args.seed)
    with transaction.atomic():
        viewer = pages.create_member(
            VIEWER_EMAIL, "計測 一郎", "けいそく いちろう",
            "フォーラムのベンチマーク用の会員です。", password,
        )  # fmt: skip
        others = create_members(rng, args.members - 1)
        counts = create_forum(rng, args, viewer, others)
    if connection.vendor == "postgresql":
        # Planner statistics and the visibility map, as autovacuum would have made them on a
        # live site: without statistics PostgreSQL guesses ~10 topics per group and sorts all
        # of g000's before the LIMIT; without the map it reads rows that an index answers.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    seconds = round(time.perf_counter() - started, 1)
    return Forum(viewer, counts.pop("busy_slug"), counts.pop("big_topic_id"), counts, seconds)


def create_members(rng: random.Random, count: int) -> list[int]:
    """``count`` verified members spread over the organizations by staff size; their ids."""
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from members.models import Organization, User

    organizations = list(Organization.objects.only("pk", "kind", "domain_label").order_by("pk"))
    picker = Picker(organizations, [ORGANIZATION_WEIGHTS.get(o.kind, 1) for o in organizations])
    now = timezone.now()
    users = []
    for number in range(1, count + 1):
        organization = picker.pick(rng)
        surname, surname_kana, romaji = rng.choice(SURNAMES)
        given, given_kana = rng.choice(GIVEN_NAMES)
        prefix = DOMAIN_PREFIX.get(organization.kind)
        domain = (
            f"{prefix}.{organization.domain_label}.lg.jp"
            if prefix and organization.domain_label else "bench.go.jp"
        )  # fmt: skip
        department, section = rng.choice(DEPARTMENTS)
        users.append(User(
            email=f"{romaji}.{number:06d}@{domain}", handle=f"{romaji}.{number:06d}",
            password="!", display_name=f"{surname} {given}",
            display_name_kana=f"{surname_kana} {given_kana}",
            organization=organization, organization_confirmed=True,
            department=department, section=section,
            date_joined=now - timedelta(days=rng.uniform(30, 900)),
        ))  # fmt: skip
    User.objects.bulk_create(users, batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=BATCH,
    )
    return [user.pk for user in users]


def create_forum(rng: random.Random, args, viewer, others: list[int]) -> dict:
    """Groups, memberships, topics and posts with a Zipf-like spread: group 0 is the busiest
    and holds the big topic; the viewer belongs to it and to a few others."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from groups.models import (
        Bookmark,
        Group,
        Membership,
        Post,
        Reaction,
        Tag,
        Topic,
        TopicRead,
        Watch,
        WatchLevel,
    )
    from groups.notifications import WATCHED_REPLY
    from members.models import NotificationPreference

    now = timezone.now()
    group_count = args.groups
    share = [1 / (rank + 1) ** 1.1 for rank in range(group_count)]
    total_share = sum(share)
    share = [s / total_share for s in share]

    # Groups and their members (a group's members are listed most active first; the viewer,
    # in the busy group and a few others, last: it reads more than it writes).
    groups, member_lists, memberships = [], [], []
    others_joined = min(VIEWER_OTHER_GROUPS, group_count - 1)
    viewer_groups = {0, *rng.sample(range(1, group_count), others_joined)}
    for rank in range(group_count):
        size = max(5, min(len(others), int(len(others) * min(0.5, 3 * share[rank]))))
        member_ids = rng.sample(others, size)
        kind = "open" if rank == 0 else rng.choices(["open", "closed", "secret"], [75, 20, 5])[0]
        groups.append(Group(
            pk=rank + 1, slug=f"g{rank:03d}",
            name=f"{THEMES[rank % len(THEMES)]}{GROUP_SUFFIXES[rank // len(THEMES) % 7]}",
            description=f"{THEMES[rank % len(THEMES)]}の実務について情報交換する場です。",
            kind=kind, status=Group.Status.ACTIVE, proposed_by_id=member_ids[0],
            decided_at=now - timedelta(days=800), created_at=now - timedelta(days=800),
        ))  # fmt: skip
        for position, member_id in enumerate(member_ids):
            role = "owner" if position == 0 else "moderator" if position < 3 else "member"
            memberships.append(Membership(
                group_id=rank + 1, member_id=member_id, role=role,
                joined_at=now - timedelta(days=rng.uniform(1, 790)),
            ))  # fmt: skip
        if rank in viewer_groups:
            member_ids.append(viewer.pk)
            memberships.append(Membership(
                group_id=rank + 1, member=viewer, joined_at=now - timedelta(days=400)
            ))  # fmt: skip
        member_lists.append(member_ids)
    members_of = [skewed(member_ids, 0.7) for member_ids in member_lists]

    # Topics: the big one first (group 0), the others spread over the groups by activity.
    topic_count = args.topics
    topic_groups = [0, *skewed(list(range(group_count)), 1.1).sample(rng, topic_count - 1)]
    replies = [BIG_TOPIC_POSTS - 1] + [0] * (topic_count - 1)
    spread = args.posts - topic_count - (BIG_TOPIC_POSTS - 1)
    if topic_count > 1:
        weights = [rng.lognormvariate(0, 1.1) for _ in range(topic_count - 1)]
        for index in Picker(range(1, topic_count), weights).sample(rng, spread):
            replies[index] += 1
    else:
        replies[0] += spread

    openings = body_pool(rng, 300, opening=True)
    answers = body_pool(rng, 600, opening=False)
    titles = [pattern.format(s) for pattern in TITLE_PATTERNS for s in SUBJECTS]
    tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS])
    tag_picker = skewed([tag.pk for tag in tags], 0.8)

    topics, posts, topic_tags, reads, reactions = [], [], [], [], []
    pinned = set()
    post_id = 0
    last_activity = [now - timedelta(days=800)] * group_count
    for index in range(topic_count):
        rank = topic_groups[index]
        picker = members_of[rank]
        big = index == 0
        count = replies[index] + 1
        age = 9.0 if big else rng.uniform(0, 720) ** 1.3 / 720**0.3  # recent topics more common
        created = now - timedelta(days=age, seconds=rng.uniform(0, 3600))
        span = min(age, rng.expovariate(1 / 10)) if not big else age
        times = sorted(created + timedelta(days=rng.uniform(0, span)) for _ in range(count - 1))
        times = [created, *times]
        authors = [picker.pick(rng) for _ in range(count)]
        if big:
            authors[0] = next(m for m in picker.items if m != viewer.pk)
        first_id = post_id + 1
        for number, (author, at) in enumerate(zip(authors, times, strict=True), start=1):
            post_id += 1
            body, html = rng.choice(openings if number == 1 else answers)
            hidden = number > 1 and rng.random() < 0.003
            deleted = number > 1 and not hidden and rng.random() < 0.005
            posts.append(Post(
                pk=post_id, topic_id=index + 1, author_id=author, number=number, body=body,
                body_html=html, created_at=at,
                reply_to_id=(first_id + rng.randrange(number - 1)
                             if number > 2 and rng.random() < 0.1 else None),
                edited_at=at + timedelta(minutes=5) if rng.random() < 0.05 else None,
                is_hidden=hidden, deleted_at=at + timedelta(hours=1) if deleted else None,
                deleted_by_id=author if deleted else None,
                delete_reason="投稿者が削除しました" if deleted else "",
            ))  # fmt: skip
        is_question = big or rng.random() < 0.6
        accepted = None
        if count > 1 and is_question and (big or rng.random() < 0.4):
            accepted = first_id + (6 if big else rng.randrange(1, count))
        pin = not big and rank not in pinned and rng.random() < 0.02
        if pin:
            pinned.add(rank)
        topics.append(Topic(
            pk=index + 1, group_id=rank + 1, author_id=authors[0],
            title="分納誓約が途中で止まった滞納者への次の一手(事例を集めています)" if big
            else rng.choice(titles),
            is_question=is_question, accepted_post_id=accepted, is_pinned=pin,
            is_locked=not big and rng.random() < 0.02, is_hidden=not big and rng.random() < 0.005,
            created_at=created, last_posted_at=times[-1], highest_post_number=count,
            reply_count=count - 1,
        ))  # fmt: skip
        last_activity[rank] = max(last_activity[rank], times[-1])
        for tag_id in {tag_picker.pick(rng) for _ in range(rng.choice((0, 1, 1, 2, 3)))}:
            topic_tags.append(Topic.tags.through(topic_id=index + 1, tag_id=tag_id))
        for author in set(authors):  # participants have read it to the end
            reads.append(TopicRead(topic_id=index + 1, member_id=author,
                                   last_read_post_number=count))  # fmt: skip
        if rank == 0 and not big and viewer.pk not in authors and rng.random() < 0.6:
            reads.append(TopicRead(topic_id=index + 1, member=viewer,  # read some of it
                                   last_read_post_number=rng.randint(1, count)))  # fmt: skip
        for number in range(1, count + 1):
            if rng.random() < 0.15:
                reactors = {picker.pick(rng) for _ in range(rng.choice((1, 1, 2, 3, 5)))}
                for member_id in reactors:
                    kind = rng.choice(("like", "like", "helpful", "thanks"))
                    reactions.append(Reaction(post_id=first_id + number - 1, member_id=member_id,
                                              kind=kind, created_at=times[number - 1]))  # fmt: skip
    for group, last in zip(groups, last_activity, strict=True):
        group.last_activity_at = last

    Group.objects.bulk_create(groups, batch_size=BATCH)
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    Topic.objects.bulk_create(topics, batch_size=BATCH)
    Post.objects.bulk_create(posts, batch_size=BATCH)
    Topic.tags.through.objects.bulk_create(topic_tags, batch_size=BATCH)
    TopicRead.objects.bulk_create(reads, batch_size=BATCH)
    Reaction.objects.bulk_create(reactions, batch_size=BATCH)
    big_authors = {posts[0].author_id, viewer.pk}
    watchers = [m for m in members_of[0].items if m not in big_authors][: args.watchers]
    Watch.objects.bulk_create(
        [Watch(member_id=m, group_id=1, level=WatchLevel.WATCHING) for m in watchers]
    )
    if args.watchers_mail:
        NotificationPreference.objects.bulk_create([
            NotificationPreference(member_id=m, kind=WATCHED_REPLY, in_app=True, email=True)
            for m in watchers
        ])  # fmt: skip
    Bookmark.objects.bulk_create([Bookmark(post_id=n, member=viewer) for n in (3, 8, 21)])
    with connection.cursor() as cursor:  # explicit ids were given: move the sequences on
        for statement in connection.ops.sequence_reset_sql(no_style(), [Group, Topic, Post]):
            cursor.execute(statement)
    return {
        "members": len(others) + 1, "groups": group_count, "topics": topic_count,
        "posts": len(posts), "memberships": len(memberships), "reactions": len(reactions),
        "topic_reads": len(reads), "busy_group_topics": topic_groups.count(0),
        "busy_group_members": len(members_of[0].items), "big_topic_posts": BIG_TOPIC_POSTS,
        "busy_slug": groups[0].slug, "big_topic_id": 1, "watchers": len(watchers),
        "watchers_mail": args.watchers_mail,
    }  # fmt: skip


# --- measuring ----------------------------------------------------------------------------


def requests_of(forum: Forum) -> dict[str, str]:
    from bench._asgi import BARE_PATH

    topic = f"/groups/{forum.busy_slug}/t/{forum.big_topic_id}/"
    return {
        "bare": BARE_PATH,
        "home": "/",
        "groups": "/groups/",
        "list": f"/groups/{forum.busy_slug}/",
        "topic": f"{topic}?page=1",
        "reply": f"{topic}reply",
        "members": "/members/",
    }


def count_queries(viewer, path: str, post: bool = False) -> int:
    """SQL queries of one request, in this process, with the test client signed in as viewer
    (one request first, so per-process caches are warm as they are in daphne). A POST is a
    reply, which must redirect to the new post."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from bench._asgi import BARE_PATH

    client = Client()
    client.force_login(viewer)
    urlconf = "bench._asgi" if path == BARE_PATH else settings.ROOT_URLCONF

    def one(number: int):
        if post:
            return client.post(path, {"body": reply_body(number), "reply_to": ""})
        return client.get(path)

    with override_settings(ROOT_URLCONF=urlconf):
        one(0)
        with CaptureQueriesContext(connection) as captured:
            response = one(1)
    ok = response.status_code == 302 and "?n=" in response["Location"] if post else (
        response.status_code == 200
    )  # fmt: skip
    if not ok:
        raise SystemExit(f"in-process {'POST' if post else 'GET'} {path}: {response.status_code}")
    return len(captured.captured_queries)


def reply_body(number: int) -> str:
    return (
        f"ベンチマークの返信です({number})。うちの市でも同じ運用で、"
        "催告書を送ってから2週間後に財産調査に入っています。\n\n- 預貯金の照会\n- 給与の照会"
    )


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """The form as a browser sends it (multipart, with the empty file input)."""
    boundary = f"----benchforum{secrets.token_hex(8)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def timed_replies(http, base_url: str, topic_path: str, reply_path: str, count: int,
                  warmup: int) -> dict:  # fmt: skip
    """``warmup`` untimed reply POSTs, then ``count`` timed ones, one after another; each is a
    real write, timed to its redirect (which is not followed)."""
    token = CSRF_INPUT.search(_common.get_ok(http, topic_path).text).group(1)
    latencies = []
    started = None
    for number in range(warmup + count):
        if number == warmup:
            started = time.perf_counter()
        content, content_type = multipart(
            {"csrfmiddlewaretoken": token, "body": reply_body(number), "reply_to": ""}
        )
        before = time.perf_counter()
        response = http.post(
            reply_path, content=content,
            headers={"Content-Type": content_type, "Origin": base_url},
        )  # fmt: skip
        elapsed = time.perf_counter() - before
        location = response.headers.get("location", "")
        if response.status_code != 302 or "?n=" not in location:
            raise SystemExit(f"POST {reply_path}: {response.status_code} {location}")
        if number >= warmup:
            latencies.append(elapsed)
    return _common.summary(latencies, time.perf_counter() - started)


def measure(base_url: str, cookie: str, paths: dict[str, str], args) -> list[dict]:
    import httpx

    from bench._asgi import FORGET_PATH

    rows = []
    headers = {"Cookie": cookie, "Accept-Language": "ja"}
    with httpx.Client(
        base_url=base_url, headers=headers, follow_redirects=False, timeout=30
    ) as http:
        # Each page warm (opened just before, untimed: the cold ones empty the cache), and
        # cold: this process's fragment cache (the rendered posts) emptied just before, as
        # for a page nobody opened since the server started.
        pages = [("bare", "bare Django view", False)] + [
            (key, f"{name}, cold" if cold else name, cold)
            for key, name in PAGES for cold in (False, True)
        ]  # fmt: skip
        every = _common.interleaved_requests(
            http, [paths[key] for key, _name, _cold in pages], args.requests, args.warmup,
            before=[FORGET_PATH if cold else paths[key] if key != "bare" else None
                    for key, _name, cold in pages],
        )  # fmt: skip
        for (key, name, _cold), figures in zip(pages, every, strict=True):
            rows.append({"request": name, "path": paths[key], "key": key, **figures})
        figures = timed_replies(
            http, base_url, paths["topic"], paths["reply"], args.replies, args.reply_warmup
        )
        rows.append({"request": "reply (POST → 302)", "path": paths["reply"], "key": "reply",
                     **figures})  # fmt: skip
    return rows


def judge(rows: list[dict], queries: dict[str, int]) -> bool:
    """Queries, ratios to the bare view and the issue's targets, row by row; whether all met."""
    bare = rows[0]["p50_ms"]
    all_met = True
    for row in rows:
        key = row.pop("key")
        row["queries"] = queries[key]
        row["own_p50_ms"] = round(row["p50_ms"] - bare, 2)  # what it adds to the bare view
        row["p50_ratio_to_bare"] = round(row["p50_ms"] / bare, 2)
        page = (TARGETS["page_p50_ms"], TARGETS["page_p99_ms"], TARGETS["page_queries"])
        targets = {
            **{key: page for key, _name in PAGES},
            "reply": (TARGETS["reply_p50_ms"], None, None),
        }.get(key, (None, None, None))
        for (figure, target_key, ok_key), target in zip(
            (("p50_ms", "target_p50_ms", "p50_ok"), ("p99_ms", "target_p99_ms", "p99_ok"),
             ("queries", "target_queries", "queries_ok")),
            targets, strict=True,
        ):  # fmt: skip
            row[target_key] = target if target is not None else "-"
            if target is None:
                row[ok_key] = "-"
            else:
                met = row[figure] <= target
                row[ok_key] = "pass" if met else "FAIL"
                all_met = all_met and met
    return all_met


def main() -> None:
    args = parse_args()
    given = database_given()
    fresh_database(given)
    _common.configure("forum")
    # One member posts hundreds of replies in a row, far past the per-member write limits
    # (cityhall.ratelimits), which would answer most of them with 429.
    os.environ.setdefault("RATE_LIMITS_ENABLED", "false")
    _common.prepare_database()
    from django.conf import settings
    from django.db import connection

    password = secrets.token_urlsafe(16)
    forum = generate(args, password)
    counts = forum.counts
    print(
        f"Generated in {forum.seconds} s ({connection.vendor}): {counts['members']} members, "
        f"{counts['groups']} groups, {counts['topics']} topics, {counts['posts']} posts, "
        f"{counts['memberships']} memberships, {counts['reactions']} reactions, "
        f"{counts['topic_reads']} read states; busy group {forum.busy_slug}: "
        f"{counts['busy_group_topics']} topics, {counts['busy_group_members']} members; "
        f"big topic {forum.big_topic_id}: {counts['big_topic_posts']} posts; "
        f"{counts['watchers']} watchers of the busy group"
        f"{' (who take mail)' if counts['watchers_mail'] else ''}",
        flush=True,
    )
    paths = requests_of(forum)
    queries = {
        key: count_queries(forum.viewer, paths[key]) for key in ["bare", *(k for k, _ in PAGES)]
    }
    queries["reply"] = count_queries(forum.viewer, paths["reply"], post=True)
    load_before = round(os.getloadavg()[0], 2)
    try:
        with _common.daphne("bench._asgi:application", ready_path=paths["bare"]) as base_url:
            cookie = pages.log_in(base_url, VIEWER_EMAIL, password)
            rows = measure(base_url, cookie, paths, args)
    finally:
        if not args.keep_database:
            remove_database()
    all_met = judge(rows, queries)
    cores = os.cpu_count()
    conn_max_age = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    pooling = ""
    if connection.vendor == "postgresql":
        pooling = f" (pool {pool})" if pool else f" (CONN_MAX_AGE={conn_max_age})"
    title = (
        f"Forum over HTTP: 1 daphne process on 127.0.0.1, one client, requests one after another; "
        f"{args.requests} timed after {args.warmup} warm-up per page, {args.replies} replies "
        f"after {args.reply_warmup}; {counts['posts']} posts in {counts['topics']} topics; "
        f"{connection.vendor}{pooling}, DEBUG={settings.DEBUG}, "
        f"{cores} cores, load average {load_before} before"
    )
    _common.print_table(title, COLUMNS, rows)
    print("targets: all met" if all_met else "targets: NOT all met (see the FAIL cells)")
    _common.print_json_line({
        "bench": "forum", "cores": cores, "requests": args.requests, "warmup": args.warmup,
        "replies": args.replies, "reply_warmup": args.reply_warmup, "load_average_1m": load_before,
        "database": connection.vendor, "database_given": given is not None,
        "conn_max_age": conn_max_age, "pool": pool, "debug": settings.DEBUG, "data": counts,
        "generation_seconds": forum.seconds, "targets": TARGETS, "all_targets_met": all_met,
        "baseline": paths["bare"], "rows": rows,
    })  # fmt: skip


if __name__ == "__main__":
    main()
