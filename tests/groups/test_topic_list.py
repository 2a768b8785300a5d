"""A group's topic list as its reader sees it: each row's marks, the way into the topic (its
first unread post), the answer, the author, the tags, the replies and the last post in Tokyo
time; what members wrote is shown as text, never as markup."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import services
from groups.models import Topic
from tests.factories import GroupFactory, MemberFactory, PostFactory, TopicFactory, organization
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db


def _row(html: str, title: str) -> str:
    start = html.rindex("<tr", 0, html.index(f">{title}</a>"))
    return html[start : html.index("</tr>", start)]


def test_each_row_shows_marks_unread_answer_author_tags_and_last_post(db):
    group = GroupFactory(name="債権回収", slug="saiken")
    reader = MemberFactory()
    asked = TopicFactory(group=group, title="延滞金の計算", is_question=True, tags=["延滞金"])
    answer = PostFactory(topic=asked, body="日割りで計算します。")
    services.answer_accept(actor=group.proposed_by, topic=asked, post=answer)
    PostFactory(topic=asked, body="ありがとうございます。")
    services.topic_mark_read(member=reader, topic=asked, number=1)
    TopicFactory(group=group, title="年末の窓口", is_pinned=True, is_locked=True)
    Topic.objects.filter(pk=asked.pk).update(last_posted_at=datetime(2026, 3, 1, 20, 5, tzinfo=UTC))

    html = client_for(reader).get("/groups/saiken/").text

    solved = _row(html, "延滞金の計算")
    url = f"/groups/saiken/t/{asked.pk}/"
    assert '<span class="tag tag--solved">解決済み</span>' in solved and ">質問<" not in solved
    assert f'<a href="{url}?n=2#p2">延滞金の計算</a>' in solved  # the first unread post
    assert '<span class="badge-unread">未読 2</span>' in solved
    assert f'<a class="jump" href="{url}?n=2#p2">回答へ</a>' in solved
    assert f'{group.proposed_by.display_name}(神戸市) <span class="tag">#延滞金</span>' in solved
    assert "<td>2</td>" in solved
    assert '<time datetime="2026-03-02T05:05:00+09:00">3月2日(月) 05:05</time>' in solved
    unread = _row(html, "年末の窓口")
    assert '<span class="tag">ピン留め</span> <span class="tag">受付終了</span>' in unread
    assert '<span class="badge-new">新着</span>' in unread and "回答へ" not in unread


def test_what_members_wrote_is_shown_as_text(db):
    author = MemberFactory(display_name="<b>太字</b>")
    group = GroupFactory(name="債権回収", slug="saiken", owner=author)
    TopicFactory(group=group, author=author, title='"><script>alert(1)</script>',
                 tags=["<i>斜体</i>"])  # fmt: skip

    html = client_for(MemberFactory()).get("/groups/saiken/").text

    assert "<script>alert(1)" not in html and "<b>太字</b>" not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>" in html
    assert "&lt;b&gt;太字&lt;/b&gt;(神戸市)" in html


def test_a_topic_with_a_question_unanswered_is_marked_as_a_question(db):
    group = GroupFactory(name="債権回収", slug="saiken")
    TopicFactory(group=group, title="分納の相談", is_question=True)
    html = client_for(MemberFactory()).get("/groups/saiken/").text
    assert '<span class="tag">質問</span>' in _row(html, "分納の相談")


def test_an_author_of_no_organization_shows_no_brackets(db):
    group = GroupFactory(name="債権回収", slug="saiken")
    importer = MemberFactory(display_name="ナレッジ取り込み", organization=None)
    group.memberships.create(member=importer)
    TopicFactory(group=group, author=importer, title="取り込んだ記事")
    row = _row(client_for(MemberFactory()).get("/groups/saiken/").text, "取り込んだ記事")
    assert '<div class="meta">ナレッジ取り込み</div>' in row and "None" not in row


def test_an_author_of_a_town_shows_its_prefecture_and_of_a_designated_city_its_name(db):
    group = GroupFactory(name="債権回収", slug="saiken")
    for name, title in (("葉山町", "町の質問"), ("横浜市", "市の質問")):
        author = MemberFactory(display_name="回答 太郎", organization=organization(name))
        group.memberships.create(member=author)
        TopicFactory(group=group, author=author, title=title)
    html = client_for(MemberFactory()).get("/groups/saiken/").text
    assert '<div class="meta">回答 太郎(神奈川県葉山町)</div>' in _row(html, "町の質問")
    assert '<div class="meta">回答 太郎(横浜市)</div>' in _row(html, "市の質問")


def test_pages_count_the_topics_the_reader_may_see_in_a_statement_with_no_join(db):
    group = GroupFactory(slug="zaisei")
    for number in range(30):
        TopicFactory(group=group, title=f"予算編成 {number}")
    TopicFactory(group=group, title="非表示の話題", is_hidden=True)
    owner = client_for(group.proposed_by)

    with CaptureQueriesContext(connection) as queries:
        as_member = client_for(MemberFactory()).get("/groups/zaisei/").text
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1 and "JOIN" not in counts[0].upper()

    assert "ページ</span>" not in as_member  # 30 topics: one page
    assert "1 / 2 ページ" in owner.get("/groups/zaisei/").text  # a moderator sees the hidden one
