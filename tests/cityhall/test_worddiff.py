import pytest

from cityhall.worddiff import DELETE, EQUAL, INSERT, tokens, word_diff


def test_japanese_is_cut_where_the_kind_of_character_changes():
    assert tokens("4月に税務部へ異動しました。DX推進") == [
        "4", "月", "に", "税務部", "へ", "異動", "しました", "。", "DX", "推進",
    ]  # fmt: skip
    assert tokens("データ連携 と API\n") == ["データ", "連携", " ", "と", " ", "API", "\n"]


@pytest.mark.parametrize(
    ("before", "after"),
    [("", "新しい"), ("消す", ""), ("同じ", "同じ"), ("a b c", "a x c\nd"), ("😀混在🙂", "混在")],
)
def test_the_pieces_give_both_texts_back(before, after):
    pieces = word_diff(before, after)
    assert "".join(t for kind, t in pieces if kind != INSERT) == before
    assert "".join(t for kind, t in pieces if kind != DELETE) == after


def test_a_changed_word_is_marked_not_the_sentence():
    assert word_diff("4月に税務部へ異動しました。", "4月に財政部へ異動しました。") == [
        (EQUAL, "4月に"), (DELETE, "税務部"), (INSERT, "財政部"), (EQUAL, "へ異動しました。"),
    ]  # fmt: skip
