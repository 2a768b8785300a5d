"""The site content of bench/search.py: groups, topics and replies with generated Japanese text,
written in bulk as bench/forum.py writes its forum, so that the real search providers and the
real ``search_reindex`` command index them.

The text comes from ten themes of municipal work (tax collection, vaccinations, personnel,
finance, the counter, DX, disaster prevention, child care and welfare, contracts, environment),
each with its own nouns; a topic keeps to one theme, so its words occur together as they would
on the site (督促状 with 催告書 and 分納, not with 接種券). Themes and the nouns inside a theme are
drawn with Zipf-like weights, so some words are in a large share of the documents (窓口, which
many sentence templates carry, 督促状) and others in a few hundredths of a percent
(雨漏り, 公印). A noun with several spellings (申込み・申し込み・申込, 国保税・国民健康保険税,
差押え・差し押さえ) is written in one of them at random, so that the okurigana and synonym queries
have to join them. Everything is drawn from a seeded generator in fixed chunks: the same seed
gives the same content on SQLite and PostgreSQL, and a larger size is the smaller one plus more.
"""

import bisect
import itertools
import math
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape

CHUNK_TOPICS = 2_000  # topics generated and written per transaction
GROUPS = 60
MEMBERS = 400
VIEWER_CLOSED_GROUPS = 6  # closed groups the viewer belongs to (of about 18)
VIEWER_OPEN_GROUPS = 8
YEARS = 3


@dataclass(frozen=True)
class Theme:
    name: str
    weight: float
    nouns: tuple  # a noun is a str, or a tuple of its spellings


