"""The page a member opens every morning: their groups with unread topic and chat counts, the
latest and unread topics, open questions in their fields, what needs them, and the profile
card while the profile lacks something. Nothing private leaks into any panel, and the page
costs the same queries however much there is to show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import services
from groups.chat import services as chat_services
from groups.models import Group, JoinRequest, Membership
from members.models import WorkField
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db
HOME = "/"


def _page(member) -> str:
    response = client_for(member).get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str, panel_id: str) -> str:
    """The HTML of one panel of the home page ("" when it is not shown)."""
    start = page.find(f'id="{panel_id}"')
    if start == -1:
        return ""
    return page[start : page.find("</section>", start)]


@pytest.fixture
def reader(group):
    member = MemberFactory(display_name="朝読 太郎", bio="税務の担当です。")
    member.work_fields.set([WorkField.objects.get(name="財政")])
    Membership.objects.create(group=group, member=member)
    return member


def _chat(group, author, count, start=0):
    room = chat_services.room_for_group(group)
    for number in range(start, start + count):
        chat_services.message_send(author=author, room=room, client_id=f"c{number}",
                                   body=f"おはようございます {number}")  # fmt: skip
    return room


def test_my_groups_show_unread_topics_new_topics_and_unread_chat(group, owner, reader):
    opened = services.topic_create(author=owner, group=group, title="差押えの順番", body="質問")
    services.topic_mark_read(member=reader, topic=opened, number=1)
    services.post_create(author=owner, topic=opened, body="追記です")
    services.topic_create(author=owner, group=group, title="分納の相談", body="新しい話題")
    _chat(group, owner, 3)
    _chat(group, reader, 1, start=10)  # one's own message is not unread

    mine = _panel(_page(reader), "home-my-groups")

    assert "債権回収" in mine
    assert "未読 1" in mine and "新着 1" in mine
    assert "チャット 未読 3" in mine
    assert reverse("chat:room", args=[group.slug]) in mine


def test_my_groups_show_a_name_as_text_and_no_chat_count_where_chat_is_off(group, owner, reader):
    group.name = "<b>債権</b>回収"
    group.save()
    _chat(group, owner, 2)

    mine = _panel(_page(reader), "home-my-groups")
    assert "&lt;b&gt;債権&lt;/b&gt;回収</a>" in mine and "<b>" not in mine
    assert "チャット 未読 2" in mine

    group.chat_enabled = False
    group.save()
    assert "チャット 未読" not in _panel(_page(reader), "home-my-groups")


def test_latest_and_unread_topics_of_my_groups(group, owner, reader):
    read = services.topic_create(author=owner, group=group, title="読んだ話題", body="本文")
    services.topic_mark_read(member=reader, topic=read, number=1)
    unread = services.topic_create(
        author=owner, group=group, title="まだ読んでいない話題", body="本文"
    )

    topics = _panel(_page(reader), "home-topics")

    unread_part, latest_part = topics.split("最近のトピック")
    assert "まだ読んでいない話題" in unread_part and "読んだ話題" not in unread_part
    assert "読んだ話題" in latest_part
    for topic in (read, unread):
        assert f'<a href="{reverse("groups:topic", args=[group.slug, topic.pk])}">' in topics


def test_each_topic_list_shows_its_own_newest_eight(group, owner, reader):
    from groups.selectors import HOME_TOPICS

    for number in range(HOME_TOPICS + 2):
        read = services.topic_create(
            author=owner, group=group, title=f"既読{number}号", body="本文"
        )
        services.topic_mark_read(member=reader, topic=read, number=1)
    for number in range(HOME_TOPICS + 2):
        services.topic_create(author=owner, group=group, title=f"未読{number}号", body="本文")

    unread_part, latest_part = _panel(_page(reader), "home-topics").split("最近のトピック")

    assert [f"未読{n}号" in unread_part for n in range(HOME_TOPICS + 2)] == [False] * 2 + [True] * 8
    assert [f"既読{n}号" in latest_part for n in range(HOME_TOPICS + 2)] == [False] * 2 + [True] * 8
    assert unread_part.index("未読9号") < unread_part.index("未読2号")  # newest first


def test_the_newest_topics_of_all_my_groups_come_first_whichever_group_they_are_in(
    group, owner, reader
):
    """Each group's topics are read apart (selectors.home_topics) and merged newest first."""
    from groups.selectors import HOME_TOPICS

    other = make_group(owner, slug="zaisei", name="財政")
    Membership.objects.create(group=other, member=reader)
    for number in range(HOME_TOPICS + 2):
        services.topic_create(author=owner, group=(group, other)[number % 2],
                              title=f"交互{number}号", body="本文")  # fmt: skip
        read = services.topic_create(author=owner, group=(other, group)[number % 2],
                                     title=f"読了{number}号", body="本文")  # fmt: skip
        services.topic_mark_read(member=reader, topic=read, number=1)

    unread_part, latest_part = _panel(_page(reader), "home-topics").split("最近のトピック")

    shown = [f"交互{n}号" in unread_part for n in range(HOME_TOPICS + 2)]
    assert shown == [False] * 2 + [True] * HOME_TOPICS
    assert (
        unread_part.index("交互9号") < unread_part.index("交互8号") < unread_part.index("交互2号")
    )
    assert [f"読了{n}号" in latest_part for n in range(HOME_TOPICS + 2)] == [False] * 2 + [
        True
    ] * HOME_TOPICS


