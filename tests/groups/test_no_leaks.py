"""A secret group, and the topics of a closed group, leak by no route: outsiders get the same
404 as for ids that do not exist (closed groups: 403 only where the group is known)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from groups import services
from groups.models import Attachment, Membership
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db
SECRET_TEXT = "職員団体との交渉メモ"


def _routes(group, topic, post, attachment):
    slug = group.slug
    return [
        ("get", reverse("groups:detail", args=[slug])),
        ("get", reverse("groups:members", args=[slug])),
        ("get", reverse("groups:moderation", args=[slug])),
        ("get", reverse("groups:topic_new", args=[slug])),
        ("get", reverse("groups:topic", args=[slug, topic.pk])),
        ("post", reverse("groups:reply", args=[slug, topic.pk])),
        ("post", reverse("groups:moderate", args=[slug, topic.pk])),
        ("get", reverse("groups:post_edit", args=[slug, post.pk])),
        ("get", reverse("groups:post_delete", args=[slug, post.pk])),
        ("get", reverse("groups:post_history", args=[slug, post.pk])),
        ("post", reverse("groups:react", args=[slug, post.pk])),
        ("post", reverse("groups:bookmark", args=[slug, post.pk])),
        ("post", reverse("groups:accept", args=[slug, post.pk])),
        ("post", reverse("groups:flag", args=[slug, post.pk])),
        ("post", reverse("groups:watch", args=[slug])),
        ("get", reverse("groups:attachment", args=[slug, attachment.pk, attachment.original_name])),
    ]


@pytest.fixture
def secret_world(owner):
    group = make_group(owner, kind="secret", slug="kosho", name="労使交渉")
    topic = services.topic_create(
        author=owner, group=group, title=SECRET_TEXT, body=SECRET_TEXT, is_question=True,
        files=[SimpleUploadedFile("メモ.pdf", b"%PDF-1.7\n")],
    )  # fmt: skip
    post = topic.posts.get()
    return group, topic, post, Attachment.objects.get()


def test_outsiders_get_404_on_every_route_of_a_secret_group(secret_world):
    outsider = client_for(MemberFactory())
    for method, url in _routes(*secret_world):
        response = getattr(outsider, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert SECRET_TEXT not in response.content.decode()


def test_secret_groups_are_absent_from_listings(secret_world):
    outsider = client_for(MemberFactory())
    for url in (reverse("groups:index"), reverse("groups:bookmarks")):
        assert "労使交渉" not in outsider.get(url).content.decode()


def test_members_can_read_it(secret_world):
    group = secret_world[0]
    member = MemberFactory()
    Membership.objects.create(group=group, member=member)
    client = client_for(member)
    topic, attachment = secret_world[1], secret_world[3]
    assert (
        SECRET_TEXT
        in client.get(reverse("groups:topic", args=[group.slug, topic.pk])).content.decode()
    )
    url = reverse("groups:attachment", args=[group.slug, attachment.pk, attachment.original_name])
    assert client.get(url).status_code == 200


def test_closed_group_topics_are_closed_to_non_members(owner):
    group = make_group(owner, kind="closed", slug="zaisei", name="財政")
    topic = services.topic_create(author=owner, group=group, title=SECRET_TEXT, body=SECRET_TEXT)
    outsider = client_for(MemberFactory())
    page = outsider.get(reverse("groups:detail", args=[group.slug]))
    assert page.status_code == 200 and SECRET_TEXT not in page.content.decode()
    assert outsider.get(reverse("groups:topic", args=[group.slug, topic.pk])).status_code == 403


def test_ids_from_another_group_are_404(secret_world, owner):
    open_group = make_group(MemberFactory(), slug="hiraita", name="公開")
    post = secret_world[2]
    client = client_for(owner)
    assert (
        client.get(reverse("groups:post_history", args=[open_group.slug, post.pk])).status_code
        == 404
    )


# --- notifications follow visibility -----------------------------------------------------

HIDDEN_TITLE = "懲戒処分の検討(非公開)"


@pytest.fixture
def hidden_world(owner, settings):
    """An open group whose topic the owner has hidden, and a plain member watching the group."""
    from groups.models import Watch

    settings.NOTIFICATION_MAIL_DELAY = 0
    group = make_group(owner, slug="jinji", name="人事")
    watcher = MemberFactory(display_name="見張 次郎")
    Membership.objects.create(group=group, member=watcher)
    Watch.objects.create(member=watcher, group=group, level="watching")
    topic = services.topic_create(author=owner, group=group, title=HIDDEN_TITLE, body="経緯")
    return group, topic, watcher


def _what_the_member_is_told(member, run_tasks):
    """The notification page, the unread count and the mail ``member`` gets."""
    from django.core import mail

    mail.outbox.clear()
    run_tasks()
    client = client_for(member)
    page = client.get(reverse("members:notifications")).content.decode()
    unread = client.get(reverse("members:notification_count")).json()["unread"]
    mails = "".join(message.body + message.subject for message in mail.outbox
                    if member.email in message.to)  # fmt: skip
    return page, unread, mails


def test_a_reply_in_a_hidden_topic_reaches_no_watcher_who_cannot_see_it(
    hidden_world, owner, committing, run_tasks
):
    group, topic, watcher = hidden_world
    services.topic_moderate(actor=owner, topic=topic, action="hide")
    with committing():
        services.post_create(author=owner, topic=topic,
                             body=f"@{watcher.handle} さん、これは見えないはず")  # fmt: skip
    page, unread, mails = _what_the_member_is_told(watcher, run_tasks)
    assert HIDDEN_TITLE not in page + mails and unread == 0


def test_a_topic_hidden_after_the_notification_drops_out_of_list_count_and_mail(
    hidden_world, owner, committing, run_tasks
):
    group, topic, watcher = hidden_world
    with committing():
        services.post_create(author=owner, topic=topic, body="追記します")
    assert HIDDEN_TITLE in _what_the_member_is_told(watcher, run_tasks)[0]  # seen while visible
    with committing():
        services.post_create(author=owner, topic=topic, body=f"@{watcher.handle} さん、続報")
        services.topic_moderate(actor=owner, topic=topic, action="hide")  # before the mail
    page, unread, mails = _what_the_member_is_told(watcher, run_tasks)
    assert HIDDEN_TITLE not in page + mails and unread == 0


def test_mentions_and_replies_reach_no_one_outside_a_closed_group(owner, committing, run_tasks,
                                                                  settings):  # fmt: skip
    settings.NOTIFICATION_MAIL_DELAY = 0
    group = make_group(owner, kind="closed", slug="zaisei", name="財政")
    asker, outsider = MemberFactory(), MemberFactory()
    Membership.objects.create(group=group, member=asker)
    topic = services.topic_create(author=asker, group=group, title=SECRET_TEXT, body="質問")
    services.group_leave(member=asker, group=group)  # the asker has left since
    with committing():
        services.post_create(author=owner, topic=topic,
                             body=f"@{outsider.handle} @{asker.handle} 回答です")  # fmt: skip
    for member in (asker, outsider):
        page, unread, mails = _what_the_member_is_told(member, run_tasks)
        assert SECRET_TEXT not in page + mails and unread == 0


def test_a_chat_mention_is_dropped_once_the_member_is_removed(owner, committing, run_tasks):
    from groups.chat import services as chat_services

    group = make_group(owner, kind="secret", slug="kosho", name="労使交渉")
    member = MemberFactory()
    membership = Membership.objects.create(group=group, member=member)
    room = chat_services.room_for_group(group)
    with committing():
        chat_services.message_send(author=owner, room=room, client_id="m",
                                   body=f"@{member.handle} 次回の日程")  # fmt: skip
    assert "労使交渉" in _what_the_member_is_told(member, run_tasks)[0]
    services.membership_remove(actor=owner, membership=membership, reason="異動")
    page, unread, _mails = _what_the_member_is_told(member, run_tasks)
    # The mention is gone; what stays is the notice that they were removed, and why.
    assert "呼びかけました" not in page and "次回の日程" not in page
    assert unread == 1 and "メンバーから外されました。理由: 異動" in page


def test_the_notification_page_costs_the_same_queries_however_many(
    hidden_world, owner, committing, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    group, topic, watcher = hidden_world
    client = client_for(watcher)
    services.post_create(author=owner, topic=topic, body="1件目")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("members:notifications"))
    for number in range(5):
        services.post_create(author=owner, topic=topic, body=f"{number + 2}件目")
    with django_assert_num_queries(len(few)):
        client.get(reverse("members:notifications"))


def test_notifications_made_before_they_knew_their_subject_are_checked_too(
    hidden_world, owner, run_tasks
):
    import importlib

    from django.apps import apps

    from members.models import Notification

    group, topic, watcher = hidden_world
    post = services.post_create(author=owner, topic=topic, body="以前の通知")
    Notification.objects.all().delete()
    old = Notification.objects.create(  # as made before the subject was recorded
        recipient=watcher, kind="watched_reply", url=services.post_url(post),
        params={"topic": HIDDEN_TITLE, "actor": owner.display_name},
    )  # fmt: skip
    importlib.import_module("groups.migrations.0005_notification_subjects").fill_subjects(
        apps, None
    )
    old.refresh_from_db()
    assert (old.subject_type, old.subject_id) == ("groups.post", post.pk)
    services.topic_moderate(actor=owner, topic=topic, action="hide")
    page, unread, _mails = _what_the_member_is_told(watcher, run_tasks)
    assert HIDDEN_TITLE not in page and unread == 0
