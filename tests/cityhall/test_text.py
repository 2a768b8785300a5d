"""cityhall.text: the one normaliser search compares with."""

import pytest

from cityhall import text


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("ヤマモト", "やまもと"),
        ("やまもと", "やまもと"),
        ("ﾔﾏﾓﾄ", "やまもと"),  # half-width katakana
        ("ｶﾞｯｺｳ", "がっこう"),  # with its voiced mark
        ("ＤＸ推進課", "dx推進課"),  # full-width letters
        ("DX", "dx"),
        ("Yamada-Hanako", "yamada-hanako"),
        ("  山本　 美咲 ", "山本 美咲"),  # ideographic space, runs of space
        ("ヴ", "ゔ"),
        ("ー", "ー"),  # the long-vowel mark has no hiragana twin
        ("", ""),
    ],
)
def test_normalize_is_kana_width_and_case_insensitive(typed, normal):
    assert text.normalize(typed) == normal


def test_romaji_spells_a_reading_word_by_word():
    assert text.romaji("やまだ はなこ") == "yamada hanako"
    assert text.romaji("ヤマモト　ミサキ") == "yamamoto misaki"
    assert text.romaji("") == ""


def test_joined_keeps_parts_on_their_own_lines():
    assert text.joined("山本", "", "ヤマモト") == "山本\nやまもと"
