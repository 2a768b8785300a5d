"""A knowledge base at the size of the issue for bench/pages.py: 10 sections and 10,000 pages
(articles, session notes, broadcast episodes) with Japanese bodies, tags, owners and dates over
five years; one section for a topic group the viewer is in, one for a group they are not in, and
a few pages in the open sections restricted to either group.

Pages are written in bulk, not with ``add_child`` and ``save_revision().publish()`` (about
30 ms a page, five minutes for 10,000): the tree paths are computed here as treebeard would
(steplen 4), the ``wagtailcore_page`` rows go in with ``bulk_create``, and the rows of the
other tables of each page (``knowledge_knowledgepage``, then ``knowledge_articlepage`` …) with
the insert ``bulk_create`` itself uses, one table at a time (Django refuses ``bulk_create`` for
multi-table inheritance). The pages are live, with no revisions, not in the search index or the
reference index: what a reader's request reads is all there. ``Page.find_problems()`` then
checks the tree. The sections are made the ordinary way."""

import itertools
import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

BATCH = 500
SECTION_PREFIX = "kbbench-"
IN_GROUP, OUT_GROUP = "kbbench-in", "kbbench-out"
ARTICLE_SLUG = "kbbench-article"
RESTRICTED_SHARE = 0.02  # pages of the open sections restricted on their own, half to each group
SECTIONS = [  # slug, title, share of the pages, group restriction
    ("finance", "財政", 20, None), ("collection", "債権回収", 16, None), ("tax", "税務", 14, None),
    ("disaster", "防災", 10, None), ("dx", "自治体DX", 10, None),
    ("childcare", "子育て支援", 8, None),
    ("insurance", "国民健康保険", 7, None), ("personnel", "人事給与", 5, None),
    ("study", "滞納整理研究会", 6, IN_GROUP), ("council", "議会事務研究会", 4, OUT_GROUP),
]  # fmt: skip
TOPICS = [
    "滞納整理", "分納誓約", "差押え", "口座振替", "予算要求", "決算統計", "普通交付税", "補助金",
    "避難所運営", "防災無線", "生成AI", "RPA", "電子契約", "保育所入所", "児童手当", "国保税",
    "特別徴収", "固定資産税", "会計年度任用職員", "異動の引き継ぎ", "文書管理", "情報公開",
]  # fmt: skip
TITLE_PATTERNS = [
    "{}の基本と年間スケジュール", "{}でつまずきやすい点", "はじめての{}", "{}の様式と記入例",
    "{}の事例集", "{}に関する国の通知の読み方", "{}の進め方(異動してきた人向け)",
    "{}の勉強会の記録", "{}のよくある質問",
]  # fmt: skip
SENTENCES = [
    "4月に異動してきた人は、まずこのページの流れを一通り読んでください。",
    "根拠となる条文は地方税法と市の条例・施行規則で、様式は規則で定めています。",
    "繁忙期は3月から5月で、その時期は課内で応援の体制を組みます。",
    "判断に迷う案件は、係長に相談したうえで記録を残してください。",
    "近隣の自治体では運用が少しずつ違うので、照会するときは前提をそろえましょう。",
    "住民の方への説明は、結論を先に伝え、手続きの期限をはっきり示すのがこつです。",
    "システムへの入力は締め日の前日までに終えておくと、月末の処理が楽になります。",
    "昨年度の実績では、電話での問い合わせが全体の6割を占めていました。",
    "個人情報を含む資料は、共有フォルダではなく所定の保管場所に置いてください。",
    "国の通知が出たら、課内で読み合わせをして影響のある業務を洗い出します。",
    "決裁は電子決裁で回し、紙で残す必要があるものだけ原本を保管します。",
    "研修資料は毎年見直し、古い様式が残っていないか確認してください。",
]  # fmt: skip
TAGS = [
    "滞納整理", "分納", "地方交付税", "窓口", "DX", "防災", "子育て", "RPA", "生成AI", "様式",
    "予算", "決算", "議会", "研修", "マニュアル", "個人情報", "契約", "補助金", "広報", "引き継ぎ",
    "会計年度任用職員", "システム", "マイナンバー", "戸籍", "国保", "介護", "保育", "空き家",
    "条例", "規則", "通知", "事例", "FAQ", "新任者向け", "年間スケジュール", "照会", "監査",
    "電子決裁", "住民対応", "税務",
]  # fmt: skip


