"""Writes per member over HTTP: past a kind's limit the member gets a 429 that says how long to
wait, and nothing is stored. (Over the chat socket: tests/groups/chat/test_consumer.py.)"""

import pytest
from django.urls import reverse

from groups import services
from groups.models import Membership, Post, Reaction, Topic
from tests.factories import MembershipFactory
from tests.groups.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limits")]

WAIT = "秒ほど待ってから、もう一度お試しください"


@pytest.fixture
def writer(group):
    return MembershipFactory(group=group).member


def test_a_burst_of_replies_is_refused_past_the_limit_with_a_429(group, topic, writer, settings):
    settings.RATE_LIMITS["post"] = "5 per minute"
    client = client_for(writer)
    url = reverse("groups:reply", args=[group.slug, topic.pk])
    answers = [client.post(url, {"body": f"返信{number}"}) for number in range(8)]
    assert [answer.status_code for answer in answers] == [302] * 5 + [429] * 3
    assert WAIT in answers[-1].content.decode()
    assert int(answers[-1]["Retry-After"]) >= 1
    assert Post.objects.filter(topic=topic, author=writer).count() == 5


def test_a_refused_new_topic_comes_back_with_the_text_kept_and_the_error(group, writer, settings):
    settings.RATE_LIMITS["post"] = "1 per minute"
    client = client_for(writer)
    url = reverse("groups:topic_new", args=[group.slug])
    client.post(url, {"title": "一件目", "body": "最初の質問"})
    answer = client.post(url, {"title": "二件目の題", "body": "急いで書いた二件目の本文"})
    assert answer.status_code == 429
    page = answer.content.decode()
    assert WAIT in page and "二件目の題" in page and "急いで書いた二件目の本文" in page
    assert list(Topic.objects.filter(author=writer).values_list("title", flat=True)) == ["一件目"]


def test_a_burst_of_reactions_is_refused_past_the_limit(group, topic, writer):
    client = client_for(writer)
    url = reverse("groups:react", args=[group.slug, topic.posts.get(number=1).pk])
    answers = [client.post(url, {"kind": "like"}).status_code for _ in range(100)]
    assert answers.count(302) == 30 and answers.count(429) == 70
    assert answers[:30] == [302] * 30


def test_a_json_client_gets_a_json_error(group, topic, writer, settings):
    settings.RATE_LIMITS["reaction"] = "1 per minute"
    client = client_for(writer)
    url = reverse("groups:bookmark", args=[group.slug, topic.posts.get(number=1).pk])
    client.post(url)
    answer = client.post(url, headers={"accept": "application/json"})
    assert answer.status_code == 429
    assert answer.json()["error"] == "rate_limited" and WAIT in answer.json()["message"]


def test_leaving_and_joining_in_a_loop_is_stopped_with_a_429(group, writer, settings):
    settings.RATE_LIMITS["membership"] = "4 per 10 minutes"
    client = client_for(writer)
    urls = [reverse(f"groups:{name}", args=[group.slug]) for name in ("leave", "join")] * 3
    answers = [client.post(url).status_code for url in urls]
    assert answers == [302] * 4 + [429] * 2
    assert Membership.objects.filter(group=group, member=writer).exists()


def test_each_member_has_their_own_allowance(group, topic, writer, owner, settings):
    settings.RATE_LIMITS["reaction"] = "2 per minute"
    post = topic.posts.get(number=1)
    for member in (writer, writer, owner, owner):
        services.reaction_toggle(member=member, post=post, kind="thanks")
    assert not Reaction.objects.filter(post=post).exists()  # each toggled on and off again


def test_the_rate_limit_page_leads_back_to_the_page_of_this_site_only(
    group, topic, writer, settings
):
    settings.RATE_LIMITS["reaction"] = "1 per minute"
    client = client_for(writer)
    url = reverse("groups:react", args=[group.slug, topic.posts.get(number=1).pk])
    topic_url = "http://testserver" + reverse("groups:topic", args=[group.slug, topic.pk])
    client.post(url, {"kind": "like"})
    page = client.post(url, {"kind": "like"}, headers={"referer": topic_url})
    assert page.status_code == 429 and f'href="{topic_url}"' in page.content.decode()
    page = client.post(url, {"kind": "like"}, headers={"referer": "https://evil.example/x"})
    assert "evil.example" not in page.content.decode()