def test_open_questions_in_my_fields_from_groups_i_may_read(owner, reader):
    other_open = make_group(owner, slug="zaisei", name="財政")
    kisai = services.topic_create(author=owner, group=other_open, title="起債の協議について",
                                  body="教えてください", is_question=True)  # fmt: skip
    services.topic_create(author=owner, group=other_open, title="雑談", body="財政の話")
    tagged = make_group(owner, slug="dx", name="自治体DX")
    services.topic_create(author=owner, group=tagged, title="交付税の算定", body="?",
                          is_question=True, tags=["財政"])  # fmt: skip
    services.topic_create(author=owner, group=tagged, title="財政調整基金の取り崩し", body="?",
                          is_question=True)  # fmt: skip
    services.topic_create(author=owner, group=tagged, title="窓口の混雑", body="?",
                          is_question=True)  # fmt: skip
    solved = services.topic_create(author=owner, group=other_open, title="解決した質問",
                                   body="?", is_question=True)  # fmt: skip
    answerer = MemberFactory()
    Membership.objects.create(group=other_open, member=answerer)
    answer = services.post_create(author=answerer, topic=solved, body="こうです")
    services.answer_accept(actor=owner, topic=solved, post=answer)

    questions = _panel(_page(reader), "home-questions")

    assert "起債の協議について" in questions  # in a group named after the field
    assert f'<a href="{reverse("groups:topic", args=["zaisei", kisai.pk])}">起債の' in questions
    assert "交付税の算定" in questions  # tagged with the field
    assert "財政調整基金の取り崩し" in questions  # the field in the title
    assert "窓口の混雑" not in questions  # about none of the fields
    assert "雑談" not in questions  # not a question
    assert "解決した質問" not in questions


def test_no_panel_shows_a_hidden_topic_or_a_closed_group_i_am_not_in(group, owner, reader):
    hidden = services.topic_create(author=owner, group=group, title="隠された財政の質問",
                                   body="?", is_question=True)  # fmt: skip
    services.topic_moderate(actor=owner, topic=hidden, action="hide")
    closed = make_group(owner, kind="closed", slug="vaccine", name="財政(承認制)")
    services.topic_create(author=owner, group=closed, title="承認制の財政の質問", body="?",
                          is_question=True, tags=["財政"])  # fmt: skip
    secret = make_group(owner, kind="secret", slug="kosho", name="財政(非公開)")
    services.topic_create(author=owner, group=secret, title="非公開の財政の質問", body="?",
                          is_question=True)  # fmt: skip
    _chat(closed, owner, 2)
    JoinRequest.objects.create(group=closed, member=MemberFactory(), message="入れてください")

    page = _page(reader)

    for secret_text in ["隠された財政の質問", "承認制の財政の質問", "非公開の財政の質問",
                        "財政(承認制)", "財政(非公開)"]:  # fmt: skip
        assert secret_text not in page
    assert "参加申請" not in page


def test_what_needs_me_mentions_and_answers_to_my_questions(group, owner, reader):
    question = services.topic_create(author=reader, group=group, title="延滞金の計算",
                                     body="教えてください", is_question=True)  # fmt: skip
    services.topic_mark_read(member=reader, topic=question, number=1)
    services.post_create(author=owner, topic=question, body="こう計算します")
    other = services.topic_create(author=owner, group=group, title="研修のお知らせ", body="本文")
    services.post_create(author=owner, topic=other, body=f"@{reader.handle} さんもどうぞ")

    needs = _panel(_page(reader), "home-needs-me")

    assert "延滞金の計算" in needs and "未読 1" in needs
    assert "未読の呼びかけ 1 件" in needs and "研修のお知らせ" in needs
    assert "参加申請" not in needs and "通報" not in needs