@dataclass
class Knowledge:
    home_path: str
    section_path: str
    article_path: str
    pages: int
    restricted: int
    seconds: float
    built: bool


def ensure(viewer, colleague, count: int, seed: int = 2024) -> Knowledge:
    """The bench knowledge base, built unless a database kept from an earlier run (e.g. the
    PostgreSQL one DATABASE_URL names) already holds it at this size."""
    from django.db import connection, transaction

    from cityhall import statistics

    started = time.perf_counter()
    built = not present(count)
    if built:
        with transaction.atomic():
            remove()
            build(random.Random(seed), viewer, colleague, count)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would have on a live site
        statistics.refresh()  # SQLite: as import_knowledge does after an import
    return summary(round(time.perf_counter() - started, 1), built)


def present(count: int) -> bool:
    from knowledge.models import KnowledgePage, SectionPage

    sections = list(SectionPage.objects.filter(slug__startswith=SECTION_PREFIX))
    pages = sum(KnowledgePage.objects.child_of(section).count() for section in sections)
    return len(sections) == len(SECTIONS) and pages == count


def remove() -> None:
    """An earlier bench knowledge base of another size (pages and sections alike)."""
    from knowledge.models import SectionPage

    for section in SectionPage.objects.filter(slug__startswith=SECTION_PREFIX):
        section.delete()


def summary(seconds: float, built: bool) -> Knowledge:
    from knowledge.models import KnowledgePage, PageGroupRestriction, SectionPage
    from knowledge.services import ensure_home

    home = ensure_home()
    first = SectionPage.objects.get(slug=SECTION_PREFIX + SECTIONS[0][0])
    article = KnowledgePage.objects.get(slug=ARTICLE_SLUG)
    return Knowledge(
        home_path=home.url, section_path=first.url, article_path=article.url,
        pages=KnowledgePage.objects.descendant_of(home).count(),
        restricted=PageGroupRestriction.objects.count(), seconds=seconds, built=built,
    )  # fmt: skip


def build(rng: random.Random, viewer, colleague, count: int) -> None:
    from knowledge.services import ensure_home

    home = ensure_home()
    groups = topic_groups(viewer)
    sections = create_sections(home, groups)
    plans = plan_pages(rng, sections, count)
    create_pages(rng, plans, viewer, colleague, groups)
    check_tree()


def topic_groups(viewer) -> dict:
    """The group the viewer is in and one they are not in."""
    from django.utils import timezone

    from groups.models import Group, Membership

    now = timezone.now()
    groups = {}
    for slug, name in ((IN_GROUP, "滞納整理研究会"), (OUT_GROUP, "議会事務研究会")):
        groups[slug], _ = Group.objects.get_or_create(slug=slug, defaults=dict(
            name=name, description=f"{name}のナレッジを共有します。", kind=Group.Kind.CLOSED,
            status=Group.Status.ACTIVE, proposed_by=viewer, decided_at=now, created_at=now,
        ))  # fmt: skip
    Membership.objects.get_or_create(group=groups[IN_GROUP], member=viewer)
    return groups


def create_sections(home, groups: dict) -> list:
    from knowledge.models import PageGroupRestriction, SectionPage

    sections = []
    for slug, title, share, group in SECTIONS:
        section = home.add_child(instance=SectionPage(
            title=title, slug=SECTION_PREFIX + slug,
            intro=f"{title}の業務ノウハウ、勉強会の記録、ライブ配信のアーカイブです。",
            group=groups.get(group),
        ))  # fmt: skip
        if group:
            PageGroupRestriction.objects.create(page=section, group=groups[group])
        section.save_revision().publish()
        sections.append((section, share))
    return sections


@dataclass
class Plan:
    section: object
    number: int  # 1-based position under the section
    kind: str
    published: date
    restricted_to: str | None


