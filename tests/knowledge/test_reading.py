"""What a member reads in the knowledge base: the home with its sections, newest pages, tags and
archive links; a section with its start-here text, kinds and pages; the year, month and kind
archives; the three kinds of page; the feeds. Japanese pages show 和暦 where officials expect it,
English pages English dates. Each page costs the same queries with 3 pages as with 30."""

import re
from datetime import date, timedelta

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.documents import get_document_model

from knowledge.models import (
    ArticlePage,
    BroadcastPage,
    Chapter,
    KnowledgePage,
    PagePerson,
    RelatedTopic,
    SectionPage,
    SessionNotesPage,
    a_year_before,
)
from knowledge.reading import PAGE_SIZE
from knowledge.services import ensure_home
from tests.factories import GroupFactory, MemberFactory, MembershipFactory, TopicFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import add_page

pytestmark = pytest.mark.django_db
# Queries per page, everything included. Before the knowledge base asks anything a Wagtail page
# costs 11 + 2 per level below the home: session and member (2), the nav (moderation, chat
# unread, notifications: 3), Wagtail's site and its root paths in the cache table (2), its home
# page (1), its routing (2 per level: the child, then its specific row), its own view
# restrictions check (2); then the viewer (2). What the knowledge base adds: home 6 (months and
# kinds, sections, newest, their tags, the tag list), section 4 (count, page, tags, —), page 5
# (tags, people, related, their tags, related topics).
# The reader's own views (tag, kind, archives) skip Wagtail's routing: 9 before they ask, then
# the count (none: a 404), the page and its tags (3), the tag (1), the year's months (1).
# Every query of the request, the site's navigation included (issue: ≤ 12 a page).
BUDGETS = {"home": 12, "section": 10, "page": 12, "tag": 10, "kind": 9, "year": 10, "month": 9}


@pytest.fixture
def reader(db):
    return MemberFactory(display_name="読書 花子")


@pytest.fixture
def section(db):
    return add_page(ensure_home(), SectionPage(
        title="債権回収", slug="saiken", intro="滞納整理の知恵",
        start_here=[("text", "まず滞納整理の流れを読みましょう")],
    ))  # fmt: skip


def article(section, title, day, *, tags=(), slug=None, **fields):
    page = ArticlePage(title=title, slug=slug or f"a-{title}", date=day, summary=f"{title}の要約",
                       **fields)  # fmt: skip
    page.tags.add(*tags)
    return add_page(section, page)


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_home_lists_sections_new_pages_tags_and_archives(section, reader):
    article(section, "差押えの手順", date(2024, 6, 21), tags=["差押え", "滞納"])
    article(section, "分納の相談", date(2024, 5, 2), tags=["滞納"])
    page = client_for(reader).get("/knowledge/").text
    assert "債権回収" in page and "滞納整理の知恵" in page
    assert page.index("差押えの手順") < page.index("分納の相談")  # newest first
    assert 'href="/knowledge/-/tags/' in page and '滞納 <span class="kb-count">2</span>' in page
    assert 'href="/knowledge/-/archive/2024/6/">2024年6月</a> <span class="meta">(1)' in page
    assert 'href="/knowledge/-/archive/2024/"' in page
    assert 'href="/knowledge/-/kind/article/">業務ノウハウ</a> <span class="meta">(2)' in page
    assert 'href="/knowledge/-/feed/"' in page


def test_the_nav_links_to_the_knowledge_base(reader):
    page = client_for(reader).get("/").text
    assert '<a href="/knowledge/">ナレッジ</a>' in page


def test_a_section_starts_newcomers_off_and_filters_by_kind(section, reader):
    article(section, "差押えの手順", date(2024, 6, 21))
    add_page(section, SessionNotesPage(title="債権回収勉強会", slug="study", date=date(2024, 6, 1)))
    client = client_for(reader)
    page = client.get(section.url).text
    assert "はじめての方へ" in page and "まず滞納整理の流れを読みましょう" in page
    assert "差押えの手順" in page and "債権回収勉強会" in page
    notes = client.get(section.url, {"kind": "notes"}).text
    assert "債権回収勉強会" in notes and "差押えの手順" not in notes
    assert client.get(section.url, {"kind": "nonsense", "page": "x"}).status_code == 200


def test_a_section_pages_its_listing_and_keeps_the_kind(section, reader):
    for number in range(PAGE_SIZE + 2):
        article(section, f"記事{number:02d}", date(2024, 1, 1) + timedelta(days=number))
    client = client_for(reader)
    first = client.get(section.url, {"kind": "article"}).text
    assert "記事21" in first and "記事00" not in first
    assert 'href="?kind=article&amp;page=2"' in first
    second = client.get(section.url, {"kind": "article", "page": "2"}).text
    assert "記事00" in second and "記事21" not in second
    assert "記事00" in client.get(section.url, {"page": "999"}).text  # past the end: the last


