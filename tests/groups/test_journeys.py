"""Through the real views: propose a group, ask a question, answer it, accept the answer."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from groups import services
from groups.models import Attachment, Group, Membership, ModerationLog, Post, Topic
from members.models import Notification, NotificationPreference
from tests.factories import MemberFactory, organization
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db


def test_propose_review_and_become_owner(owner, committing):
    proposer = client_for(owner)
    response = proposer.post(reverse("groups:propose"), {
        "name": "音楽サークル", "description": "吹奏楽や合唱が好きな職員の集まり", "kind": "open",
        "reason": "昼休みに練習の情報交換をしたい",
    })  # fmt: skip
    group = Group.objects.get(name="音楽サークル")
    assert response.status_code == 302 and group.status == Group.Status.PROPOSED
    assert (
        client_for(MemberFactory()).get(reverse("groups:detail", args=[group.slug])).status_code
        == 404
    )

    moderator = client_for(MemberFactory(is_site_moderator=True))
    assert "音楽サークル" in moderator.get(reverse("groups:proposals")).content.decode()
    with committing():
        moderator.post(
            reverse("groups:decide", args=[group.slug]), {"approve": "1", "message": "どうぞ"}
        )
    group.refresh_from_db()
    assert group.status == Group.Status.ACTIVE
    assert Membership.objects.get(group=group, member=owner).role == Membership.Role.OWNER
    notice = Notification.objects.get(recipient=owner, kind="group")
    assert notice.text == "グループ「音楽サークル」が承認されました。"
    with translation.override(
        "en"
    ):  # translated for the reader, not frozen in the actor's language
        assert notice.text == "The group “音楽サークル” has been approved."


def test_ask_answer_accept_and_find_it_solved(group, owner, committing, run_tasks, settings):
    settings.NOTIFICATION_MAIL_DELAY = 0
    asker, answerer, reader = (
        MemberFactory(),
        MemberFactory(display_name="回答 太郎"),
        MemberFactory(),
    )
    for member in (asker, answerer):
        Membership.objects.create(group=group, member=member)
    with committing():
        response = client_for(asker).post(reverse("groups:topic_new", args=[group.slug]), {
            "title": "分納誓約の途中で連絡が取れなくなった場合",
            "body": "異動してきたばかりです。分納が止まった滞納者への次の一手を教えてください。",
            "tags": "滞納整理 分納", "is_question": "on",
            "files": [SimpleUploadedFile("催告書.pdf", b"%PDF-1.7\n1 0 obj\n")],
        })  # fmt: skip
    topic = Topic.objects.get()
    assert response.status_code == 302 and topic.is_question
    assert Attachment.objects.get().content_type == "application/pdf"

    url = reverse("groups:topic", args=[group.slug, topic.pk])
    with committing():
        response = client_for(answerer).post(
            reverse("groups:reply", args=[group.slug, topic.pk]),
            {"body": f"@{asker.handle} さん、まず財産調査をしましょう。"},
        )
    answer = Post.objects.get(topic=topic, number=2)
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=asker, kind="mention").exists()
    assert not Notification.objects.filter(recipient=asker, kind="reply").exists()  # one, not two

    with committing():
        client_for(asker).post(reverse("groups:accept", args=[group.slug, answer.pk]))
    topic.refresh_from_db()
    assert topic.accepted_post == answer
    assert Notification.objects.filter(recipient=answerer, kind="accepted_answer").exists()

    listing = client_for(reader).get(reverse("groups:detail", args=[group.slug])).content.decode()
    topic_url = reverse("groups:topic", args=[group.slug, topic.pk])
    assert "解決済み" in listing and f'href="{topic_url}?n=2#p2"' in listing
    page = client_for(reader).get(url).content.decode()
    assert "解決した回答" in page and "財産調査" in page

    run_tasks()
    assert [m.to for m in mail.outbox] == [[asker.email], [answerer.email]]
    assert "呼びかけました" in mail.outbox[0].body


def test_busy_topic_sends_one_mail_not_fifty(group, owner, committing, run_tasks, settings):
    settings.NOTIFICATION_MAIL_DELAY = 0
    topic = Topic.objects.create(group=group, author=owner, title="予算要求の書き方")
    Post.objects.create(topic=topic, author=owner, number=1, body="x", body_html="x")
    Topic.objects.filter(pk=topic.pk).update(highest_post_number=1)
    replier = MemberFactory()
    Membership.objects.create(group=group, member=replier)
    client = client_for(replier)
    with committing():
        for number in range(20):
            client.post(
                reverse("groups:reply", args=[group.slug, topic.pk]), {"body": f"返信{number}"}
            )
    run_tasks()
    assert len(mail.outbox) == 1
    assert "20" in mail.outbox[0].subject


def test_edit_keeps_history_and_delete_keeps_the_reason(group, owner, committing):
    topic_author = client_for(owner)
    with committing():
        topic_author.post(reverse("groups:topic_new", args=[group.slug]),
                          {"title": "質問", "body": "最初の本文"})  # fmt: skip
    post = Post.objects.get()
    topic_author.post(reverse("groups:post_edit", args=[group.slug, post.pk]),
                      {"title": "質問(修正)", "body": "直した本文", "version": 1})  # fmt: skip
    history = topic_author.get(reverse("groups:post_history", args=[group.slug, post.pk]))
    # a word diff: the words that went and came are marked, the rest shown once
    page = history.content.decode()
    assert "最初の</del>" in page and "直した</ins>" in page and "本文" in page

    other = client_for(MemberFactory())
    assert other.post(reverse("groups:post_edit", args=[group.slug, post.pk]),
                      {"body": "乗っ取り"}).status_code == 403  # fmt: skip
    post.refresh_from_db()
    assert post.body == "直した本文"


def test_flag_hide_and_log(group, owner):
    member = MemberFactory()
    Membership.objects.create(group=group, member=member)
    topic = Topic.objects.create(group=group, author=member, title="雑談")
    post = Post.objects.create(
        topic=topic, author=member, number=1, body="電話番号 090-...", body_html="x"
    )
    client_for(MemberFactory()).post(
        reverse("groups:flag", args=[group.slug, post.pk]), {"reason": "personal_info"}
    )
    moderation = client_for(owner).get(reverse("groups:moderation", args=[group.slug]))
    assert "個人情報・機密情報が含まれている" in moderation.content.decode()
    flag = post.flags.get()
    client_for(owner).post(reverse("groups:moderation", args=[group.slug]),
                           {"flag": flag.pk, "action": "hide"})  # fmt: skip
    post.refresh_from_db()
    assert post.is_hidden
    assert ModerationLog.objects.filter(group=group, action="hide_post", post=post).exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "この項目は必須です"), ("あ" * 20_001, "20000")],
)
def test_bad_topic_input_gets_a_japanese_error_and_no_record(group, owner, body, message):
    response = client_for(owner).post(
        reverse("groups:topic_new", args=[group.slug]), {"title": "題", "body": body}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Topic.objects.exists() and not Post.objects.exists()


def test_a_disallowed_attachment_rolls_back_the_whole_topic(group, owner):
    response = client_for(owner).post(reverse("groups:topic_new", args=[group.slug]), {
        "title": "資料", "body": "添付します",
        "files": [SimpleUploadedFile("invoice.pdf", b"MZ\x90 not a pdf")],
    })  # fmt: skip
    assert response.status_code == 400
    assert "添付できない種類のファイル" in response.content.decode()
    assert not Topic.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("size", [1, 30])
def test_group_and_topic_pages_stay_within_their_query_budgets(
    group, owner, size, django_assert_max_num_queries
):
    reader = MemberFactory()
    Membership.objects.create(group=group, member=reader)
    topic = None
    for number in range(size):
        # authors from towns: their organization's name needs its prefecture too
        author = MemberFactory(organization=organization("葉山町"))
        topic = Topic.objects.create(group=group, author=author, title=f"トピック{number}")
    for number in range(1, size + 1):
        Post.objects.create(
            topic=topic, author=MemberFactory(), number=number, body="b", body_html="b"
        )
    Topic.objects.filter(pk=topic.pk).update(highest_post_number=size)
    client = client_for(reader)
    # Every page: session, member, the nav's moderation entry, unread chat and bell (5). The
    # directory: its count and page, unread topics (3). The topic list: the group with the
    # membership, its count and page (tags and reading place in the rows), the group's unread
    # chat, the watch level (5). The topic page: the group, the topic, the draft, the posts,
    # their attachments and reactions, the reading place written, the watch level (8).
    for url, limit in (
        (reverse("groups:index"), 8),
        (reverse("groups:detail", args=[group.slug]), 10),
        (reverse("groups:topic", args=[group.slug, topic.pk]), 13),
    ):
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200


def test_moderator_moves_a_topic_and_it_is_logged(group, owner):
    other = Group.objects.create(slug="zaisei", name="財政", description="x", kind="open",
                                 status=Group.Status.ACTIVE, proposed_by=owner)  # fmt: skip
    Membership.objects.create(group=other, member=owner, role=Membership.Role.OWNER)
    topic = Topic.objects.create(group=group, author=owner, title="交付税の質問")
    response = client_for(owner).post(
        reverse("groups:move", args=[group.slug, topic.pk]), {"to": "zaisei", "reason": "財政向け"}
    )
    topic.refresh_from_db()
    assert response.status_code == 302 and topic.group == other
    assert ModerationLog.objects.filter(action="move_topic").count() == 2


def test_a_plain_member_cannot_move_topics(group, owner):
    member = MemberFactory()
    Membership.objects.create(group=group, member=member)
    topic = Topic.objects.create(group=group, author=member, title="質問")
    assert (
        client_for(member)
        .post(reverse("groups:move", args=[group.slug, topic.pk]), {"to": group.slug})
        .status_code
        == 403
    )


def test_topic_watch_overrides_the_group(group, owner, committing):
    from groups.models import Watch

    watcher = MemberFactory()
    Membership.objects.create(group=group, member=watcher)
    topic = Topic.objects.create(group=group, author=owner, title="監視")
    Post.objects.create(topic=topic, author=owner, number=1, body="x", body_html="x")
    Topic.objects.filter(pk=topic.pk).update(highest_post_number=1)
    client_for(watcher).post(
        reverse("groups:watch_topic", args=[group.slug, topic.pk]), {"level": "watching"}
    )
    assert Watch.objects.get(member=watcher, topic=topic).level == "watching"
    with committing():
        client_for(owner).post(
            reverse("groups:reply", args=[group.slug, topic.pk]), {"body": "追記"}
        )
    assert Notification.objects.filter(recipient=watcher, kind="watched_reply").exists()


def test_a_topic_level_below_watching_silences_a_group_watcher(group, owner, committing):
    topic = services.topic_create(author=owner, group=group, title="監視の上書き", body="本文")
    watchers = {level: MemberFactory() for level in ("watching", "tracking", "muted")}
    for level, member in watchers.items():
        Membership.objects.create(group=group, member=member)
        client = client_for(member)
        client.post(reverse("groups:watch", args=[group.slug]), {"level": "watching"})
        if level != "watching":
            client.post(
                reverse("groups:watch_topic", args=[group.slug, topic.pk]), {"level": level}
            )
    with committing():
        client_for(owner).post(
            reverse("groups:reply", args=[group.slug, topic.pk]), {"body": "追記"}
        )
    notified = set(
        Notification.objects.filter(kind="watched_reply").values_list("recipient", flat=True)
    )
    assert notified == {watchers["watching"].pk}


def test_the_asker_hears_of_replies_unless_they_muted_the_topic(group, owner, committing):
    """The topic's author is told of each reply (read with the watchers, in one query) unless
    their level for the topic is muted: the topic's own, else their group's."""
    levels = {"none": (None, None), "topic muted": (None, "muted"),
              "group muted": ("muted", None), "group muted, topic tracked": ("muted", "tracking"),
              "group watched, topic muted": ("watching", "muted")}  # fmt: skip
    topics = {}
    for case, (group_level, topic_level) in levels.items():
        asker = MemberFactory()
        Membership.objects.create(group=group, member=asker)
        topics[case] = services.topic_create(author=asker, group=group, title=case, body="質問")
        if group_level:
            services.watch_set(member=asker, group=group, level=group_level)
        if topic_level:
            services.watch_set(member=asker, topic=topics[case], level=topic_level)
    for topic in topics.values():
        with committing():
            client_for(owner).post(
                reverse("groups:reply", args=[group.slug, topic.pk]), {"body": "回答です"}
            )
    told = {
        case for case, topic in topics.items()
        if Notification.objects.filter(recipient=topic.author, kind="reply").exists()
    }  # fmt: skip
    assert told == {"none", "group muted, topic tracked"}
    watcher = topics["group watched, topic muted"].author  # the group's other four topics
    watched = Notification.objects.filter(kind="watched_reply")
    assert [n.recipient_id for n in watched] == [watcher.pk] * (len(topics) - 1)


def test_moderator_suspends_a_member_who_can_then_read_but_not_post(group, owner):
    member = MemberFactory()
    membership = Membership.objects.create(group=group, member=member)
    topic = Topic.objects.create(group=group, author=owner, title="お知らせ")
    Post.objects.create(topic=topic, author=owner, number=1, body="x", body_html="x")
    Topic.objects.filter(pk=topic.pk).update(highest_post_number=1)
    client_for(owner).post(reverse("groups:member_suspend", args=[group.slug, membership.pk]),
                           {"days": "7", "reason": "連投"})  # fmt: skip
    membership.refresh_from_db()
    assert membership.is_suspended
    assert ModerationLog.objects.filter(action="suspend_member", target_member=member).exists()
    suspended = client_for(member)
    assert suspended.get(reverse("groups:topic", args=[group.slug, topic.pk])).status_code == 200
    assert suspended.post(reverse("groups:reply", args=[group.slug, topic.pk]),
                          {"body": "まだ書ける?"}).status_code == 403  # fmt: skip
    assert Post.objects.filter(topic=topic).count() == 1


def test_each_watcher_is_notified_as_their_own_preferences_say(group, owner, committing):
    """Three watchers (their preferences read for four ids, the last a stand-in): the one who
    asked for mail only gets it by mail, the one who turned both off gets neither, the one
    with no preference gets the kind's default."""
    from groups.models import Watch
    from members.models import NotificationPreference

    topic = services.topic_create(author=owner, group=group, title="監視の設定", body="本文")
    mail_only, silent, default = MemberFactory(), MemberFactory(), MemberFactory()
    for watcher in (mail_only, silent, default):
        Membership.objects.create(group=group, member=watcher)
        Watch.objects.create(member=watcher, group=group, level="watching")
    NotificationPreference.objects.create(
        member=mail_only, kind="watched_reply", in_app=False, email=True
    )
    NotificationPreference.objects.create(
        member=silent, kind="watched_reply", in_app=False, email=False
    )

    with committing():
        client_for(owner).post(
            reverse("groups:reply", args=[group.slug, topic.pk]), {"body": "追記です"}
        )

    found = {n.recipient_id: n for n in Notification.objects.filter(kind="watched_reply")}
    assert silent.pk not in found
    assert found[mail_only.pk].read_at is not None and found[mail_only.pk].emailed_at is None
    assert found[default.pk].read_at is None


