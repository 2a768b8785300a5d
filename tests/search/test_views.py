"""/search/ (the page and its JSON) and /search/suggest (the header's results as you type)."""

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import text
from tests.factories import GroupFactory
from tests.search.conftest import document

pytestmark = pytest.mark.django_db


@pytest.fixture
def searcher(client, world):
    client.force_login(world.member)
    return client


@pytest.fixture
def outsider(client, world):
    client.force_login(world.outsider)
    return client


@pytest.fixture
def corpus(world, index):
    late_evening = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 2026-03-02 05:00 in Tokyo
    index(
        document("topic:1", "督促状の文例", "納期限を過ぎた市税の督促状について",
                 group=world.open_group, solved=True, date=late_evening),
        document("topic:2", "督促の手順", "督促状を送る前に確認すること", group=world.open_group,
                 day=5),
        document("topic:3", "非公開の督促メモ", "研究会だけの督促状の話", group=world.closed_group,
                 day=7),
        document("page:4", "督促状の書き方", "記事の本文", day=3),
        document("page:5", "窓口の混雑", "督促とは関係のない記事", day=4),
    )  # fmt: skip


def payload(response):
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


# --- the page -----------------------------------------------------------------------------


def test_results_with_kind_title_snippet_group_and_date(searcher, corpus):
    response = searcher.get("/search/", {"q": "督促状"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>督促</mark><mark>状</mark>の文例" in page
    assert '<a href="/topic/1/">' in page
    assert "納期限を過ぎた市税の<mark>督促</mark><mark>状</mark>について" in page
    assert "債権回収" in page and "トピック" in page and "記事" in page
    # Stored in UTC, shown in Tokyo time through the site's date format.
    assert '<time datetime="2026-03-02T05:00:00+09:00">2026年3月2日</time>' in page
    assert "検索結果 4 件" in page
    assert page.count('<span class="tag tag--solved">解決済み</span>') == 1  # topic:1 alone
    assert page.count('<span class="search-result__group">債権回収</span> ·') == 2


def test_what_members_wrote_is_escaped_in_a_result(searcher, world, index):
    world.open_group.name = '<img src=x onerror="alert(1)">'
    world.open_group.save(update_fields=["name"])
    index(document("topic:9", "<script>督促</script>", 'a "督促" <b>本文</b> & more',
                   group=world.open_group, url='/topic/9/?a=1&b="2"'))  # fmt: skip
    page = searcher.get("/search/", {"q": "督促"}).content.decode()
    assert "&lt;script&gt;<mark>督促</mark>&lt;/script&gt;" in page
    assert "a &quot;<mark>督促</mark>&quot; &lt;b&gt;本文&lt;/b&gt; &amp; more" in page
    assert '<a href="/topic/9/?a=1&amp;b=&quot;2&quot;">' in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</span> ·" in page
    assert "<img src=x" not in page and "<script>督促" not in page


def test_facets_count_and_link_to_the_filtered_search(searcher, corpus, world):
    page = searcher.get("/search/", {"q": "督促"}).content.decode()
    assert 'トピック <span class="search-facet__count">(3)</span>' in page
    assert '記事 <span class="search-facet__count">(2)</span>' in page
    assert '債権回収 <span class="search-facet__count">(2)</span>' in page
    link = searcher.get("/search/", {"q": "督促"}).context["facets"][1]["options"]
    by_label = {option["label"]: option for option in link}
    url = by_label["債権回収"]["url"]
    assert parse_qs(urlsplit(url).query) == {"q": ["督促"], "group": [str(world.open_group.pk)]}
    filtered = searcher.get("/search/" + url)
    keys = [result.hit.key for result in filtered.context["results"].results]
    assert sorted(keys) == ["topic:1", "topic:2"]
    assert "グループの絞り込みを解除" in filtered.content.decode()


def test_kind_facet_adds_and_removes_a_kind(searcher, corpus):
    response = searcher.get("/search/", {"q": "督促", "kind": "page"})
    assert [r.hit.kind for r in response.context["results"].results] == ["page", "page"]
    kinds = {o["label"]: o for o in response.context["facets"][0]["options"]}
    assert kinds["記事"]["selected"] and not kinds["トピック"]["selected"]
    assert parse_qs(urlsplit(kinds["記事"]["url"]).query) == {"q": ["督促"]}
    assert parse_qs(urlsplit(kinds["トピック"]["url"]).query)["kind"] == ["page", "topic"]


def test_filters_solved_dates_and_sort(searcher, corpus):
    def keys(**params):
        response = searcher.get("/search/", {"q": "督促", **params})
        assert response.status_code == 200
        return [result.hit.key for result in response.context["results"].results]

    assert keys(solved="1") == keys(solved="on") == ["topic:1"]
    assert len(keys(solved="0")) == len(keys(solved="off")) == len(keys(solved="no")) == 5
    # 2026-03-02 in Tokyo holds topic:1 (20:00 UTC on the 1st); the page of the 3rd is after.
    assert keys(since="2026-03-02", until="2026-03-02") == ["topic:1"]
    assert sorted(keys(since="2026-03-04")) == ["page:5", "topic:2", "topic:3"]
    assert sorted(keys(until="2026-03-03")) == ["page:4", "topic:1"]
    assert keys(sort="date") == ["topic:3", "topic:2", "page:5", "page:4", "topic:1"]


def test_paging(searcher, world, index):
    index(*[document(f"topic:{n}", f"予算要求 その{n}", day=1 + n % 28) for n in range(1, 26)])
    first = searcher.get("/search/", {"q": "予算要求"})
    assert len(first.context["results"].results) == 20
    assert first.context["pager"]["next"] == "?q=%E4%BA%88%E7%AE%97%E8%A6%81%E6%B1%82&page=2"
    second = searcher.get("/search/" + first.context["pager"]["next"])
    assert len(second.context["results"].results) == 5
    assert "2 / 2 ページ" in second.content.decode()
    beyond = searcher.get("/search/", {"q": "予算要求", "page": "7"})
    assert beyond.status_code == 200
    assert "このページに結果はありません" in beyond.content.decode()
    assert "7 / 2" not in beyond.content.decode() and 'rel="prev"' in beyond.content.decode()


def test_empty_query_shows_the_form_and_tips(searcher, corpus):
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "の"}):
        response = searcher.get("/search/", params)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'name="q"' in page
        if not params.get("q", "").strip():
            assert "探し方" in page and response.context["results"] is None
        else:  # only a particle: searched, nothing found
            assert response.context["results"].total == 0