def test_moderators_see_join_requests_and_flags_waiting(owner, reader):
    closed = make_group(owner, kind="closed", slug="vaccine", name="ワクチン接種体制")
    JoinRequest.objects.create(group=closed, member=MemberFactory(), message="")
    JoinRequest.objects.create(group=closed, member=MemberFactory(), message="")
    Membership.objects.create(group=closed, member=reader)
    topic = services.topic_create(author=owner, group=closed, title="会場", body="本文")
    services.flag_create(flagger=reader, post=topic.posts.get(), reason="spam")

    owner_needs = _panel(_page(owner), "home-needs-me")
    reader_needs = _panel(_page(reader), "home-needs-me")

    assert "担当グループへの参加申請: 2 件" in owner_needs
    assert "担当グループの通報: 1 件" in owner_needs
    assert reverse("groups:site_moderation") in owner_needs
    assert "参加申請" not in reader_needs and "通報" not in reader_needs
    assert "対応が必要なものはありません" in reader_needs


def test_the_profile_card_says_what_is_missing_until_the_profile_is_complete(db):
    member = MemberFactory(department="", section="", team="", bio="")

    card = _panel(_page(member), "home-profile")
    assert "プロフィールを整える" in card
    assert "所属部署" in card and "担当分野" in card and "自己紹介" in card

    member.department, member.bio = "税務部", "よろしくお願いします。"
    member.save()
    member.work_fields.set([WorkField.objects.get(name="税務")])
    assert "プロフィールを整える" not in _page(member)


def _more_of_everything(owner, reader, round_number: int) -> None:
    """Another group of the reader's with topics, replies, chat, a mention, a question in the
    reader's field and a join request and flag for its owner."""
    group = make_group(owner, kind="closed", slug=f"more{round_number}", name=f"財政{round_number}")
    Membership.objects.create(group=group, member=reader)
    for number in range(3):
        topic = services.topic_create(author=owner, group=group, title=f"話題{number}",
                                      body=f"@{reader.handle} 本文", is_question=True)  # fmt: skip
        services.topic_mark_read(member=reader, topic=topic, number=1)
        services.post_create(author=owner, topic=topic, body="返信")
    mine = services.topic_create(author=reader, group=group, title="私の質問", body="?",
                                 is_question=True)  # fmt: skip
    services.post_create(author=owner, topic=mine, body="回答")
    _chat(group, owner, 3)
    JoinRequest.objects.create(group=group, member=MemberFactory(), message="")
    services.flag_create(flagger=reader, post=topic.posts.first(), reason="spam")


HOME_QUERIES = 12


@pytest.mark.parametrize("viewer", ["owner", "reader"])
def test_the_home_page_costs_the_same_queries_however_much_it_shows(
    group, owner, reader, viewer, django_assert_num_queries
):
    client = client_for({"owner": owner, "reader": reader}[viewer])
    _more_of_everything(owner, reader, 1)
    client.get(HOME)
    with CaptureQueriesContext(connection) as few:
        assert client.get(HOME).status_code == 200
    few = [query["sql"][:80] for query in few.captured_queries]  # before Django's log rolls over
    for round_number in range(2, 5):
        _more_of_everything(owner, reader, round_number)
    client.get(HOME)  # this process reads the knowledge base's restrictions at their new version
    with django_assert_num_queries(len(few)):
        page = client.get(HOME).content.decode()
    assert "財政4" in page
    # 12 for the owner and for the reader (nine panels from four apps, each a query or two)
    assert len(few) <= HOME_QUERIES, few


def test_a_group_not_active_is_not_among_my_groups(owner, reader):
    proposed = make_group(owner, slug="teian", name="提案中のグループ")
    Group.objects.filter(pk=proposed.pk).update(status=Group.Status.PROPOSED)
    Membership.objects.create(group=proposed, member=reader)
    assert "提案中のグループ" not in _panel(_page(reader), "home-my-groups")


def _bell(page: str) -> str:
    start = page.find("data-unread-number>") + len("data-unread-number>")
    return page[start : page.find("<", start)]


