from datetime import UTC, datetime

from search import text
from search.documents import EVERYONE, Document, Query


def doc(key, title, body="", **extra):
    kind = key.split(":")[0]
    values = {"url": f"/{key}", "date": datetime(2026, 1, 1, tzinfo=UTC)} | extra
    return Document(key=key, kind=kind, title=title, body=body, **values)


def find(backend, q, tokens=(EVERYONE,), **filters):
    query = Query(terms=tuple(text.parse(q)), tokens=frozenset(tokens), **filters)
    return backend.search(query)


def keys(page):
    return [hit.key for hit in page.hits]


def test_finds_okurigana_and_width_variants(backend):
    backend.write([doc("page:1", "オンライン予約の申込み方法", "キャンセルも受け付けます"),
                   doc("page:2", "ＤＸ推進計画", "本文")], [])  # fmt: skip
    assert keys(find(backend, "オンライン予約 申し込み キャンセル")) == ["page:1"]
    assert keys(find(backend, "ｵﾝﾗｲﾝ予約")) == ["page:1"]
    assert keys(find(backend, "DX推進計画")) == ["page:2"]


def test_group_documents_only_for_holders_of_the_token(backend):
    backend.write([doc("topic:1", "督促状の文例", requires=("group:5",)),
                   doc("topic:2", "督促状の書き方")], [])  # fmt: skip
    outsider = find(backend, "督促状")
    assert keys(outsider) == ["topic:2"]
    assert outsider.total == 1
    assert outsider.facets["kind"] == {"topic": 1}
    insider = find(backend, "督促状", tokens=(EVERYONE, "group:5"))
    assert sorted(keys(insider)) == ["topic:1", "topic:2"]


def test_rewrite_and_delete(backend):
    backend.write([doc("topic:1", "財政調整基金")], [])
    backend.write([doc("topic:1", "窓口の混雑")], [])
    assert keys(find(backend, "財政")) == []
    assert keys(find(backend, "窓口")) == ["topic:1"]
    backend.write([], ["topic:1"])
    assert keys(find(backend, "窓口")) == []


def test_rebuild_swaps_in_a_new_index(backend):
    backend.write([doc("topic:1", "財政調整基金")], [])
    target = backend.rebuild_start()
    backend.rebuild_write(target, [doc("topic:2", "財政の見通し")])
    assert keys(find(backend, "財政")) == ["topic:1"]
    backend.rebuild_swap(target)
    assert keys(find(backend, "財政")) == ["topic:2"]
