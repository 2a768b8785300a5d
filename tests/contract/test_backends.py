from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from search import outbox, text
from search.documents import EVERYONE, Document, Query
from search.models import Outbox


def doc(key, title, body="", **extra):
    kind = key.split(":")[0]
    values = {"url": f"/{key}", "date": datetime(2026, 1, 1, tzinfo=UTC)} | extra
    return Document(key=key, kind=kind, title=title, body=body, **values)


def find(backend, q, tokens=(EVERYONE,), **filters):
    query = Query(terms=tuple(text.parse(q)), tokens=frozenset(tokens), **filters)
    return backend.search(query)


def day(month, number):
    return datetime(2026, month, number, tzinfo=UTC)


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


def test_a_change_during_a_rebuild_is_in_the_new_index(backend):
    backend.write([doc("topic:1", "財政調整基金")], [])
    target = backend.rebuild_start()
    backend.rebuild_write(target, [doc("topic:1", "財政調整基金")])
    backend.write([doc("topic:2", "財政の見通し")], [])
    backend.write([], ["topic:1"])
    assert keys(find(backend, "財政")) == ["topic:2"]
    backend.rebuild_swap(target)
    assert keys(find(backend, "財政")) == ["topic:2"]


FACETED = [
    doc("topic:1", "窓口の案内", group_id=1, organization_id=10),
    doc("topic:2", "窓口の混雑", group_id=2, organization_id=10),
    doc("page:3", "窓口の時間", organization_id=20),
]


def test_each_facet_is_counted_without_its_own_filter(backend):
    backend.write(FACETED, [])
    page = find(backend, "窓口", kinds=("topic",))
    assert sorted(keys(page)) == ["topic:1", "topic:2"]
    assert page.total == 2
    assert page.facets["kind"] == {"topic": 2, "page": 1}
    assert page.facets["group_id"] == {1: 1, 2: 1}
    assert page.facets["organization_id"] == {10: 2}
    page = find(backend, "窓口", group_id=1)
    assert keys(page) == ["topic:1"]
    assert page.facets["group_id"] == {1: 1, 2: 1}
    assert page.facets["kind"] == {"topic": 1}
    assert page.facets["organization_id"] == {10: 1}


def test_kinds_group_and_organization_filters(backend):
    backend.write(FACETED, [])
    assert keys(find(backend, "窓口", kinds=("page",))) == ["page:3"]
    assert sorted(keys(find(backend, "窓口", kinds=("page", "topic")))) == [
        "page:3", "topic:1", "topic:2"]  # fmt: skip
    assert keys(find(backend, "窓口", group_id=2)) == ["topic:2"]
    assert sorted(keys(find(backend, "窓口", organization_id=10))) == ["topic:1", "topic:2"]
    assert keys(find(backend, "窓口", organization_id=10, group_id=2)) == ["topic:2"]
    assert keys(find(backend, "窓口", organization_id=30)) == []


def test_date_range_takes_since_and_leaves_until_out(backend):
    backend.write([doc("topic:1", "予算編成", date=datetime(2025, 12, 31, 23, 59, tzinfo=UTC)),
                   doc("topic:2", "予算編成", date=day(1, 1)),
                   doc("topic:3", "予算編成", date=day(2, 1))], [])  # fmt: skip
    since, until = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    assert keys(find(backend, "予算編成", since=since, until=until)) == ["topic:2"]
    assert sorted(keys(find(backend, "予算編成", since=since))) == ["topic:2", "topic:3"]
    assert sorted(keys(find(backend, "予算編成", until=until))) == ["topic:1", "topic:2"]
    tokyo = ZoneInfo("Asia/Tokyo")  # the same moments, as the search service gives them
    since, until = datetime(2026, 1, 1, 9, tzinfo=tokyo), datetime(2026, 2, 1, 9, tzinfo=tokyo)
    assert keys(find(backend, "予算編成", since=since, until=until)) == ["topic:2"]


def test_solved_only(backend):
    backend.write([doc("topic:1", "督促状の文例", solved=True), doc("topic:2", "督促状の送付")], [])
    page = find(backend, "督促状", solved=True)
    assert keys(page) == ["topic:1"]
    assert page.total == 1


def test_sort_by_date_puts_the_newest_first_whatever_the_relevance(backend):
    backend.write([doc("topic:1", "防災訓練", date=day(1, 1)),
                   doc("topic:2", "お知らせ", "防災訓練の日程", date=day(3, 1)),
                   doc("topic:3", "連絡", "防災訓練", date=day(2, 1))], [])  # fmt: skip
    assert keys(find(backend, "防災訓練"))[0] == "topic:1"
    assert keys(find(backend, "防災訓練", sort="date")) == ["topic:2", "topic:3", "topic:1"]


def test_paging_keeps_the_total_and_never_repeats_a_hit(backend):
    backend.write([doc(f"topic:{n}", f"研修の報告 その{n}", date=day(1, n))
                   for n in range(1, 8)], [])  # fmt: skip
    pages = [find(backend, "研修", sort="date", offset=offset, limit=3) for offset in (0, 3, 6)]
    assert [page.total for page in pages] == [7, 7, 7]
    seen = [key for page in pages for key in keys(page)]
    assert seen == [f"topic:{n}" for n in range(7, 0, -1)]
    assert keys(find(backend, "研修", sort="date", offset=1, limit=2)) == ["topic:6", "topic:5"]
    assert keys(find(backend, "研修", sort="date", offset=7, limit=3)) == []


