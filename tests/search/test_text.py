"""Japanese text as the index reads it (search.text): in several threads at once (daphne runs
views and signal handlers in a thread pool) and in long texts."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from search import text

SENTENCE = "督促状の文例と申込み受付の窓口について、国保税の担当者に教えてほしい。" * 20


def test_many_threads_read_japanese_at_once_and_agree():
    expected = text.words(SENTENCE)
    start = Barrier(4)

    def read():
        start.wait()
        return [text.words(SENTENCE) for _ in range(30)]

    with ThreadPoolExecutor(4) as pool:
        results = [r for batch in pool.map(lambda _: read(), range(4)) for r in batch]

    assert len(results) == 120
    assert all(r == expected for r in results)


def test_the_first_word_in_any_spelling_is_found_however_far_into_the_text():
    opening = "令和8年度の予算編成について説明します。" * 30  # 600 characters without the word
    body = f"{opening}本日から申込みを受け付けます。次の申込み期限は来月です。"

    found = text.first_surfaces(body, {"申し込み"})
    first = body.index("申込み")
    second = body.index("申込み", first + 1)

    assert found.spans == [(first, first + 3), (second, second + 3)]
    assert found.read > second
    assert text.first_surfaces(opening, {"申し込み"}) == ([], len(opening))


def test_a_snippet_marks_a_spelling_the_body_holds_and_reads_nothing_it_need_not():
    from search.services import snippet

    body = "令和8年度の予算編成について説明します。" * 3 + "本日から申込みを受け付けます。"
    found = snippet(body, {"申し込み"})
    assert "<mark>申込み</mark>を受け付けます" in found and found.startswith("…")
    # The backend said the body holds no word of the query (a title match): its opening, unread.
    assert snippet(body, {"申し込み"}, matched=False) == body[:120]
    assert snippet("短い本文", {"申し込み"}) == "短い本文"


def test_a_snippet_marks_every_spelling_in_what_sudachi_read_and_past_it():
    from search.services import snippet

    read_once = "本日から申込みを受け付けます。" + "次の申込は来月、" * 12
    # the first sentence holding the word is all Sudachi reads; the snippet runs on past it
    read_past = "申込みです。" + "予算の説明と次の申込について" + "、詳しくは後日" * 50

    for body in (read_once, read_past):
        found = snippet(body, {"申し込み"})
        assert found.count("<mark>") == found.count("申込") >= 2
    assert snippet(read_once, {"申し込み"}).startswith(
        "本日から<mark>申込み</mark>を受け付けます。次の<mark>申込</mark>"
    )


def test_a_one_character_word_is_marked_where_it_belongs_to_a_marked_word():
    from search.services import highlight

    synonym = {"国保", "国民", "健康", "保険", "税"}
    assert highlight("国民健康保険税の納付", synonym) == (
        "<mark>国民</mark><mark>健康</mark><mark>保険</mark><mark>税</mark>の納付"
    )
    assert highlight("現状の督促と督促状", {"督促", "状"}) == (
        "現状の<mark>督促</mark>と<mark>督促</mark><mark>状</mark>"
    )


def test_a_title_is_read_by_sudachi_only_when_the_backend_says_a_word_stands_in_it():
    from search.services import highlight

    # 申込み for 申し込み: found only by Sudachi's reading
    assert highlight("申込みの締切", {"申し込み"}) == "<mark>申込み</mark>の締切"
    assert highlight("申込みの締切", {"申し込み"}, matched=True) == "<mark>申込み</mark>の締切"
    # a hit found by its body: its title as written, escaped, still marked where written
    assert highlight("申込み<締切>", {"申し込み"}, matched=False) == "申込み&lt;締切&gt;"
    assert highlight("申し込みの締切", {"申し込み"}, matched=False) == (
        "<mark>申し込み</mark>の締切"
    )


def test_a_word_cut_by_the_end_of_a_snippet_is_not_marked_in_part():
    from search.services import snippet

    body = "申込みです。予算" + "、説明" * 36 + "ああ申込みの件。" + "です" * 10
    assert body.index("申込み", 3) == 118  # the snippet's 120 characters end inside it

    found = snippet(body, {"申し込み"})

    assert found.startswith("<mark>申込み</mark>です。")
    assert found.count("<mark>") == 1