def test_the_page_uses_the_site_layout_and_the_header_box(searcher, corpus):
    page = searcher.get("/search/", {"q": "督促"}).content.decode()
    assert 'id="site-nav"' in page
    assert 'data-instant-search="/search/suggest"' in page
    assert 'aria-current="page">検索' in page  # the navigation's 検索 entry
    assert re.search(r'<input id="site-search-q"[^>]* value="督促"', page)  # the words stay


# --- JSON ---------------------------------------------------------------------------------


def test_json_shape(searcher, corpus, world):
    data = payload(searcher.get("/search/", {"q": "督促状", "format": "json"}))
    assert set(data) == {
        "query", "total", "more", "page", "pages", "broadened", "results", "facets",
    }  # fmt: skip
    assert (data["query"], data["total"], data["page"], data["pages"]) == ("督促状", 4, 1, 1)
    first = next(r for r in data["results"] if r["url"] == "/topic/1/")
    assert first == {
        "kind": "topic", "kind_label": "トピック",
        "title_html": "<mark>督促</mark><mark>状</mark>の文例",
        "snippet_html": "納期限を過ぎた市税の<mark>督促</mark><mark>状</mark>について",
        "url": "/topic/1/", "date": "2026-03-02T05:00:00+09:00", "group": "債権回収",
        "solved": True,
    }  # fmt: skip
    assert set(data["facets"]) == {"kind", "group", "organization"}
    assert {"value": "topic", "label": "トピック", "count": 3} in data["facets"]["kind"]
    group = {"value": world.open_group.pk, "label": "債権回収", "count": 2}
    assert group in data["facets"]["group"]


def test_json_of_an_empty_query(searcher, corpus):
    data = payload(searcher.get("/search/", {"format": "json"}))
    assert data["total"] == 0 and data["results"] == [] and data["pages"] == 1


def test_json_page_and_per_page(searcher, world, index):
    index(*[document(f"page:{n}", f"防災訓練 {n}") for n in range(1, 8)])
    data = payload(searcher.get("/search/", {"q": "防災訓練", "format": "json", "per_page": "3",
                                             "page": "3"}))  # fmt: skip
    assert (data["total"], data["page"], data["pages"], len(data["results"])) == (7, 3, 3, 1)


# --- bad input ----------------------------------------------------------------------------

