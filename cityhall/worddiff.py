"""What changed between two texts, word by word, for people to read: runs of unchanged,
deleted and inserted text. Japanese has no spaces between words, so text is cut where the kind
of character changes (kanji, hiragana, katakana, Latin letters and digits, spaces), and every
punctuation mark and line break is a word of its own: 「税務部へ異動」→「財政部へ異動」 marks
税務部 deleted and 財政部 inserted, not the whole sentence."""

import difflib
import re

EQUAL, DELETE, INSERT = "equal", "delete", "insert"

_KINDS = [
    ("kanji", r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]"),
    ("hiragana", r"[\u3041-\u309f]"),
    ("katakana", r"[\u30a0-\u30ff\uff66-\uff9fー]"),
    ("word", r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a_\u00c0-\u024f]"),
    ("space", r"[ \t\u3000]"),
]
_TOKEN = re.compile("|".join(f"{pattern}+" for _name, pattern in _KINDS) + r"|\n|.", re.DOTALL)


def tokens(text: str) -> list[str]:
    """``text`` cut into words as described above; joined again they give ``text`` back."""
    return _TOKEN.findall(text)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``[(kind, text), ...]`` with kind EQUAL, DELETE or INSERT; the EQUAL and DELETE pieces
    joined give ``before``, the EQUAL and INSERT pieces give ``after``. A replaced stretch is
    its deletion followed by its insertion."""
    old, new = tokens(before), tokens(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(pieces, EQUAL, "".join(old[i1:i2]))
            continue
        if op in ("delete", "replace"):
            _add(pieces, DELETE, "".join(old[i1:i2]))
        if op in ("insert", "replace"):
            _add(pieces, INSERT, "".join(new[j1:j2]))
    return pieces


def _add(pieces: list, kind: str, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1][0] == kind:
        pieces[-1] = (kind, pieces[-1][1] + text)
    else:
        pieces.append((kind, text))


def changed(pieces: list[tuple[str, str]]) -> bool:
    return any(kind != EQUAL for kind, _text in pieces)
