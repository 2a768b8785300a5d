"""``Query.match == "any"``: a document holding any one of the terms is found, those holding
more of them first; the audience and the filters still apply. Used with search.text.keywords
(the content words of a new topic's title) for similar questions."""

from datetime import UTC, datetime

from search import text
from search.documents import EVERYONE, Document, Query

TITLE = "督促状の文例を教えてください"


def doc(key, title, body="", **extra):
    values = {"url": f"/{key}", "date": datetime(2026, 1, 1, tzinfo=UTC)} | extra
    return Document(key=key, kind=key.split(":")[0], title=title, body=body, **values)


def find(backend, terms, match, tokens=(EVERYONE,), **filters):
    query = Query(terms=tuple(terms), tokens=frozenset(tokens), match=match, **filters)
    return backend.search(query)


def keys(page):
    return [hit.key for hit in page.hits]


def documents():
    return [
        doc("topic:1", "窓口の混雑について"),
        doc("topic:2", "督促状の文例はありますか", "催告書の書き方も"),
        doc("topic:3", "文例集の置き場所"),
        doc("topic:4", "督促の手順"),
        doc("topic:5", "督促状の文例(非公開)", requires=("group:9",)),
        doc("page:6", "督促状の文例と注意点"),
    ]


def test_any_word_finds_more_than_all_words(backend):
    backend.write(documents(), [])
    assert keys(find(backend, text.parse(TITLE), "all")) == []
    found = find(backend, text.keywords(TITLE), "any")
    assert sorted(keys(found)) == ["page:6", "topic:2", "topic:3", "topic:4"]
    assert found.total == 4


def test_documents_holding_more_of_the_words_come_first(backend):
    backend.write(documents(), [])
    found = keys(find(backend, text.keywords(TITLE), "any", kinds=("topic",)))
    assert found[0] == "topic:2"  # 督促状 and 文例; the others hold one word each
    assert sorted(found[1:]) == ["topic:3", "topic:4"]


def test_any_keeps_the_audience_and_the_counts(backend):
    backend.write(documents(), [])
    outsider = find(backend, text.keywords(TITLE), "any", kinds=("topic",))
    assert "topic:5" not in keys(outsider)
    assert outsider.facets["kind"] == {"topic": 3, "page": 1}
    insider = find(backend, text.keywords(TITLE), "any", tokens=(EVERYONE, "group:9"))
    assert "topic:5" in keys(insider)
    assert insider.total == 5


def test_any_with_synonyms(backend):
    backend.write([doc("topic:1", "国民健康保険の資格"), doc("topic:2", "窓口の案内")], [])
    assert keys(find(backend, text.keywords("国保の手続き"), "any")) == ["topic:1"]