def test_a_page_is_found_by_its_whole_path_even_where_its_slug_repeats_its_sections(
    section, reader
):
    same = article(section, "同じ名前の記事", date(2024, 6, 1), slug="saiken")
    other = add_page(ensure_home(), SectionPage(title="財政", slug="zaisei"))
    client = client_for(reader)
    assert same.url == "/knowledge/saiken/saiken/"
    assert "同じ名前の記事" in client.get(same.url).text
    assert "滞納整理の知恵" in client.get(section.url).text
    assert other.title in client.get(other.url).text
    for wrong in ("/knowledge/zaisei/saiken/", "/knowledge/saiken/saiken/saiken/",
                  "/knowledge/saiken/nothing/", "/knowledge/" + "saiken/" * 300):  # fmt: skip
        assert client.get(wrong).status_code == 404, wrong


def test_year_and_month_archives_count_and_list_their_pages(section, reader):
    article(section, "六月の記事", date(2024, 6, 21))
    article(section, "六月の二本目", date(2024, 6, 3))
    article(section, "五月の記事", date(2024, 5, 2))
    article(section, "去年の記事", date(2023, 6, 1))
    client = client_for(reader)
    year = client.get("/knowledge/-/archive/2024/")
    assert year.status_code == 200
    assert "令和6年" in year.text and "2024年のページ" in year.text
    assert '2024年6月</a> <span class="meta">(2)' in year.text
    assert '2024年5月</a> <span class="meta">(1)' in year.text
    assert "去年の記事" not in year.text and "3 件" in year.text
    month = client.get("/knowledge/-/archive/2024/6/").text
    assert "六月の記事" in month and "五月の記事" not in month
    assert "2024年6月のページ" in month and "令和6年6月" in month


def test_the_year_of_two_eras_names_both(section, reader):
    article(section, "改元の年", date(2019, 6, 1))
    page = client_for(reader).get("/knowledge/-/archive/2019/").text
    assert "平成31年・令和元年" in page
    assert "令和元年6月" in client_for(reader).get("/knowledge/-/archive/2019/6/").text


@pytest.mark.parametrize("url", [
    "/knowledge/-/archive/2024/13/", "/knowledge/-/archive/2024/0/", "/knowledge/-/archive/0/",
    "/knowledge/-/archive/99999999999999999999999/", "/knowledge/-/archive/2020/",
    "/knowledge/-/kind/nonsense/", "/knowledge/-/kind/notes/", "/knowledge/-/tags/nothing/",
    "/knowledge/-/feed/nothing/",
])  # fmt: skip
def test_an_archive_with_nothing_or_a_bad_address_is_a_404(section, reader, url):
    article(section, "ある記事", date(2024, 6, 21))
    assert client_for(reader).get(url).status_code == 404


def test_the_kind_archive_lists_one_kind(section, reader):
    article(section, "差押えの手順", date(2024, 6, 21))
    add_page(section, SessionNotesPage(title="債権回収勉強会", slug="study", date=date(2024, 6, 1)))
    page = client_for(reader).get("/knowledge/-/kind/notes/").text
    assert "勉強会・情報交換会の記録" in page and "債権回収勉強会" in page
    assert "差押えの手順" not in page


def test_a_page_header_shows_the_date_in_wareki_in_japanese_only(section, reader):
    page = article(section, "差押えの手順", date(2024, 6, 21))
    japanese = client_for(reader).get(page.url).text
    assert "2024年6月21日" in japanese and "令和6年6月21日" in japanese
    english_page = english(client_for(reader)).get(page.url).text
    assert "Jun 21, 2024" in english_page and "令和" not in english_page
    archive = english(client_for(reader)).get("/knowledge/-/archive/2024/6/").text
    assert "June 2024" in archive and "令和" not in archive


@pytest.mark.parametrize(
    "day, before", [(date(2028, 2, 29), date(2027, 2, 28)), (date(2026, 12, 2), date(2025, 12, 2))]
)
def test_a_year_before_a_leap_day_is_the_28th(day, before):
    assert a_year_before(day) == before


