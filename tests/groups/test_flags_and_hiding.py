"""Flags need a chosen reason and are never on one's own posts or messages; chat messages are
flagged like posts and handled on the group's moderation page; hiding a topic's first post
hides the topic, with a notice for members and the reason for its author."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import services
from groups.chat import services as chat_services
from groups.chat.models import Message, MessageFlag
from groups.models import Flag, Membership, ModerationLog, Topic
from members.models import Notification
from tests.factories import MemberFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(group):
    member = MemberFactory(display_name="投稿 次郎")
    Membership.objects.create(group=group, member=member)
    return member


@pytest.fixture
def reader(group):
    member = MemberFactory(display_name="読者 三郎")
    Membership.objects.create(group=group, member=member)
    return member


@pytest.fixture
def topic(group, author):
    return services.topic_create(author=author, group=group, title="宣伝のトピック", body="買って")


def _first(topic):
    return topic.posts.get(number=1)


def _flag_url(group, post):
    return reverse("groups:flag", args=[group.slug, post.pk])


# --- flags on posts -----------------------------------------------------------------------


def test_the_flag_form_offers_reasons_as_radio_buttons_none_chosen(group, topic, reader):
    page = client_for(reader).get(_flag_url(group, _first(topic))).content.decode()
    assert page.count('type="radio"') == len(Flag.Reason.choices)
    assert not re.search(r'type="radio"[^>]*checked', page)


def test_a_flag_without_a_reason_gets_a_japanese_error_and_no_record(group, topic, reader):
    response = client_for(reader).post(_flag_url(group, _first(topic)), {"note": "気になる"})
    assert response.status_code == 400
    assert "通報の理由を選んでください。" in response.content.decode()
    assert not Flag.objects.exists()


def test_no_flag_link_on_ones_own_post_and_the_server_refuses_it(group, topic, author, reader):
    post = _first(topic)
    topic_url = reverse("groups:topic", args=[group.slug, topic.pk])
    assert _flag_url(group, post) not in client_for(author).get(topic_url).content.decode()
    assert _flag_url(group, post) in client_for(reader).get(topic_url).content.decode()
    own = client_for(author)
    assert own.get(_flag_url(group, post)).status_code == 403
    assert own.post(_flag_url(group, post), {"reason": "spam"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.flag_create(flagger=author, post=post, reason="spam")
    assert not Flag.objects.exists()


# --- hiding a topic's first post ----------------------------------------------------------


def test_hiding_the_first_post_hides_the_topic_with_a_notice_and_tells_the_author(
    group, owner, topic, author, reader
):
    post = _first(topic)
    services.flag_create(flagger=reader, post=post, reason="spam")
    client_for(owner).post(reverse("groups:moderation", args=[group.slug]),
                           {"flag": Flag.objects.get().pk, "action": "hide"})  # fmt: skip
    topic.refresh_from_db()
    assert topic.is_hidden and topic.hidden_reason == "宣伝・スパム"
    url = reverse("groups:topic", args=[group.slug, topic.pk])

    seen_by_reader = client_for(reader).get(url)
    assert seen_by_reader.status_code == 404
    page = seen_by_reader.content.decode()
    assert "モデレーターにより非表示になりました" in page and "買って" not in page
    listing = client_for(reader).get(reverse("groups:detail", args=[group.slug])).content.decode()
    assert "宣伝のトピック" not in listing

    seen_by_author = client_for(author).get(url).content.decode()
    assert "宣伝・スパム" in seen_by_author
    [notice] = Notification.objects.filter(recipient=author, kind="moderated")
    assert "宣伝のトピック" in notice.text and "宣伝・スパム" in notice.text

    seen_by_owner = client_for(owner).get(url)
    assert seen_by_owner.status_code == 200
    assert "このトピックは非表示です" in seen_by_owner.content.decode()


def test_hiding_a_topic_from_its_page_tells_the_author_why(group, owner, topic, author):
    client_for(owner).post(reverse("groups:moderate", args=[group.slug, topic.pk]),
                           {"action": "hide", "reason": "重複しているため"})  # fmt: skip
    topic.refresh_from_db()
    assert topic.is_hidden and topic.hidden_reason == "重複しているため"
    assert Notification.objects.filter(recipient=author, params__event="topic_hidden").exists()
    client_for(owner).post(reverse("groups:moderate", args=[group.slug, topic.pk]),
                           {"action": "restore"})  # fmt: skip
    topic.refresh_from_db()
    assert not topic.is_hidden and topic.hidden_reason == ""


def test_a_missing_topic_is_still_a_plain_404(group, reader):
    response = client_for(reader).get(reverse("groups:topic", args=[group.slug, 999999]))
    assert response.status_code == 404
    assert "非表示" not in response.content.decode()


# --- flags on chat messages ---------------------------------------------------------------


@pytest.fixture
def room(group):
    return chat_services.room_for_group(group)


@pytest.fixture
def message(room, author):
    return chat_services.message_send(author=author, room=room, client_id="m1", body="宣伝です")[0]


def _chat_flag_url(group, message):
    return reverse("chat:flag", args=[group.slug]) + f"?seq={message.seq}"


def test_a_chat_message_is_flagged_with_a_chosen_reason(group, message, reader):
    client = client_for(reader)
    form = client.get(_chat_flag_url(group, message)).content.decode()
    assert form.count('type="radio"') == len(Flag.Reason.choices)
    assert not re.search(r'type="radio"[^>]*checked', form)
    url = reverse("chat:flag", args=[group.slug])
    missing = client.post(url, {"seq": message.seq})
    assert missing.status_code == 400 and "通報の理由を選んでください。" in missing.content.decode()
    assert not MessageFlag.objects.exists()
    assert client.post(url, {"seq": message.seq, "reason": "spam"}).status_code == 302
    flag = MessageFlag.objects.get()
    assert flag.flagger == reader and flag.reason == "spam" and flag.message == message


def test_ones_own_chat_message_cannot_be_flagged(group, room, message, author):
    page = client_for(author).get(reverse("chat:room", args=[group.slug])).content.decode()
    assert 'data-part="flag" hidden' in page  # chat.js shows it only on others' messages
    url = reverse("chat:flag", args=[group.slug])
    assert client_for(author).post(url, {"seq": message.seq, "reason": "spam"}).status_code == 403
    with pytest.raises(PermissionDenied):
        chat_services.message_flag_create(flagger=author, message=message, reason="spam")
    assert not MessageFlag.objects.exists()


def test_chat_flags_are_on_the_moderation_page_and_deleting_closes_them(
    group, owner, message, reader
):
    chat_services.message_flag_create(flagger=reader, message=message, reason="spam")
    page = client_for(owner).get(reverse("groups:moderation", args=[group.slug])).content.decode()
    assert "宣伝です" in page and "通報されたチャットのメッセージ" in page
    flag = MessageFlag.objects.get()
    resolve = reverse("chat:flag_resolve", args=[group.slug, flag.pk])
    assert client_for(owner).post(resolve, {"action": "delete"}).status_code == 302
    message.refresh_from_db()
    flag.refresh_from_db()
    assert message.is_deleted and message.body == ""
    assert flag.status == Flag.Status.ACTED and flag.resolved_by == owner
    assert ModerationLog.objects.filter(action="delete_message").exists()
    page = client_for(owner).get(reverse("groups:moderation", args=[group.slug])).content.decode()
    assert "宣伝です" not in page


def test_dismissing_a_chat_flag_keeps_the_message(group, owner, message, reader):
    flag = chat_services.message_flag_create(flagger=reader, message=message, reason="other")
    client_for(owner).post(reverse("chat:flag_resolve", args=[group.slug, flag.pk]),
                           {"action": "dismiss"})  # fmt: skip
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DISMISSED and not Message.objects.get().is_deleted


def test_a_plain_member_cannot_resolve_chat_or_post_flags_by_hand(group, topic, message, reader):
    other = MemberFactory()
    Membership.objects.create(group=group, member=other)
    chat_flag = chat_services.message_flag_create(flagger=reader, message=message, reason="spam")
    post_flag = services.flag_create(flagger=reader, post=_first(topic), reason="spam")
    client = client_for(other)
    assert client.post(reverse("chat:flag_resolve", args=[group.slug, chat_flag.pk]),
                       {"action": "delete"}).status_code == 403  # fmt: skip
    assert client.post(reverse("groups:moderation", args=[group.slug]),
                       {"flag": post_flag.pk, "action": "hide"}).status_code == 403  # fmt: skip
    assert MessageFlag.objects.get().status == "open" and Flag.objects.get().status == "open"
    assert not Message.objects.get().is_deleted and not Topic.objects.get().is_hidden


def test_the_moderation_pages_cost_the_same_queries_however_many_flags(group, owner, room,
                                                                       topic):  # fmt: skip
    def more_flags():
        for n in range(3):
            flagger, writer = MemberFactory(), MemberFactory()
            Membership.objects.create(group=group, member=flagger)
            Membership.objects.create(group=group, member=writer)
            post = services.post_create(author=writer, topic=topic, body=f"返信{n}")
            services.flag_create(flagger=flagger, post=post, reason="spam")
            sent = chat_services.message_send(author=writer, room=room, client_id=f"c{n}",
                                              body=f"発言{n}")[0]  # fmt: skip
            chat_services.message_flag_create(flagger=flagger, message=sent, reason="other")
            services.log_action(group, owner, "hide_post", reason=f"記録{n}")

    client = client_for(owner)
    for url in (reverse("groups:moderation", args=[group.slug]),
                reverse("groups:site_moderation")):  # fmt: skip
        more_flags()
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        more_flags()
        with CaptureQueriesContext(connection) as more:
            client.get(url)
        assert len(more) == len(few), url