BAD = [
    ({"q": "督" * 1000}, "q", "200文字以内"),
    ({"q": "督促", "group": '1" OR 1=1 --'}, "group", "グループの指定"),
    ({"q": "督促", "group": "-3"}, "group", "グループの指定"),
    ({"q": "督促", "organization": "1) OR (1=1"}, "organization", "組織の指定"),
    ({"q": "督促", "kind": 'topic" OR kind:*'}, "kind", "はありません"),
    ({"q": "督促", "kind": "secret_kind"}, "kind", "はありません"),
    ({"q": "督促", "page": "99999999999"}, "page", "ページは1から500"),
    ({"q": "督促", "page": "二"}, "page", "ページは1から500"),
    ({"q": "督促", "page": "0"}, "page", "ページは1から500"),
    ({"q": "督促", "per_page": "100000"}, "per_page", "1ページの件数"),
    ({"q": "督促", "since": "2026-13-01"}, "since", "年-月-日"),
    ({"q": "督促", "since": "'; DROP TABLE search_entry; --"}, "since", "年-月-日"),
    ({"q": "督促", "since": "0001-01-01"}, "since", "1900-01-01から"),
    ({"q": "督促", "until": "9999-12-31"}, "until", "2100-12-31まで"),
    ({"q": "督促", "since": "2026-04-02", "until": "2026-04-01"}, "until", "終了日は開始日"),
    ({"q": "督促", "sort": "price DESC"}, "sort", "並び順は"),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD)