THEMES = (
    Theme("税務・債権回収", 18, (
        "督促状", ("滞納", "未納"), "催告書", ("差押え", "差し押さえ", "差押"),
        ("分納", "分割納付"), ("国民健康保険税", "国保税"), "固定資産税", "個人住民税", "口座振替",
        "納付書", "延滞金", "財産調査", "分納誓約", "納税相談", "軽自動車税", "コンビニ収納",
        "特別徴収", "預貯金の照会", "滞納処分の停止", "執行停止",
    )),
    Theme("窓口・住民記録", 14, (
        ("申込み", "申し込み", "申込"), ("マイナンバーカード", "マイナカード"), "住民票の写し",
        "待ち時間", "転入届", "印鑑登録証明書", ("住民基本台帳", "住基"), "コンビニ交付",
        "戸籍の振り仮名", "窓口予約", "証明書の郵送請求", "書かない窓口",
    )),
    Theme("人事・服務", 12, (
        "異動", ("引継ぎ", "引き継ぎ", "引継"), ("会計年度任用職員", "会計年度職員"), "時間外勤務",
        "人事評価", "職員研修", ("育児休業", "育休"), ("引継書", "引き継ぎ書"), "テレワーク",
        "服務規程", ("産休", "産前産後休暇"), "給与条例", "単身赴任手当",
    )),
    Theme("自治体DX", 12, (
        ("DX", "デジタルトランスフォーメーション"), "電子申請", "生成AI", "RPA",
        ("サーバ", "サーバー"), "ガバメントクラウド", "システム標準化", "電子決裁",
        "LINE公式アカウント", "庁内ネットワーク", ("プリンタ", "プリンター"), "文書管理システム",
    )),
    Theme("財政", 10, (
        "財政", "予算要求", "補正予算", ("地方交付税", "交付税"), "決算統計",
        ("財政調整基金", "財調"), ("取崩し", "取り崩し"), "起債", "公債費", "歳入見込み",
        ("臨時財政対策債", "臨財債"), "シーリング",
    )),
    Theme("子育て・福祉", 10, (
        "保育所", "児童手当", "入所選考", "生活保護", "待機児童", "介護認定", "ケースワーカー",
        "障害福祉サービス", "地域包括支援センター", "放課後児童クラブ",
    )),
    Theme("予防接種", 8, (
        "予防接種", ("ワクチン接種", "ワクチン"), "接種券", "予約システム", "集団接種",
        ("新型コロナウイルス", "コロナ", "新型コロナ"), "個別接種", "接種会場", "予診票", "副反応",
        "医師会", "高齢者インフルエンザ",
    )),
    Theme("防災", 8, (
        "避難所", "防災行政無線", "備蓄品", "避難訓練", "ハザードマップ", "自主防災組織",
        "災害対策本部", "罹災証明書", "避難行動要支援者名簿",
    )),
    Theme("契約・施設", 6, (
        "入札", "指定管理者", "随意契約", "公共施設の再配置", "電子契約", "長寿命化計画",
        "公用車", ("自動販売機", "自販機"), ("ドライブレコーダー", "ドラレコ"),
    )),
    Theme("環境", 4, (
        "ごみの分別", "粗大ごみ", "資源回収", ("脱炭素", "カーボンニュートラル"), "不法投棄",
        ("SDGs", "持続可能な開発目標"), "生ごみ処理機",
    )),
)  # fmt: skip
# Words in about one document in two thousand each: a rare noun takes a noun's place now and then.
RARE_NOUNS = ("庁舎の雨漏り", "公印の管理", "ドローンの活用", "空き家バンク")
RARE_CHANCE = 0.0004
DEPARTMENTS = (
    "税務課", "収納課", "市民課", "保険年金課", "人事課", "財政課", "情報政策課", "危機管理課",
    "こども家庭課", "福祉課", "契約課", "環境政策課", "会計課", "議会事務局", "健康づくり課",
)  # fmt: skip
TITLES = (
    "{a}について教えてください", "{a}の進め方で悩んでいます", "{a}と{b}、皆さんはどうしていますか",
    "{a}の事例を探しています", "【共有】{a}の資料を作りました", "{a}の様式を見直したい",
    "新任です。{a}の基本が分かりません", "{a}の運用変更について", "{a}に関する国の通知の読み方",
    "{a}の文例を探しています", "{a}で困ったこと", "{a}の委託について",
)  # fmt: skip
SENTENCES = (
    "{a}の件で、{d}から問い合わせがありました。",
    "{a}と{b}の扱いについて、課内で意見が分かれています。",
    "うちでは{a}を{m}月から見直し、{b}の手順も合わせて変えました。",
    "昨年度は{a}に関する相談が{n}件あり、窓口の対応に時間がかかりました。",
    "{a}の様式を作り直したので、参考までに共有します。",
    "国の通知では、{a}は原則として書面で行うとされています。",
    "{a}については、{d}と相談のうえで{b}の進め方を決めました。",
    "{a}の事務処理要領があれば、見せていただけないでしょうか。",
    "住民の方からは、{a}について電話での問い合わせが一番多いです。",
    "{m}月の繁忙期は{a}の処理が追いつかず、応援の職員を入れています。",
    "{a}のマニュアルを共有フォルダに置きましたが、なかなか読まれません。",
    "近隣の市町村では、{a}を外部に委託しているそうです。",
    "{a}の予算は{n}万円ほどで、{b}の経費も含めています。",
    "{a}を説明するときのチラシを作りました。",
    "{a}の運用を変えてから、{b}の件数が2割ほど減りました。",
    "議会で{a}について質問があり、答弁を準備しているところです。",
    "{a}の手引きの第{k}章を読むと分かりやすいと思います。",
    "担当が一人しかいないので、休むと{a}の業務が止まってしまいます。",
    "前任者の資料には{a}のことがほとんど書かれていませんでした。",
    "{a}は年度末に集中するので、早めに{d}と日程を調整しておくと安心です。",
    "研修で聞いた話では、先進的な自治体は{a}に外部の専門家を入れているそうです。",
    "個人情報が関わるので、{a}の前に{d}へ相談しておくとよいです。",
    "システム改修の費用が高く、{a}の見直しは来年度に持ち越しになりました。",
    "{a}の件数は{n}件ほどで、そのうち{b}が必要なものは一部です。",
)  # fmt: skip
REPLIES = (
    "同じく{a}で悩んでいました。とても参考になります。",
    "ありがとうございます。{a}の件、さっそく課内で共有します。",
    "うちの市でも{a}は{d}が担当していて、{b}とは分けて考えています。",
    "{a}なら、県のマニュアルの第{k}章に例が載っていました。",
)  # fmt: skip


