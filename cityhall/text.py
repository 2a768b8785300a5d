"""Text as search compares it: one normaliser for the member directory, the @mention lookup and
(later) site search, so that 「ヤマモト」, 「やまもと」 and 「ﾔﾏﾓﾄ」 are the same words, and so are
「ＤＸ」 and 「dx」. Imports no app."""

import re
import unicodedata

import pykakasi

# Katakana that have a hiragana twin (ァ..ヶ, U+30A1..U+30F6) sit 0x60 above it.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_SPACES = re.compile(r"\s+")
_kakasi = pykakasi.kakasi()


def normalize(text: str) -> str:
    """NFKC (full-width letters and half-width katakana to their usual forms), katakana to
    hiragana, lower case, runs of white space to one space, trimmed."""
    text = unicodedata.normalize("NFKC", text or "").translate(_KATAKANA_TO_HIRAGANA)
    return _SPACES.sub(" ", text.lower()).strip()


def romaji(reading: str) -> str:
    """The Hepburn spelling of a kana reading, word by word (やまだ はなこ → "yamada hanako");
    characters without a reading are dropped."""
    words = []
    for word in normalize(reading).split(" "):
        spelled = "".join(item["hepburn"] for item in _kakasi.convert(word))
        spelled = re.sub(r"[^a-z0-9]", "", spelled)
        if spelled:
            words.append(spelled)
    return " ".join(words)


def joined(*parts: str) -> str:
    """Normalised parts, one per line, as stored in a search column: a query (one line) never
    matches across two of them."""
    return "\n".join(filter(None, (normalize(part) for part in parts)))