def plan_pages(rng: random.Random, sections: list, count: int) -> list[Plan]:
    """Which section, kind, date and restriction each page gets; the measured article first."""
    today = date.today()
    total_share = sum(share for _, share in sections)
    plans, positions = [], {}
    picks = rng.choices([s for s, _ in sections], [share / total_share for _, share in sections],
                        k=count - 1)  # fmt: skip
    for index, section in enumerate([sections[0][0], *picks]):
        positions[section.pk] = positions.get(section.pk, 0) + 1
        kind = "article" if index == 0 else rng.choices(
            ["article", "notes", "broadcast"], [70, 20, 10])[0]  # fmt: skip
        age = 0 if index == 0 else int(rng.uniform(0, 1825**0.7) ** (1 / 0.7))  # recent more
        restricted = None
        if index and section.group_id is None and rng.random() < RESTRICTED_SHARE:
            restricted = IN_GROUP if rng.random() < 0.5 else OUT_GROUP
        plans.append(Plan(section, positions[section.pk], kind, today - timedelta(days=age),
                          restricted))  # fmt: skip
    return plans


def body(rng: random.Random, topic: str, rich: bool) -> str:
    """A StreamField body as its JSON: headings, Markdown paragraphs, a callout and (rich) a
    table and a list."""

    def block(kind, value):
        return {"type": kind, "value": value, "id": str(uuid.UUID(int=rng.getrandbits(128)))}

    def paragraph():
        return "".join(rng.sample(SENTENCES, rng.choice((2, 3, 3, 4))))

    blocks = [
        block("heading", {"text": f"{topic}の概要", "level": "h2"}),
        block("text", f"{paragraph()}\n\n{paragraph()}"),
        block(
            "callout",
            {
                "kind": "point",
                "text": f"**{topic}**は期限の管理が肝心です。{rng.choice(SENTENCES)}",
            },
        ),  # fmt: skip
        block("heading", {"text": "手順", "level": "h2"}),
        block(
            "text",
            "\n".join(
                f"{n}. {step}"
                for n, step in enumerate(
                    ["対象者の抽出", "通知書の作成", "発送と記録", "問い合わせへの対応"], 1
                )
            ),
        ),  # fmt: skip
    ]
    if rich:
        blocks += [
            block("heading", {"text": "年間スケジュール", "level": "h3"}),
            block(
                "table",
                {
                    "columns": [
                        {"type": "text", "heading": "時期"},
                        {"type": "text", "heading": "作業"},
                        {"type": "number", "heading": "件数(目安)"},
                    ],
                    "rows": [
                        {"values": ["4月", "前年度分の整理", "120"]},
                        {"values": ["6月", "催告書の発送", "850"]},
                        {"values": ["10月", "差押えの予告", "300"]},
                        {"values": ["3月", "執行停止の判断", "45"]},
                    ],
                    "caption": "例年の流れ",
                },
            ),  # fmt: skip
            block("callout", {"kind": "caution", "text": rng.choice(SENTENCES)}),
            block("text", f"{paragraph()}\n\n- 関係課との打ち合わせ\n- 様式の改定\n- 議会への報告"),
        ]
    return json.dumps(blocks, ensure_ascii=False)


