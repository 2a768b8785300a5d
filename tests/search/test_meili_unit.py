"""The parts of the Meilisearch backend that need no server: ids, stored documents, settings,
filter strings, the requests a search sends and how its answer is read. The backend's behaviour
against a server is tests/contract/ (run with MEILISEARCH_URL set)."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from search import text
from search.backends import meili
from search.documents import EVERYONE, Document, Query

HOSTILE = [
    'topic" OR kind = "page',
    "topic' OR kind = 'page",
    "a\\",
    '\\"',
    '\\\\"] OR key IN ["',
    ") OR (audience_0 = *",
    "NOT",
    "x\ny",
    "",
    "国保\u3000税",
]


def parse_quoted(expression: str) -> tuple[str, list[str]]:
    """A filter expression read as Meilisearch reads its quoted values (filter-parser's value.rs:
    a backslash keeps the next character inside the quotes, then \\" becomes " and \\\\
    becomes \\): the text outside the quotes, with each value as "?", and the values."""
    outside, values, position = [], [], 0
    while position < len(expression):
        char = expression[position]
        if char != '"':
            outside.append(char)
            position += 1
            continue
        end = position + 1
        while expression[end] != '"':
            end += 2 if expression[end] == "\\" else 1
        raw = expression[position + 1 : end].replace('\\"', '"')
        values.append(re.sub(r"\\(.)", r"\1", raw))
        outside.append("?")
        position = end + 1
    return "".join(outside), values


def doc(key="topic:12", title="督促状の文例", body="", **extra):
    values = {"url": "/t/12", "date": datetime(2026, 1, 1, tzinfo=UTC)} | extra
    return Document(key=key, kind=key.split(":")[0], title=title, body=body, **values)


def query(q="窓口", tokens=(EVERYONE,), **extra):
    return Query(terms=tuple(text.parse(q)), tokens=frozenset(tokens), **extra)


# --- ids -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key", ["topic:12", "chat_message:5", "a-b:1", "a_b:1", "a:b:1", "ページ:3", "x_2d_:1", "_:_"]
)
def test_a_document_id_is_allowed_by_meilisearch_and_gives_its_key_back(key):
    made = meili.document_id(key)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", made)
    assert meili.document_key(made) == key


def test_document_ids_are_readable_and_never_shared():
    assert meili.document_id("topic:12") == "topic-12"
    keys = ["a-b:1", "a_b:1", "a:b:1", "a_2d_b:1", "a__b:1", "ab:1"]
    assert len({meili.document_id(key) for key in keys}) == len(keys)


# --- stored documents ------------------------------------------------------------------------
def test_a_stored_document_carries_the_words_the_slots_and_the_display_fields():
    stored = meili.to_document(doc(body="申込みは窓口で", tags=("税務",), group_id=5,
                                   organization_id=7, solved=True,
                                   requires=("group:5", "organization:7")))  # fmt: skip
    assert stored["id"] == "topic-12"
    assert stored["key"] == "topic:12"
    assert (stored["title"], stored["body"]) == ("督促状の文例", "申込みは窓口で")
    assert stored["title_words"].split() == text.tokens("督促状の文例")
    assert {"督促", "状", "督促状", "文例"} <= set(stored["title_words"].split())
    assert "申し込み" in stored["body_words"].split()  # SudachiPy's normalised form
    assert stored["tags_words"] == "税務"
    assert [stored[f"audience_{n}"] for n in range(4)] == [
        "group:5", "organization:7", EVERYONE, EVERYONE]  # fmt: skip
    assert (stored["group_id"], stored["organization_id"], stored["solved"]) == (5, 7, True)
    assert stored["date"] == datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert meili.to_hit(stored).date == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_document_with_more_requirements_than_slots_is_for_moderators():
    stored = meili.to_document(doc(requires=tuple(f"group:{n}" for n in range(5))))
    assert [stored[f"audience_{n}"] for n in range(4)] == ["moderators", "*", "*", "*"]


def test_a_stored_document_reads_back_as_the_same_hit():
    original = doc(group_id=3, date=datetime(2026, 4, 1, 9, 30, tzinfo=ZoneInfo("Asia/Tokyo")))
    hit = meili.to_hit(meili.to_document(original))
    assert (hit.key, hit.kind, hit.title, hit.url, hit.group_id, hit.solved) == (
        "topic:12", "topic", "督促状の文例", "/t/12", 3, False)  # fmt: skip
    assert hit.date == original.date


# --- spelling groups (synonyms) --------------------------------------------------------------
def test_spelling_groups_hold_the_normalised_words_of_every_spelling():
    token, spellings = meili.spelling_groups()["国保税"]
    assert spellings == (("国保", "税"), ("国民", "健康", "保険", "税"))
    assert re.fullmatch(r"zsyn[a-p]{16}", token)
    for _token, group in meili.spelling_groups().values():
        for spelling in group:
            assert all(text.words(word) == [word] for word in spelling)


def test_a_document_holding_any_spelling_gets_the_group_token_where_it_holds_it():
    token = meili.spelling_groups()["国保税"][0]
    long_form = meili.to_document(doc(title="お知らせ", body="国民健康保険税の納付"))
    assert token in long_form["body_words"].split()
    assert token not in long_form["title_words"].split()
    spread = meili.to_document(doc(title="国保の手続", tags=("税",)))
    assert token in spread["body_words"].split()  # all words, but no field holds them all
    neither = meili.to_document(doc(title="国民年金の保険料"))
    assert token not in " ".join(neither[name] for name in meili.SEARCHABLE).split()


def test_a_term_with_several_spellings_is_sent_as_its_group_token():
    token = meili.spelling_groups()["国民健康保険税"][0]
    assert meili.query_words(query("国民健康保険税 督促状")) == f"{token} 督促 状"
    assert meili.query_words(query("申し込み 窓口")) == "申し込み 窓口"


# --- settings --------------------------------------------------------------------------------
def test_settings_search_the_words_as_japanese_and_filter_what_the_backend_filters():
    settings = meili.index_settings()
    assert settings["searchableAttributes"] == ["title_words", "tags_words", "body_words"]
    assert settings["localizedAttributes"] == [
        {"attributePatterns": settings["searchableAttributes"], "locales": ["jpn"]}
    ]
    assert set(settings["filterableAttributes"]) == {
        "key", "kind", "group_id", "organization_id", "solved", "date",
        "audience_0", "audience_1", "audience_2", "audience_3"}  # fmt: skip
    assert settings["sortableAttributes"] == ["date"]
    rules = settings["rankingRules"]
    assert rules[0] == "sort" and rules[-1] == "date:desc"
    assert settings["typoTolerance"] == {"enabled": False}
    assert settings["prefixSearch"] == "disabled"
    assert settings["synonyms"] == {}  # spelling groups do it; see search/backends/meili.py
    assert settings["pagination"]["maxTotalHits"] >= 1000
    assert "body_words" not in settings["displayedAttributes"]


# --- filters ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", HOSTILE)
def test_a_quoted_value_reads_back_as_itself_and_nothing_else(value):
    outside, values = parse_quoted(f"kind IN {meili.value_list([value, 'topic'])}")
    assert outside == "kind IN [?, ?]"
    assert values == [value, "topic"]


def test_hostile_values_stay_values_in_every_condition():
    hostile = query(tokens=(EVERYONE, *HOSTILE), kinds=tuple(HOSTILE), hidden_keys=tuple(HOSTILE))
    conditions = meili.filters(hostile)
    values = "[" + ", ".join(["?"] * (len(HOSTILE) + 1)) + "]"
    expected = [f"audience_{n} IN {values}" for n in range(4)]
    expected += [f"NOT key IN [{', '.join(['?'] * len(HOSTILE))}]",
                 f"kind IN [{', '.join(['?'] * len(HOSTILE))}]"]  # fmt: skip
    assert [parse_quoted(condition)[0] for condition in conditions] == expected
    assert parse_quoted(conditions[4])[1] == HOSTILE


def test_filters_hold_every_condition_and_leave_out_a_facets_own():
    since = datetime(2026, 1, 1, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    full = query(tokens=(EVERYONE, "group:1"), kinds=("topic",), group_id=1, organization_id=2,
                 solved=True, since=since, until=date(2026, 2, 1))  # fmt: skip
    conditions = meili.filters(full)
    assert conditions[:4] == [f'audience_{n} IN ["*", "group:1"]' for n in range(4)]
    assert conditions[4:8] == ['kind IN ["topic"]', "group_id = 1", "organization_id = 2",
                               "solved = true"]  # fmt: skip
    assert conditions[8] == "date >= 1767225600.000000"
    assert conditions[9] == "date < 1769871600.000000"  # 2026-02-01 00:00 in Tokyo
    assert not any(c.startswith("kind") for c in meili.filters(full, leave_out="kind"))
    assert not any(c.startswith("group_id") for c in meili.filters(full, leave_out="group_id"))


# --- search requests and answers -------------------------------------------------------------
def test_a_search_is_the_page_plus_one_count_per_facet_with_its_own_filter_set():
    page, kinds = meili.search_requests("cityhall", query(kinds=("topic",), sort="date"))
    assert page["indexUid"] == "cityhall"
    assert (page["q"], page["matchingStrategy"], page["locales"]) == ("窓口", "all", ["jpn"])
    assert page["sort"] == ["date:desc"]
    assert page["facets"] == ["group_id", "organization_id"]
    assert 'kind IN ["topic"]' in page["filter"]
    assert kinds["facets"] == ["kind"]
    assert kinds["hitsPerPage"] == 0
    assert not any(c.startswith("kind") for c in kinds["filter"])
    (alone,) = meili.search_requests("cityhall", query(facets=False))
    assert "facets" not in alone and "sort" not in alone


def test_any_of_the_words_lets_meilisearch_drop_the_commonest_first():
    (page,) = meili.search_requests("cityhall", query(facets=False, match="any"))
    assert page["matchingStrategy"] == "frequency"


@pytest.mark.parametrize(("offset", "limit", "page", "per_page", "skip"),
                         [(0, 20, 1, 20, 0), (40, 20, 3, 20, 0), (1, 2, 1, 3, 1)])  # fmt: skip
def test_paging_asks_for_exhaustive_totals(offset, limit, page, per_page, skip):
    assert meili._paging(offset, limit) == ({"page": page, "hitsPerPage": per_page}, skip)


def test_an_answer_reads_as_a_page_with_facets_merged():
    stored = [meili.to_document(doc(key=f"topic:{n}")) for n in (1, 2, 3)]
    page_facets = {"group_id": {"5": 2}, "organization_id": {"7": 9}}
    kind_facet = {"kind": {"topic": 9, "page": 3}}
    answer = [{"hits": stored, "totalHits": 9, "facetDistribution": page_facets},
              {"hits": [], "totalHits": 12, "facetDistribution": kind_facet}]  # fmt: skip
    page = meili.to_page(query(kinds=("topic",), offset=1, limit=2), answer)
    assert [hit.key for hit in page.hits] == ["topic:2", "topic:3"]
    assert page.total == 9
    assert page.facets == {"kind": {"topic": 9, "page": 3}, "group_id": {5: 2},
                           "organization_id": {7: 9}}  # fmt: skip
