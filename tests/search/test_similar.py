"""Similar questions while a new topic's title is written: /search/similar and
search.services.similar (topics holding any of the title's words, solved ones first)."""

import json

import pytest

from search import services, text
from tests.search.conftest import document

pytestmark = pytest.mark.django_db

TITLE = "督促状の文例を教えてください"


@pytest.fixture
def topics(world, index):
    index(
        document("topic:1", "督促状の文例はありますか", group=world.open_group),
        document("topic:2", "督促の時効について", group=world.open_group, solved=True),
        document("topic:3", "文例集はどこに", group=world.open_group),
        document("topic:4", "研究会の督促状文例", group=world.closed_group, solved=True),
        document("topic:5", "窓口の混雑", group=world.open_group, solved=True),
        document("page:6", "督促状の文例(記事)"),
    )


def similar(client, title):
    response = client.get("/search/similar", {"title": title})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)["results"]


def test_topics_sharing_any_word_solved_first(client, world, topics):
    client.force_login(world.outsider)
    found = similar(client, TITLE)
    assert [r["url"] for r in found][0] == "/topic/2/"  # the only solved one comes first
    assert sorted(r["url"] for r in found) == ["/topic/1/", "/topic/2/", "/topic/3/"]
    assert [r["solved"] for r in found] == [True, False, False]
    assert {r["kind"] for r in found} == {"topic"}  # not the article
    assert found[0]["group"] == "債権回収"


def test_a_member_of_the_closed_group_sees_its_topics_too(client, world, topics):
    client.force_login(world.member)
    found = similar(client, TITLE)
    assert [r["url"] for r in found][:2] == ["/topic/4/", "/topic/2/"]  # solved, best first
    assert len(found) == 4


def test_at_most_five(client, world, index):
    index(*[document(f"topic:{n}", f"公用車の予約 {n}", solved=n > 8) for n in range(1, 12)])
    client.force_login(world.outsider)
    found = similar(client, "公用車を予約したい")
    assert len(found) == 5
    solved = [r["solved"] for r in found]
    assert solved == sorted(solved, reverse=True)


def test_short_or_wordless_titles_find_nothing(client, world, topics):
    client.force_login(world.member)
    for title in ("", " ", "督", "どうすればいいですか", '"*()":^\\'):
        assert similar(client, title) == []


def test_operators_and_long_titles_are_only_words(client, world, topics):
    client.force_login(world.member)
    for title in ['督促状 OR "文例"', "督促状* AND -文例", "NEAR(督促 文例)", "督促" * 1000]:
        assert similar(client, title)
    assert client.get("/search/similar", {"title": "督促\x00"}).status_code == 400
    echoed = client.get("/search/similar", {"title": "督促" * 1000}).json()["title"]
    assert echoed == "督促" * (text.MAX_QUERY_CHARS // 2)


def test_the_service_orders_solved_first_within_the_best_matches(world, topics):
    found = services.similar(world.member, TITLE, kinds=("topic",), limit=3)
    assert [r.hit.solved for r in found] == sorted([r.hit.solved for r in found], reverse=True)
    assert len(found) == 3
    pages = services.similar(world.outsider, TITLE, kinds=("page",))
    assert [r.hit.key for r in pages] == ["page:6"]


def test_the_new_topic_form_asks_for_similar_questions(client, world):
    client.force_login(world.member)
    page = client.get(f"/groups/{world.closed_group.slug}/new/").content.decode()
    assert 'data-similar-questions="/search/similar"' in page
    assert 'data-similar-for="id_title"' in page
    assert "似ている質問" in page
    assert "js/similar-questions.js" in page
