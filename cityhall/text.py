"""Text as search compares it: one normaliser for the member directory, the @mention lookup and
site search (search.text builds on ``fold``), so that 「ＤＸ」 and 「dx」 are the same words, and
for the directory 「ヤマモト」, 「やまもと」 and 「ﾔﾏﾓﾄ」 too. Imports no app."""

import re
import unicodedata

import pykakasi

# Katakana that have a hiragana twin (ァ..ヶ, U+30A1..U+30F6) sit 0x60 above it.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_SPACES = re.compile(r"\s+")
_kakasi = pykakasi.kakasi()


def fold(text: str) -> str:
    """NFKC (full-width letters and half-width katakana to their usual forms), lower case,
    control characters as spaces, runs of white space to one space, trimmed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return _SPACES.sub(" ", text.lower()).strip()


def blank(text: str) -> bool:
    """Whether ``text`` shows nothing: white space and invisible format characters only
    (zero-width spaces and joiners, the BOM, soft hyphens)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def hiragana(text: str) -> str:
    """Katakana as hiragana (モウシコミ → もうしこみ); everything else as it is."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


def normalize(text: str) -> str:
    """``fold``, then katakana to hiragana: what the directory's columns hold."""
    return hiragana(fold(text))


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
    """Normalised parts, one per line and each once, as stored in a search column: a query (one
    line) never matches across two of them."""
    return "\n".join(dict.fromkeys(filter(None, (normalize(part) for part in parts))))