def test_bad_values_are_told_on_the_page(searcher, corpus, params, field, message):
    response = searcher.get("/search/", params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["results"] is None


@pytest.mark.parametrize(("params", "field", "message"), BAD)
def test_bad_values_are_a_400_in_json(searcher, corpus, params, field, message):
    response = searcher.get("/search/", {**params, "format": "json"})
    assert response.status_code == 400
    errors = payload(response)["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]


@pytest.mark.parametrize(
    "q",
    [
        '"督促',
        "督促 OR 窓口",
        "督促*",
        "(督促)",
        "kind:topic",
        "NEAR(督促 状)",
        "督促 -窓口",
        "' OR ''='",
        "督促 AND",
        "\\",
        "*",
        "^督促",
        "督促:",
    ],
)
def test_query_syntax_is_only_words(searcher, corpus, q):
    for params in ({"q": q}, {"q": q, "format": "json"}):
        response = searcher.get("/search/", params)
        assert response.status_code == 200
    assert payload(searcher.get("/search/suggest", {"q": q}))["total"] >= 0


def test_unknown_parameters_and_facets_are_ignored(searcher, corpus):
    response = searcher.get("/search/", {"q": "督促", "facet": "colour", "colour": "red",
                                         "format": "xml"})  # fmt: skip
    assert response.status_code == 200
    assert response.context["results"].total == 5


def test_nul_is_a_400(searcher, corpus):
    assert searcher.get("/search/", {"q": "督促\x00"}).status_code == 400
    response = searcher.get("/search/", {"q": "督促\x00", "format": "json"})
    assert response.status_code == 400
    assert payload(response)["error"] == "bad_text"
    assert searcher.get("/search/", {"group": "\x00"}).status_code == 400
    response = searcher.get(
        "/search/suggest", {"q": "\x00"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 400 and payload(response)["error"] == "bad_text"


def test_only_get(searcher):
    assert searcher.post("/search/", {"q": "督促"}).status_code == 405


# --- who sees what ------------------------------------------------------------------------


def test_a_non_member_sees_nothing_of_a_closed_group(outsider, corpus, world):
    page = outsider.get("/search/", {"q": "督促"})
    assert "非公開" not in page.content.decode()
    assert page.context["results"].total == 4
    data = payload(outsider.get("/search/", {"q": "督促", "format": "json"}))
    assert data["total"] == 4
    assert "/topic/3/" not in [r["url"] for r in data["results"]]
    assert {"value": "topic", "label": "トピック", "count": 2} in data["facets"]["kind"]
    assert world.closed_group.pk not in [row["value"] for row in data["facets"]["group"]]
    asked = payload(outsider.get("/search/", {"q": "督促", "group": world.closed_group.pk,
                                              "format": "json"}))  # fmt: skip
    assert asked["total"] == 0 and asked["results"] == []
    suggested = payload(outsider.get("/search/suggest", {"q": "非公開"}))
    assert suggested["total"] == 0 and suggested["results"] == []


def test_a_member_of_the_closed_group_sees_its_documents(searcher, corpus, world):
    data = payload(searcher.get("/search/", {"q": "督促", "format": "json"}))
    assert data["total"] == 5
    assert {"value": world.closed_group.pk, "label": "非公開の研究会", "count": 1} in (
        data["facets"]["group"]
    )
    assert payload(searcher.get("/search/suggest", {"q": "非公開"}))["total"] == 1


def test_logged_out_visitors_go_to_the_login_page(client, corpus):
    for path in ("/search/?q=督促", "/search/suggest?q=督促", "/search/similar?title=督促状"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    response = client.get("/search/", {"q": "督促", "format": "json"})
    assert response.status_code == 401
    assert payload(response)["error"] == "authentication_required"


def test_an_unverified_account_finds_nothing(client, world, corpus, unverified_member):
    client.force_login(unverified_member)
    assert client.get("/search/", {"q": "督促"}).status_code == 302


# --- queries ------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_results(
    searcher, world, index, django_assert_num_queries
):
    index(document("topic:1", "公用車の予約", group=world.open_group))
    with CaptureQueriesContext(connection) as few:
        assert searcher.get("/search/", {"q": "公用車"}).context["results"].total == 1
    assert len(few) <= 20, [q["sql"] for q in few]
    groups = [world.open_group, world.closed_group, None]
    index(*[document(f"topic:{n}", f"公用車の予約 {n}", group=groups[n % 3], solved=n % 2 == 0,
                     organization_id=None) for n in range(2, 40)])  # fmt: skip
    with django_assert_num_queries(len(few)):
        response = searcher.get("/search/", {"q": "公用車"})
    assert response.context["results"].total == 39
    assert len(response.context["results"].results) == 20


# --- the header's results as you type -----------------------------------------------------


def test_suggest(searcher, corpus):
    data = payload(searcher.get("/search/suggest", {"q": "督促状"}))
    assert set(data) == {"query", "total", "more", "results", "url"}
    assert data["url"] == "/search/?q=%E7%9D%A3%E4%BF%83%E7%8A%B6"
    assert data["total"] == 4
    assert {r["url"] for r in data["results"]} == {"/topic/1/", "/topic/2/", "/topic/3/",
                                                  "/page/4/"}  # fmt: skip
    assert set(data["results"][0]) == {"kind", "kind_label", "title_html", "snippet_html", "url",
                                       "date", "group", "solved"}  # fmt: skip


def test_suggest_gives_at_most_eight(searcher, world, index):
    index(*[document(f"page:{n}", f"庁内LAN {n}") for n in range(1, 13)])
    data = payload(searcher.get("/search/suggest", {"q": "庁内LAN"}))
    assert (data["total"], len(data["results"])) == (12, 8)


def test_suggest_with_nothing_or_too_much(searcher, corpus):
    assert payload(searcher.get("/search/suggest"))["results"] == []
    assert payload(searcher.get("/search/suggest", {"q": "  "}))["results"] == []
    long = payload(searcher.get("/search/suggest", {"q": "督促 " * 500}))
    assert long["total"] == 5  # the first words count
    assert long["query"] == ("督促 " * 500)[: text.MAX_QUERY_CHARS]  # and only they come back
    assert len(text.parse("督促 " * 500)) <= text.MAX_TERMS


def test_a_word_said_again_counts_once_and_words_past_eight_are_told(searcher, corpus):
    again = searcher.get("/search/", {"q": "督促 " * 8 + "文例"})
    assert again.context["results"].total == searcher.get(
        "/search/", {"q": "督促 文例"}).context["results"].total  # fmt: skip
    assert "最初の" not in again.content.decode()
    many = "督促 文例 納付 相談 窓口 電話 催告 分納 差押 滞納"  # ten words
    assert [t.text for t in text.parse(many)] == many.split()[: text.MAX_TERMS]
    page = searcher.get("/search/", {"q": many}).content.decode()
    assert "最初の 8 語で探しました(残りの 2 語は使っていません)" in page


def test_nothing_with_every_word_shows_what_has_some_of_them(searcher, world, index):
    index(document("topic:1", "督促状の文例", group=world.open_group))
    response = searcher.get("/search/", {"q": "督促状 ドローン"})
    assert "一部の言葉を含むもの" in response.text
    assert response.context["results"].results[0].hit.key == "topic:1"
    body = searcher.get("/search/", {"q": "督促状 ドローン", "format": "json"}).json()
    assert (body["broadened"], body["total"]) == (True, 1)
    exact = searcher.get("/search/", {"q": "督促状 文例", "format": "json"}).json()
    assert exact["broadened"] is False


def test_a_broadened_search_leaves_numbers_out(searcher, world, index):
    index(document("topic:1", "令和6年度の督促状", group=world.open_group),
          document("topic:2", "1月の窓口", group=world.open_group))  # fmt: skip
    body = searcher.get("/search/", {"q": "督促状 1=1", "format": "json"}).json()
    assert (body["broadened"], [r["url"] for r in body["results"]]) == (True, ["/topic/1/"])


def test_a_facet_shows_its_ten_largest_options_and_links_to_the_rest(searcher, world, index):
    from members.models import Organization

    organizations = [Organization.objects.create(name=f"第{n}市", kind="city") for n in range(13)]
    index(*[document(f"topic:{n}", f"窓口の案内 {n}", organization_id=organizations[n % 12].pk,
                     day=1 + n % 28) for n in range(1, 37)])  # fmt: skip
    chosen = organizations[12]  # one document only: the smallest option
    index(document("topic:99", "窓口の案内 99", organization_id=chosen.pk))

    page = searcher.get("/search/", {"q": "窓口", "organization": chosen.pk})
    shown = page.context["facets"][1]

    assert shown["heading"] == "組織" and len(shown["options"]) == 11  # the chosen one too
    assert shown["hidden"] == 2 and "ほか 2 件を表示" in page.content.decode()
    everything = searcher.get("/search/" + shown["more"]).context["facets"][1]
    assert len(everything["options"]) == 13 and everything["more"] is None
    assert (
        searcher.get("/search/", {"q": "窓口", "format": "json"})
        .json()["facets"]["organization"]
        .__len__()
        == 13
    )


def test_the_ten_largest_options_are_named_and_shown_by_name_where_counts_tie(
    searcher, world, index
):
    """Only the options shown are named (the rest are counted as "ほか"); where the tenth
    count is shared, every option sharing it is named, so the order by name still decides."""
    from members.models import Organization

    counts = [12, 11, 10, 9, 8, 7, 6, 5, 4, 2, 2, 1, 1]
    names = [f"第{n}市" for n in range(9)] + ["Z市", "A市", "末尾市", "最後市"]
    organizations = [Organization.objects.create(name=name, kind="city") for name in names]
    index(*[document(f"topic:{len(counts) * 100 + n * 20 + i}", "窓口の案内",
                     organization_id=organizations[n].pk)
            for n, count in enumerate(counts) for i in range(count)])  # fmt: skip

    page = searcher.get("/search/", {"q": "窓口"})
    shown = page.context["facets"][1]

    labels = [option["label"] for option in shown["options"]]
    assert labels == [f"第{n}市" for n in range(9)] + ["A市"]
    assert [option["count"] for option in shown["options"]] == counts[:10]
    assert shown["hidden"] == 3 and "ほか 3 件を表示" in page.content.decode()
    assert "Z市" not in page.content.decode() and "None" not in page.content.decode()
    everything = searcher.get("/search/" + shown["more"]).context["facets"][1]
    assert [option["label"] for option in everything["options"]][-4:] == [
        "A市", "Z市", "最後市", "末尾市"
    ]  # fmt: skip
    facets = searcher.get("/search/", {"q": "窓口", "format": "json"}).json()["facets"]
    assert {item["label"] for item in facets["organization"]} == set(names)


def test_a_result_names_its_group_when_the_group_is_not_among_the_options_shown(
    searcher, world, index
):
    groups = [GroupFactory(name=f"部会{n}", slug=f"bukai-{n}") for n in range(12)]
    index(*[document(f"topic:{n * 20 + i}", "窓口の案内", group=groups[n], day=1)
            for n in range(11) for i in range(12 - n)])  # fmt: skip
    index(document("topic:999", "窓口の案内(最新)", group=groups[11], day=20))

    page = searcher.get("/search/", {"q": "窓口", "sort": "date"})

    first = page.context["results"].results[0]
    assert (first.hit.key, first.group) == ("topic:999", "部会11")
    assert '<span class="search-result__group">部会11</span>' in page.content.decode()
    assert "部会11" not in [o["label"] for o in page.context["facets"][1]["options"]]


def test_a_word_is_marked_as_written_and_in_another_spelling(searcher, world, index):
    index(document("topic:1", "申し込みの受付について", "窓口での申込みは平日のみです。"),
          document("topic:2", "電子申込みの手順", "申し込み期限は月末です。"))  # fmt: skip
    page = searcher.get("/search/", {"q": "申し込み"}).content.decode()

    assert "<mark>申し込み</mark>の受付について" in page  # as written
    assert "窓口での<mark>申込み</mark>は平日のみです。" in page  # read by Sudachi
    assert "電子<mark>申込み</mark>の手順" in page
    assert "<mark>申し込み</mark>期限は月末です。" in page


@pytest.mark.parametrize("value", ["", "organization", "x" * 5000, "'; DROP", "\u3000", "kind"])
def test_odd_values_of_all_show_the_page(searcher, corpus, value):
    assert searcher.get("/search/", {"q": "督促", "all": value}).status_code == 200


def test_a_nul_in_all_is_a_400(searcher, corpus):
    assert searcher.get("/search/", {"q": "督促", "all": "a\x00b"}).status_code == 400
