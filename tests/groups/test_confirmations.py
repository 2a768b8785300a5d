"""A member is told what happened after accepting an answer or changing notifications, and
leaving a group takes a second, deliberate step."""

import pytest
from django.urls import reverse

from groups import services
from groups.models import Membership, Topic, Watch
from tests.factories import GroupFactory, MemberFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db

# session, member (with what their unread notifications are about), the group with the
# membership (one query), watch level, the nav's moderation and chat counts: nothing grows with
# content
LEAVE_PAGE_QUERIES = 5


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_accepting_an_answer_and_taking_it_back_say_so(group, owner):
    answerer = MemberFactory()
    services.group_join(member=answerer, group=group)
    topic = services.topic_create(
        author=owner, group=group, title="延滞金の計算", body="端数は?", is_question=True
    )
    answer = services.post_create(author=answerer, topic=topic, body="切り捨てです。")
    client = client_for(owner)
    url = reverse("groups:accept", args=[group.slug, answer.pk])

    response = client.post(url, follow=True)
    assert shown_messages(response) == [
        "この回答を解決済みにしました。質問の一覧に「解決済み」と表示されます。"
    ]
    assert Topic.objects.get(pk=topic.pk).accepted_post == answer

    response = client.post(url, {"undo": "1"}, follow=True)
    assert shown_messages(response) == ["解決済みの印を外しました。"]
    assert Topic.objects.get(pk=topic.pk).accepted_post is None


def test_refused_accept_shows_only_the_error(group, owner):
    topic = services.topic_create(
        author=owner, group=group, title="質問", body="本文", is_question=True
    )
    first = topic.posts.get(number=1)
    response = client_for(owner).post(
        reverse("groups:accept", args=[group.slug, first.pk]), follow=True
    )
    assert shown_messages(response) == ["この投稿は解決済みの回答に選べません。"]


def test_changing_the_group_watch_level_says_so(group, owner):
    client = client_for(owner)
    url = reverse("groups:watch", args=[group.slug])
    response = client.post(url, {"level": "watching"}, follow=True)
    assert shown_messages(response) == ["通知を「ウォッチ(すべての投稿を通知)」に変更しました。"]
    assert Watch.objects.get(member=owner, group=group).level == "watching"

    response = client.post(url, {"level": "loud"}, follow=True)
    assert shown_messages(response) == ["通知の設定が正しくありません。"]

    page = client.post(url, {"level": "muted"}, follow=True, headers={"accept-language": "en"})
    assert "Notifications changed to" in page.content.decode()


def test_changing_a_topic_watch_level_says_so(group, owner):
    topic = services.topic_create(author=owner, group=group, title="話題", body="本文")
    response = client_for(owner).post(
        reverse("groups:watch_topic", args=[group.slug, topic.pk]), {"level": "muted"}, follow=True
    )
    assert shown_messages(response) == ["通知を「ミュート」に変更しました。"]


def test_leaving_is_a_separate_step_away_from_the_watch_form(group, django_assert_num_queries):
    member = MemberFactory()
    services.group_join(member=member, group=group)
    client = client_for(member)
    leave_url = reverse("groups:leave", args=[group.slug])

    page = client.get(reverse("groups:detail", args=[group.slug])).content.decode()
    assert f'action="{leave_url}"' not in page  # no one-click leave button on the group page
    actions = page.index('class="group-actions"')
    assert page.index(f'href="{leave_url}"') > page.index("</table>") > actions

    with django_assert_num_queries(LEAVE_PAGE_QUERIES):
        confirm = client.get(leave_url)
    assert "「債権回収」を退会しますか?" in confirm.content.decode()
    assert Membership.objects.filter(group=group, member=member).exists()

    response = client.post(leave_url, follow=True)
    assert shown_messages(response) == ["グループを退会しました。"]
    assert not Membership.objects.filter(group=group, member=member).exists()

    # Someone who is not a member is sent back to the group page.
    assert client.get(leave_url).url == reverse("groups:detail", args=[group.slug])


def test_each_group_page_shows_its_own_watch_level(group, owner):
    other = GroupFactory(owner=owner, slug="zaisei", name="財政")
    services.watch_set(member=owner, group=group, level="watching")
    services.watch_set(member=owner, group=other, level="muted")
    client = client_for(owner)

    def shown(slug):
        return client.get(reverse("groups:detail", args=[slug])).context["watch_level"]

    assert (shown(group.slug), shown(other.slug)) == ("watching", "muted")
