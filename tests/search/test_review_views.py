"""What a review of /search/ as a member found: error messages in the member's language, a way
out when the filters leave nothing, a way back from past the last page, JSON with its Japanese
readable."""

import json

import pytest
from django.conf import settings

from tests.search.conftest import document

pytestmark = pytest.mark.django_db


@pytest.fixture
def searcher(client, world):
    client.force_login(world.member)
    return client


@pytest.fixture
def corpus(world, index):
    index(
        document("topic:1", "督促状の文例", "市税の督促状", group=world.open_group, day=2),
        document("topic:2", "督促の手順", "督促状を送る前に", group=world.open_group, day=5),
        document("page:3", "督促状の書き方", "記事の本文", day=3),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("params", "english"),
    [
        ({"page": "999"}, "from 1 to 500"),
        ({"per_page": "0"}, "from 1 to 50"),
        ({"group": "1 OR 1=1"}, "is not valid"),
        ({"organization": "-1"}, "is not valid"),
    ],
)
def test_number_and_id_errors_follow_the_language(searcher, corpus, params, english):
    japanese = searcher.get("/search/", {"q": "督促", **params}).content.decode()
    assert "指定" in japanese and english not in japanese
    searcher.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = searcher.get("/search/", {"q": "督促", **params}).content.decode()
    assert english in page
    data = json.loads(searcher.get("/search/", {"q": "督促", "format": "json", **params}).content)
    assert english in next(iter(data["errors"].values()))[0]


def test_filters_that_leave_nothing_offer_the_search_without_them(searcher, corpus, world):
    response = searcher.get("/search/", {"q": "督促", "solved": "1", "kind": "page",
                                         "group": world.open_group.pk, "sort": "date"})  # fmt: skip
    assert response.context["results"].total == 0
    page = response.content.decode()
    assert "絞り込みの条件に合うものは見つかりませんでした" in page
    assert '<a href="?q=%E7%9D%A3%E4%BF%83&amp;sort=date">' in page
    everything = searcher.get("/search/?q=%E7%9D%A3%E4%BF%83&sort=date")
    assert everything.context["results"].total == 3


def test_no_filter_no_offer(searcher, corpus):
    page = searcher.get("/search/", {"q": "流鏑馬", "sort": "date"}).content.decode()
    assert "言葉を減らすか" in page
    assert "絞り込みをすべて解除" not in page


def test_past_the_last_page_previous_leads_to_the_last_page(searcher, corpus):
    beyond = searcher.get("/search/", {"q": "督促", "per_page": "2", "page": "9"})
    assert beyond.context["results"].results == []
    assert beyond.context["pager"]["previous"] == "?q=%E7%9D%A3%E4%BF%83&page=2&per_page=2"
    assert beyond.context["pager"]["next"] is None
    last = searcher.get("/search/" + beyond.context["pager"]["previous"])
    assert len(last.context["results"].results) == 1


def test_past_the_only_page_previous_leads_to_it(searcher, corpus):
    beyond = searcher.get("/search/", {"q": "督促", "page": "4"})
    assert 'href="?q=%E7%9D%A3%E4%BF%83" rel="prev"' in beyond.content.decode()
    assert searcher.get("/search/", {"q": "督促"}).context["pager"] is None


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/search/", {"q": "督促状", "format": "json"}),
        ("/search/suggest", {"q": "督促状"}),
        ("/search/similar", {"title": "督促状の文例"}),
    ],
)
def test_json_holds_the_japanese_as_written(searcher, corpus, path, params):
    response = searcher.get(path, params)
    assert response["Content-Type"] == "application/json"
    body = response.content.decode("utf-8")
    assert "督促" in body and "\\u" not in body
    assert json.loads(body)