@pytest.mark.parametrize("watchers", [1, 25])
def test_a_reply_costs_the_same_queries_however_many_watch(
    group, owner, watchers, committing, django_assert_max_num_queries
):
    from groups.models import Watch

    topic = services.topic_create(author=owner, group=group, title="滞納処分の相談", body="本文")
    for _ in range(watchers):
        watcher = MemberFactory()
        Membership.objects.create(group=group, member=watcher)
        Watch.objects.create(member=watcher, group=group, level="watching")
        NotificationPreference.objects.create(  # who takes mail costs no more either
            member=watcher, kind="watched_reply", in_app=True, email=True
        )
    replier = MemberFactory()
    Membership.objects.create(group=group, member=replier)
    client = client_for(replier)
    client.get(reverse("groups:topic", args=[group.slug, topic.pk]))
    # A fixed number (20): the session and member, the topic read and locked, who may post, the
    # post, its outbox row and the topic's, group's and reader's counters, the asker with the
    # watchers (one query) and their memberships, the preferences and the notifications of both
    # kinds, the draft, and the tasks enqueued on commit (the search outbox's and one mail
    # task). The new reply is not read again to check who may see it.
    with django_assert_max_num_queries(20), committing():
        response = client.post(
            reverse("groups:reply", args=[group.slug, topic.pk]), {"body": "経験があります"}
        )
    assert response.status_code == 302
    assert Notification.objects.filter(kind="watched_reply").count() == watchers
    assert Notification.objects.filter(kind="reply", recipient=owner).count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="send_notification_mails").count() == 1
