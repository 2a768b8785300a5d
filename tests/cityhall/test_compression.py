"""Text goes over the wire compressed when the browser takes gzip (cityhall.middleware):
government networks pass slow gateways, and a topic of 50 posts must fit in 30 KB."""

import gzip
import json

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, PostFactory, TopicFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
REPLY = (
    "当市では督促状の発送後、10日を過ぎても納付がない場合に催告書を送っています。"
    "文例は財務局のひな形を基に、納付相談の窓口と電話番号を必ず入れるようにしました。"
    "分納の相談が増えたので、相談票の様式も一緒に見直しています。参考になれば幸いです。"
)


@pytest.fixture
def long_topic(group, owner):
    topic = TopicFactory(group=group, author=owner, title="督促状と催告書の文例を教えてください")
    people = [owner] + [MembershipFactory(group=group).member for _ in range(9)]
    for number in range(49):
        PostFactory(topic=topic, author=people[number % 10], body=f"{REPLY}({number + 1})")
    return topic


def test_a_topic_of_50_posts_is_sent_compressed_under_30_kb(long_topic, owner):
    url = reverse("groups:topic", args=[long_topic.group.slug, long_topic.pk])
    client = client_for(owner)
    plain = client.get(url)
    packed = client.get(url, **GZIP)

    assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) <= 30 * 1024 < len(plain.content)
    html = gzip.decompress(packed.content).decode()
    assert f"{REPLY}(49)" in html and html.count('class="post') >= 50
    assert not plain.has_header("Content-Encoding")


def test_a_page_is_packed_as_small_as_standard_gzip_and_padded_to_a_length_of_its_own(
    long_topic, owner
):
    url = reverse("groups:topic", args=[long_topic.group.slug, long_topic.pk])
    client = client_for(owner)
    lengths, over = set(), []
    for _ in range(6):
        packed = client.get(url, **GZIP).content
        html = gzip.decompress(packed)
        assert f"{REPLY}(49)".encode() in html
        lengths.add(len(packed))
        standard = len(gzip.compress(html, compresslevel=6, mtime=0))
        over.append((len(packed) - 100) / standard)

    # Django's gzip (level 6) with its padding (100 bytes at most): zlib-ng's level 6 came
    # within 0.4-2.7 % of it on these pages, its level 1 at 29 % over.
    assert max(over) <= 1.06
    assert len(lengths) > 1  # the random name in the header (BREACH): not one length twice


def test_json_is_compressed_and_reads_the_same(committing, run_tasks, group, owner):
    with committing():
        for number in range(5):
            TopicFactory(group=group, author=owner, title=f"督促状の文例 その{number}", body=REPLY)
    run_tasks()
    response = client_for(owner).get("/search/", {"q": "督促状", "format": "json"}, **GZIP)

    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["total"] == 5


def test_the_page_with_the_calendar_feeds_secret_url_is_never_compressed(member_client):
    response = member_client.get(reverse("events:calendar_settings"), **GZIP)

    assert response.status_code == 200 and not response.has_header("Content-Encoding")
    assert "/events/calendar/" in response.content.decode()