@pytest.mark.parametrize(("days_ago_past_a_year", "warned"), [(0, True), (-1, False)])
def test_an_article_not_reviewed_for_a_year_warns_the_reader(
    section, reader, days_ago_past_a_year, warned
):
    today = timezone.localdate()
    reviewed = a_year_before(today) - timedelta(days=days_ago_past_a_year)
    page = article(section, "差押えの手順", date(2020, 1, 1), last_reviewed=reviewed)
    text = client_for(reader).get(page.url).text
    assert "最終確認日" in text and f"{reviewed.year}年{reviewed.month}月{reviewed.day}日" in text
    assert ("1年以上確認されていません" in text) is warned


@pytest.fixture
def document(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return get_document_model().objects.create(
        title="当日のスライド", file=ContentFile(b"%PDF-1.4", name="slides.pdf")
    )


def test_session_notes_show_speakers_questions_materials_and_the_chat(section, reader, document):
    speaker = MemberFactory(display_name="発表 一郎")
    notes = SessionNotesPage(
        title="債権回収勉強会", slug="study", date=date(2024, 6, 1), series="第3期",
        questions=[("qa", {"question": "時効の援用は?", "asked_by": "A市",
                           "answer": "援用が必要"})],
        materials=[("document", {"document": document, "title": ""})],
        chat_transcript_url="/groups/saiken/chat/",
    )  # fmt: skip
    notes.people.add(PagePerson(role="speaker", member=speaker))
    notes.people.add(PagePerson(role="speaker", name="外部 講師", affiliation="B大学"))
    add_page(section, notes)
    page = client_for(reader).get(notes.url).text
    assert "発表 一郎" in page and "外部 講師" in page and "B大学" in page
    assert "時効の援用は?" in page and "援用が必要" in page and "A市" in page
    assert "当日のスライド" in page
    assert 'href="/groups/saiken/chat/"' in page


def test_a_broadcast_shows_its_episode_hosts_guests_and_chapters(section, reader):
    episode = BroadcastPage(title="ラジオ市役所", slug="radio", date=date(2024, 6, 1),
                            episode_number=12)  # fmt: skip
    episode.people.add(PagePerson(role="host", name="司会 花子"))
    episode.people.add(PagePerson(role="guest", name="ゲスト 次郎"))
    episode.chapters.add(Chapter(start="0:00", title="オープニング"))
    episode.chapters.add(Chapter(start="12:34", title="滞納整理の話"))
    add_page(section, episode)
    page = client_for(reader).get(episode.url).text
    assert "第12回" in page and "司会 花子" in page and "ゲスト 次郎" in page
    assert page.index("オープニング") < page.index("滞納整理の話")
    assert 'data-seek="754"' in page


def test_an_article_shows_its_owners_and_only_the_related_topics_the_reader_may_read(
    section, reader
):
    owner = MemberFactory(display_name="担当 三郎")
    open_topic = TopicFactory(title="督促状の文例を共有します")
    closed = GroupFactory(kind="closed", name="内部の検討会")
    closed_topic = TopicFactory(group=closed, title="内部の検討メモ")
    page = ArticlePage(title="督促の進め方", slug="tokusoku", date=date(2024, 6, 1))
    page.people.add(PagePerson(role="owner", member=owner))
    for topic in (open_topic, closed_topic):
        page.related_topics.add(RelatedTopic(url=f"/groups/x/t/{topic.pk}/", topic=topic))
    add_page(section, page)

    shown = client_for(reader).get(page.url).text
    assert "担当 三郎" in shown and "督促状の文例を共有します" in shown
    assert "内部の検討メモ" not in shown
    MembershipFactory(group=closed, member=reader)
    assert "内部の検討メモ" in client_for(reader).get(page.url).text


def test_related_pages_share_tags(section, reader):
    page = article(section, "差押えの手順", date(2024, 6, 21), tags=["差押え"])
    article(section, "預金の差押え", date(2024, 6, 1), tags=["差押え"])
    article(section, "関係ない記事", date(2024, 6, 2), tags=["福祉"])
    text = client_for(reader).get(page.url).text
    related = text[text.index("関連するページ") :]
    assert "預金の差押え" in related and "関係ない記事" not in related


def _card_tags(html: str, title: str) -> list[str]:
    """The tag names on the card of the page with this title."""
    card = html[html.index(f">{title}</a>") :]
    card = card[: card.index("\n</li>")]  # a card's own end; its tags close on their line
    return re.findall(r'<a class="tag" href="/knowledge/-/tags/[^"]+/">([^<]+)</a>', card)


@pytest.mark.parametrize("where", ["home", "section", "tag", "related"])
def test_each_card_shows_its_own_tags_in_the_order_given(section, reader, where):
    page = article(section, "差押えの手順", date(2024, 6, 21), tags=["差押え", "滞納", "預金"])
    article(section, "分納の相談", date(2024, 6, 20), tags=["滞納"])
    article(section, "タグのない記事", date(2024, 6, 19))
    url = {"home": "/knowledge/", "section": section.url, "tag": "/knowledge/-/tags/滞納/",
           "related": page.url}[where]  # fmt: skip
    html = client_for(reader).get(url).text
    if where != "related":
        assert _card_tags(html, "差押えの手順") == ["差押え", "滞納", "預金"]
    assert _card_tags(html, "分納の相談") == ["滞納"]
    if where in ("home", "section"):
        assert _card_tags(html, "タグのない記事") == []


def _card(html: str, title: str) -> str:
    start = html.rindex('<li class="kb-card">', 0, html.index(f">{title}</a>"))
    return html[start : html.index("\n</li>", start) + 6]


def test_a_card_shows_title_kind_date_summary_and_tags_in_the_reader_language(section, reader):
    long_summary = "滞納整理の流れ。" * 30  # 240 characters
    title, day = "差押えの<手順>", date(2024, 6, 21)
    page = article(section, title, day, tags=["差押え"], slug="a-tetsuzuki")
    page.summary = long_summary
    page.save_revision().publish()
    japanese = _card(client_for(reader).get(section.url).text, "差押えの&lt;手順&gt;")
    assert japanese == (
        '<li class="kb-card">\n  <a class="kb-card__title" href="/knowledge/saiken/a-tetsuzuki/">'
        '差押えの&lt;手順&gt;</a>\n'
        '  <p class="meta"><span class="tag">業務ノウハウ</span> '
        '<time datetime="2024-06-21">2024年6月21日</time>\n</p>\n'
        f'  <p class="kb-card__summary">{long_summary[:139]}…</p>\n'
        '  <ul class="tags kb-card__tags"><li><a class="tag" href="/knowledge/-/tags/'
        '%E5%B7%AE%E6%8A%BC%E3%81%88/">差押え</a></li></ul>\n</li>'
    )  # fmt: skip
    caches["fragments"].clear()
    in_english = _card(english(client_for(reader)).get(section.url).text, "差押えの&lt;手順&gt;")
    expected = '<span class="tag">How-to article</span> <time datetime="2024-06-21">Jun 21, 2024'
    assert expected in in_english


def test_the_feeds_list_the_newest_pages(section, reader):
    article(section, "差押えの手順", date(2024, 6, 21))
    other = add_page(ensure_home(), SectionPage(title="財政", slug="zaisei"))
    article(other, "予算の見積もり", date(2024, 6, 22))
    client = client_for(reader)
    feed = client.get("/knowledge/-/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "差押えの手順" in feed.text and "予算の見積もり" in feed.text
    assert "/knowledge/saiken/" in feed.text and "<summary" in feed.text
    one = client.get("/knowledge/-/feed/saiken/").text
    assert "差押えの手順" in one and "予算の見積もり" not in one
    client.logout()
    assert client.get("/knowledge/-/feed/").status_code == 302  # members only


def _many(section, count, start=0):
    """Pages of every kind, each with tags and people, so a per-row query would show."""
    for number in range(start, start + count):
        kind = [ArticlePage, SessionNotesPage, BroadcastPage][number % 3]
        page = kind(title=f"ページ{number}", slug=f"p{number}", date=date(2024, 1 + number % 12, 1))
        page.tags.add(f"タグ{number % 4}", "共通")
        page.people.add(PagePerson(role="speaker", name=f"人{number}"))
        add_page(section, page)


URLS = {
    "tag": "/knowledge/-/tags/共通/", "kind": "/knowledge/-/kind/article/",
    "year": "/knowledge/-/archive/2024/", "month": "/knowledge/-/archive/2024/1/",
}  # fmt: skip


@pytest.mark.parametrize("where", ["home", "section", "page", *URLS])
def test_the_knowledge_pages_cost_the_same_queries_with_3_pages_as_with_30(
    section, reader, where, django_assert_num_queries
):
    _many(section, 3)
    first = KnowledgePage.objects.order_by("pk").first()
    url = {"home": "/knowledge/", "section": section.url, "page": first.url, **URLS}[where]
    client = client_for(reader)
    client.get(url)
    caches["fragments"].clear()  # cold: the counts kept per content version are read afresh
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    cold = len(few)
    assert cold <= BUDGETS[where], [query["sql"] for query in few.captured_queries]
    _many(section, 27, start=3)
    client.get(url)  # the first reader at the new version (the home's stores its counts)
    caches["fragments"].clear()
    with django_assert_num_queries(cold):
        page = client.get(url).text
    assert "ページ" in page