def test_hidden_keys_are_left_out_of_hits_total_and_facets(backend):
    backend.write(FACETED, [])
    Outbox.objects.create(key="topic:2", hides=True)
    Outbox.objects.create(key="page:3", hides=False)  # a change that hides nothing
    page = find(backend, "窓口", hidden_keys=outbox.hidden_keys())
    assert sorted(keys(page)) == ["page:3", "topic:1"]
    assert page.total == 2
    assert page.facets["kind"] == {"topic": 1, "page": 1}
    assert page.facets["group_id"] == {1: 1}
    assert page.facets["organization_id"] == {10: 1, 20: 1}


def test_every_requirement_of_a_document_must_be_held(backend):
    backend.write([doc("topic:1", "人事異動の内示", requires=("group:1", "organization:2"))], [])
    assert keys(find(backend, "人事異動", tokens=(EVERYONE, "group:1"))) == []
    assert keys(find(backend, "人事異動", tokens=(EVERYONE, "organization:2"))) == []
    both = find(backend, "人事異動", tokens=(EVERYONE, "group:1", "organization:2"))
    assert keys(both) == ["topic:1"]


def test_more_requirements_than_slots_leave_a_document_to_moderators(backend):
    requires = tuple(f"group:{n}" for n in range(1, 6))
    backend.write([doc("topic:1", "人事異動の内示", requires=requires)], [])
    holder = find(backend, "人事異動", tokens=(EVERYONE, *requires))
    assert keys(holder) == []
    assert holder.total == 0
    assert holder.facets["kind"] == {}
    assert keys(find(backend, "人事異動", tokens=(EVERYONE, "moderators"))) == ["topic:1"]


def test_synonyms_find_each_other_both_ways(backend):
    backend.write([doc("page:1", "国民健康保険税の納付について"),
                   doc("page:2", "国保税の減免"), doc("page:3", "保険の案内")], [])  # fmt: skip
    assert sorted(keys(find(backend, "国保税"))) == ["page:1", "page:2"]
    assert sorted(keys(find(backend, "国民健康保険税"))) == ["page:1", "page:2"]
    assert keys(find(backend, "国保税 納付")) == ["page:1"]


def test_a_title_match_ranks_above_a_body_match(backend):
    body_only = doc("topic:1", "今週の連絡", "公用車の予約方法を変えました", date=day(3, 1))
    backend.write([body_only, doc("topic:2", "公用車の予約", "詳しくは本文で", date=day(1, 1))], [])
    assert keys(find(backend, "公用車 予約")) == ["topic:2", "topic:1"]


def test_a_hit_says_whether_the_words_stand_in_its_title_and_body(backend):
    """So that a hit found by its title alone is not read again for a snippet, nor one found
    by its body for words to mark in its title. A backend that cannot tell says None, never
    a wrong False."""
    backend.write([doc("topic:1", "申し込みの締切", "先週の会議で決めました"),
                   doc("topic:2", "会議の記録", "申込みは来月からです"),
                   doc("topic:3", "申し込み窓口", "申込書は窓口にあります")], [])  # fmt: skip
    hits = find(backend, "申し込み").hits
    body = {hit.key: hit.body_matched for hit in hits}
    title = {hit.key: hit.title_matched for hit in hits}
    assert body["topic:1"] in (False, None) and title["topic:2"] in (False, None)
    assert body["topic:2"] in (True, None) and body["topic:3"] in (True, None)
    assert title["topic:1"] in (True, None) and title["topic:3"] in (True, None)
    if backend.name == "embedded":
        assert body == {"topic:1": False, "topic:2": True, "topic:3": True}
        assert title == {"topic:1": True, "topic:2": False, "topic:3": True}


@pytest.mark.parametrize("q", ["", "   ", "の", "、。"])
def test_a_query_without_words_finds_nothing(backend, q):
    backend.write([doc("topic:1", "窓口の案内")], [])
    page = find(backend, q)
    assert (keys(page), page.total) == ([], 0)


def test_a_thousand_character_query_is_cut_and_still_answered(backend):
    backend.write([doc("topic:1", "財政の見通し")], [])
    assert keys(find(backend, ("財政 " * 400)[:1000])) == ["topic:1"]
    assert keys(find(backend, "財政 " + "あ" * 995)) == []


@pytest.mark.parametrize("kind", ["memo", 'topic" OR kind = "page', "topic') OR (1", "\\", ""])
def test_an_unknown_or_hostile_kind_finds_nothing(backend, kind):
    backend.write(FACETED, [])
    page = find(backend, "窓口", kinds=(kind,))
    assert (keys(page), page.total) == ([], 0)


def test_hostile_tokens_and_hidden_keys_stay_values(backend):
    backend.write([doc("topic:1", "窓口の案内", requires=("group:1",)),
                   doc("topic:2", "窓口の混雑")], [])  # fmt: skip
    hostile = ('group:9" OR audience_0 = "group:1', "group:9] OR audience_0 IN [group:1", "\\")
    assert keys(find(backend, "窓口", tokens=hostile)) == []
    page = find(backend, "窓口", hidden_keys=('x" OR key = "topic:2', "\\"))
    assert sorted(keys(page)) == ["topic:2"]