def create_pages(rng, plans: list[Plan], viewer, colleague, groups: dict) -> None:
    """Every planned page, table by table, in batches."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page

    from knowledge.models import (
        ArticlePage,
        BroadcastPage,
        KnowledgePage,
        KnowledgePageTag,
        PageGroupRestriction,
        PagePerson,
        SessionNotesPage,
    )

    classes = {"article": ArticlePage, "notes": SessionNotesPage, "broadcast": BroadcastPage}
    types = {kind: ContentType.objects.get_for_model(cls) for kind, cls in classes.items()}
    locale = Locale.get_default()
    tags = tag_rows()
    bodies = {topic: [body(rng, topic, rich) for rich in (False, True)] for topic in TOPICS}
    for batch in itertools.batched(plans, BATCH):
        pages = [make_page(rng, plan, classes, types, locale, bodies) for plan in batch]
        rows = Page.objects.bulk_create([page_row(page) for page in pages])
        for page, row in zip(pages, rows, strict=True):
            page.id = page.page_ptr_id = page.knowledgepage_ptr_id = row.id
        insert_rows(KnowledgePage, pages)
        for cls in classes.values():
            insert_rows(cls, [page for page in pages if type(page) is cls])
        tagged, people, restrictions = [], [], []
        for page, plan in zip(pages, batch, strict=True):
            chosen = rng.sample(tags, rng.choice((1, 2, 2, 3, 4)))
            tagged += [KnowledgePageTag(content_object_id=page.id, tag=tag) for tag in chosen]
            member = colleague if plan.number == 1 or rng.random() < 0.3 else viewer
            people.append(PagePerson(page_id=page.id, member=member, role="owner", sort_order=0))
            if plan.restricted_to:
                restrictions.append(
                    PageGroupRestriction(page_id=page.id, group=groups[plan.restricted_to])
                )
        KnowledgePageTag.objects.bulk_create(tagged)
        PagePerson.objects.bulk_create(people)
        PageGroupRestriction.objects.bulk_create(restrictions)
    counts = {}
    for plan in plans:
        counts[plan.section.pk] = plan.number
    for section_id, numchild in counts.items():
        Page.objects.filter(pk=section_id).update(numchild=numchild)


def tag_rows() -> list:
    from taggit.models import Tag

    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=TAGS)}
    missing = [Tag(name=name, slug=f"kbbench-{n}") for n, name in enumerate(TAGS)
               if name not in existing]  # fmt: skip
    Tag.objects.bulk_create(missing)
    return list(Tag.objects.filter(name__in=TAGS).order_by("pk"))


def make_page(rng, plan: Plan, classes, types, locale, bodies):
    """The page as Wagtail would have saved it: path, depth and url_path under its section."""
    from django.utils import timezone
    from wagtail.models import Page

    section = plan.section
    topic = rng.choice(TOPICS)
    first = plan.number == 1 and section.slug == SECTION_PREFIX + SECTIONS[0][0]
    title = f"{ARTICLE_TITLE}" if first else rng.choice(TITLE_PATTERNS).format(topic)
    slug = ARTICLE_SLUG if first else f"p{plan.number:05d}"
    published = timezone.make_aware(
        timezone.datetime.combine(plan.published, timezone.datetime.min.time())
    ) + timedelta(hours=rng.uniform(9, 18))
    page = classes[plan.kind](
        title=title, draft_title=title, slug=slug, content_type=types[plan.kind],
        path=Page._get_path(section.path, section.depth + 1, plan.number),
        depth=section.depth + 1, numchild=0, url_path=f"{section.url_path}{slug}/",
        live=True, has_unpublished_changes=False, first_published_at=published,
        last_published_at=published, locale=locale, kind=plan.kind, date=plan.published,
        summary=f"{topic}について、担当者が押さえておきたい点をまとめました。{rng.choice(SENTENCES)}",
        body=bodies[ARTICLE_TOPIC if first else topic][first or rng.random() < 0.3],
    )  # fmt: skip
    if plan.kind == "article":
        page.last_reviewed = plan.published + timedelta(days=rng.randint(0, 200))
    elif plan.kind == "notes":
        page.series = f"{topic}勉強会"
    else:
        page.episode_number = plan.number
        page.transcript = "".join(rng.sample(SENTENCES, 6))
    return page


ARTICLE_TOPIC = "滞納整理"
ARTICLE_TITLE = "滞納整理の進め方(異動してきた人向け)"


def page_row(page):
    """The wagtailcore_page row of a knowledge page."""
    from wagtail.models import Page

    fields = [f.attname for f in Page._meta.concrete_fields if not f.primary_key]
    return Page(**{name: getattr(page, name) for name in fields})


def insert_rows(model, pages: list) -> None:
    """The rows of ``model``'s own table for these pages (bulk_create's insert, one table)."""
    if pages:
        model._base_manager._insert(pages, fields=model._meta.local_concrete_fields)


def check_tree() -> None:
    from wagtail.models import Page

    problems = Page.find_problems()
    if any(problems):
        raise SystemExit(f"bench knowledge tree is broken: {problems}")