class Picker:
    """Weighted choice with precomputed cumulative weights."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def zipf(items, exponent: float = 1.0) -> Picker:
    return Picker(items, [1 / (rank + 1) ** exponent for rank in range(len(items))])


THEME_PICKER = Picker(THEMES, [theme.weight for theme in THEMES])
NOUN_PICKERS = {theme.name: zipf(theme.nouns, 1.1) for theme in THEMES}
DEPARTMENT_PICKER = zipf(DEPARTMENTS, 0.6)


class Writer:
    """Titles and bodies of one theme."""

    def __init__(self, rng: random.Random, theme: Theme):
        self.rng = rng
        self.nouns = NOUN_PICKERS[theme.name]

    def noun(self):
        """A noun entry: a word, or the tuple of one word's spellings."""
        if self.rng.random() < RARE_CHANCE:
            return self.rng.choice(RARE_NOUNS)
        return self.nouns.pick(self.rng)

    def spell(self, noun) -> str:
        return noun if isinstance(noun, str) else self.rng.choice(noun)

    def fill(self, template: str) -> str:
        first, second = self.noun(), self.noun()
        while second == first:
            second = self.noun()
        a, b = self.spell(first), self.spell(second)
        rng = self.rng
        return template.format(
            a=a, b=b, d=DEPARTMENT_PICKER.pick(rng), m=rng.randint(1, 12),
            n=rng.choice((12, 30, 48, 120, 300, 1500)), k=rng.randint(1, 9),
        )  # fmt: skip

    def title(self) -> str:
        return self.fill(self.rng.choice(TITLES))

    def body(self, sentences: int) -> str:
        paragraphs, left = [], sentences
        while left > 0:
            size = min(left, self.rng.choice((2, 3, 3, 4)))
            paragraphs.append("".join(self.fill(self.rng.choice(SENTENCES)) for _ in range(size)))
            left -= size
        return "\n\n".join(paragraphs)

    def reply(self) -> str:
        first = self.fill(self.rng.choice(REPLIES))
        return first + self.body(self.rng.randint(1, 5))


def html(body: str) -> str:
    """body_html as the topic page shows it (plain paragraphs; search reads ``body``)."""
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in body.split("\n\n"))


# --- the site around the documents -------------------------------------------------------


@dataclass
class Site:
    viewer: object
    groups: list[dict]  # {"id", "slug", "kind", "theme", "viewer": bool}
    group_members: dict[int, list[int]]
    topics: int = 0
    posts: int = 0
    seconds: float = 0.0
    chunks: int = 0
    counts: dict = field(default_factory=dict)

    def readable_group(self, kind: str) -> dict:
        """A group of this kind the viewer belongs to (the filter and closed-group queries)."""
        return next(g for g in self.groups if g["kind"] == kind and g["viewer"])


def create_site(viewer, seed: int) -> Site:
    """Members, and GROUPS groups with themes: about 65 % open, 30 % closed, 5 % secret; the
    viewer belongs to VIEWER_CLOSED_GROUPS closed groups, one secret one and a few open ones."""
    from django.db import transaction
    from django.utils import timezone

    from bench import forum
    from groups.models import Group, Membership

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        others = forum.create_members(rng, MEMBERS)
        groups, memberships, site_groups, members_of = [], [], [], {}
        kinds = ["open"] * 39 + ["closed"] * 18 + ["secret"] * 3
        rng.shuffle(kinds)
        kinds[0] = "open"
        theme_names = [theme.name for theme in THEMES]
        for number, kind in enumerate(kinds[:GROUPS]):
            pk = number + 1
            theme = theme_names[number % len(theme_names)]
            members = rng.sample(others, rng.randint(8, 80))
            groups.append(Group(
                pk=pk, slug=f"sb{number:03d}", name=f"{theme}の情報交換 {number + 1}",
                description=f"{theme}の実務について話し合う場です。", kind=kind,
                status=Group.Status.ACTIVE, proposed_by_id=members[0],
                decided_at=now - timedelta(days=365 * YEARS + 30),
                created_at=now - timedelta(days=365 * YEARS + 30),
            ))  # fmt: skip
            memberships += [
                Membership(group_id=pk, member_id=m, role="owner" if i == 0 else "member")
                for i, m in enumerate(members)
            ]
            members_of[pk] = members
            site_groups.append({"id": pk, "slug": f"sb{number:03d}", "kind": kind,
                                "theme": theme, "viewer": False})  # fmt: skip
        for kind, count in (("closed", VIEWER_CLOSED_GROUPS), ("secret", 1),
                            ("open", VIEWER_OPEN_GROUPS)):  # fmt: skip
            for group in [g for g in site_groups if g["kind"] == kind][:count]:
                group["viewer"] = True
                memberships.append(Membership(group_id=group["id"], member=viewer))
        Group.objects.bulk_create(groups)
        Membership.objects.bulk_create(memberships, batch_size=1000)
        _reset_sequences(Group)
    return Site(viewer=viewer, groups=site_groups, group_members=members_of)