def test_the_bell_on_the_home_page_counts_what_it_counts_everywhere(group, owner, reader):
    """The home page's mentions and its bell share one read of the unread notifications:
    the bell still counts every kind, and leaves out what the member may no longer see."""
    services.topic_create(
        author=owner, group=group, title="差押え", body=f"@{reader.handle} 確認を"
    )
    mine = services.topic_create(author=reader, group=group, title="質問", body="?")
    services.post_create(author=owner, topic=mine, body="回答です")
    secret = make_group(owner, kind="secret", slug="himitsu", name="秘密")
    membership = Membership.objects.create(group=secret, member=reader)
    services.topic_create(author=owner, group=secret, title="内密", body=f"@{reader.handle} 内密")
    membership.delete()  # the mention there is no longer the reader's to see

    home = _page(reader)
    elsewhere = client_for(reader).get(reverse("groups:index")).content.decode()
    assert _bell(home) == _bell(elsewhere) == "2"
    assert "差押え" in _panel(home, "home-needs-me") and "内密" not in home


def test_my_groups_counts_agree_with_the_unread_counts_of_the_group_directory(group, owner, reader):
    from groups import selectors

    opened = services.topic_create(author=owner, group=group, title="差押え", body="本文")
    services.topic_mark_read(member=reader, topic=opened, number=1)
    services.post_create(author=owner, topic=opened, body="追記")
    services.topic_create(author=owner, group=group, title="分納", body="新しい話題")
    for round_number in range(1, 4):
        _more_of_everything(owner, reader, round_number)
    for member in (reader, owner):
        counted = {g.pk: (g.unread, g.new) for g in selectors.my_groups_with_unread(member)}
        expected = selectors.unread_by_group(member)
        assert len(counted) == 4
        assert counted == {pk: expected.get(pk, (0, 0)) for pk in counted}
    assert {g.unread for g in selectors.my_groups_with_unread(reader)} == {1, 4}


def test_a_topic_read_in_part_opens_at_its_first_unread_post_and_shows_as_text(
    group, owner, reader
):
    topic = services.topic_create(author=owner, group=group, title="<b>延滞金</b>の計算",
                                  body="本文", is_question=True)  # fmt: skip
    services.topic_mark_read(member=reader, topic=topic, number=1)
    services.post_create(author=owner, topic=topic, body="追記です")

    topics = _panel(_page(reader), "home-topics")

    url = reverse("groups:topic", args=[group.slug, topic.pk])
    assert f'<a href="{url}?n=2">&lt;b&gt;延滞金&lt;/b&gt;の計算</a>' in topics
    assert '<span class="badge-unread">未読 1</span>' in topics
    assert '<span class="tag">質問</span>' in topics and "<b>" not in topics


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own statement")
def test_postgresqls_statement_reads_the_rows_the_union_reads(group, owner, reader):
    """selectors._HOME_TOPICS_EACH_GROUP (LATERAL, PostgreSQL) and _HOME_TOPICS (a union of
    parts, SQLite) give the same rows: topics read to the end and in part, never opened ones
    started before and after the member joined, a hidden one, a group with more than eight of
    a kind, and a group of theirs with nothing in it."""
    from datetime import timedelta

    from django.utils import timezone

    from cityhall import prepared
    from cityhall.compiled import padded
    from groups import selectors
    from groups.models import Topic

    other = make_group(owner, slug="zaisei", name="財政")
    Membership.objects.create(group=other, member=reader)
    empty = make_group(owner, slug="empty", name="空のグループ")
    Membership.objects.create(group=empty, member=reader)
    old = services.topic_create(author=owner, group=group, title="入会前", body="本文")
    Topic.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=900),
        last_posted_at=timezone.now() + timedelta(hours=1),
    )
    for number in range(2 * selectors.HOME_TOPICS + 2):  # nine of each kind
        topic = services.topic_create(author=owner, group=group, title=f"{number}号", body="本文")
        if number % 2:
            services.topic_mark_read(member=reader, topic=topic, number=1)
    part = services.topic_create(author=owner, group=other, title="途中", body="本文")
    services.topic_mark_read(member=reader, topic=part, number=1)
    services.post_create(author=owner, topic=part, body="続き")
    hidden = services.topic_create(author=owner, group=other, title="非表示", body="本文")
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)

    mine = [group.pk, other.pk, empty.pk]
    params = [mine, reader.pk, reader.pk, reader.pk, selectors.HOME_TOPICS] * 2
    lateral = prepared.rows(selectors._HOME_TOPICS_EACH_GROUP, params)
    groups, count = padded(mine)
    union = selectors._HOME_TOPICS(reader, *groups, shape=count)
    assert len(lateral) == 2 * selectors.HOME_TOPICS + 1  # the group's eight of each, and 途中
    assert old.pk in [row[0] for row in lateral if not row[-1]]  # read: before they joined
    assert sorted(map(tuple, lateral)) == sorted(map(tuple, union))