def _reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


def add_topics(site: Site, count: int, seed: int) -> None:
    """``count`` more topics with their opening posts and replies, in chunks of CHUNK_TOPICS,
    each chunk from its own seeded generator (so sizes grow by appending the same content)."""
    started = time.perf_counter()
    done = 0
    while done < count:
        size = min(CHUNK_TOPICS, count - done)
        _write_chunk(site, size, random.Random(seed * 1_000_003 + site.chunks))
        site.chunks += 1
        done += size
    site.seconds += time.perf_counter() - started


def _write_chunk(site: Site, count: int, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from groups.models import Group, Post, Topic

    now = timezone.now()
    group_picker = zipf(site.groups, 0.8)
    topics, posts = [], []
    for _ in range(count):
        site.topics += 1
        group = group_picker.pick(rng)
        theme = _theme_of(group, rng)
        writer = Writer(rng, theme)
        members = site.group_members[group["id"]]
        age = (rng.random() ** 1.6) * 365 * YEARS  # recent topics more common
        created = now - timedelta(days=age, seconds=rng.uniform(0, 86_400))
        replies = min(12, int(rng.expovariate(1 / 1.5)))
        times = [created] + sorted(
            created + timedelta(hours=rng.uniform(1, 24 * min(30, max(age, 1))))
            for _ in range(replies)
        )  # fmt: skip
        first_post = site.posts + 1
        for number, at in enumerate(times, start=1):
            site.posts += 1
            body = writer.body(rng.randint(5, 15)) if number == 1 else writer.reply()
            posts.append(Post(
                pk=site.posts, topic_id=site.topics, author_id=rng.choice(members),
                number=number, body=body, body_html=html(body), created_at=at,
            ))  # fmt: skip
        question = rng.random() < 0.6
        solved = question and replies and rng.random() < 0.45
        topics.append(Topic(
            pk=site.topics, group_id=group["id"], author_id=posts[-len(times)].author_id,
            title=writer.title()[:120], is_question=question,
            accepted_post_id=first_post + rng.randint(1, replies) if solved else None,
            created_at=created, last_posted_at=times[-1], highest_post_number=len(times),
            reply_count=replies,
        ))  # fmt: skip
    with transaction.atomic():
        Topic.objects.bulk_create(topics, batch_size=1000)
        Post.objects.bulk_create(posts, batch_size=1000)
        for group_id in {topic.group_id for topic in topics}:
            last = max(t.last_posted_at for t in topics if t.group_id == group_id)
            Group.objects.filter(pk=group_id, last_activity_at__lt=last).update(
                last_activity_at=last
            )
        _reset_sequences(Topic, Post)
    if connection.vendor == "sqlite":
        connection.close()  # let the WAL checkpoint


def _theme_of(group: dict, rng: random.Random) -> Theme:
    """Mostly the group's own theme; a fifth of the topics are about something else."""
    if rng.random() < 0.8:
        return next(theme for theme in THEMES if theme.name == group["theme"])
    return THEME_PICKER.pick(rng)


def documents_to_index() -> dict[str, int]:
    """How many ids each registered provider would index (its all_ids()), by kind."""
    from search import registry

    return {p.kind: sum(1 for _ in p.all_ids()) for p in registry.providers()}


def grow_to(site: Site, documents: int, seed: int) -> dict[str, int]:
    """Add topics until the providers would index at least ``documents`` documents: how many
    documents a topic makes (its posts, and the other kinds beside them) is read from what
    is there already (after a first chunk on an empty site), the rest estimated from it."""
    counted = documents_to_index()
    if site.topics == 0 and sum(counted.values()) < documents:
        add_topics(site, min(CHUNK_TOPICS, max(1, documents // 4)), seed)
        counted = documents_to_index()
    while (have := sum(counted.values())) < documents:
        add_topics(site, math.ceil((documents - have) * site.topics / have), seed)
        counted = documents_to_index()
    return counted
