"""Japanese text as the search index sees it. SudachiPy splits text into words and gives each its
normalised form, which already joins okurigana and long-vowel variants (申込・申込み・申し込み,
サーバ・サーバー); NFKC joins full- and half-width forms; the synonym list (editable data in
``search/data/synonyms.tsv``, or the file SEARCH_SYNONYMS_FILE names) joins abbreviations and
government synonyms at query time. Both backends index the same tokens."""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from sudachipy import Dictionary, SplitMode

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
# Parts of speech that carry no meaning of their own in a query or an index.
_SKIPPED = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# The parts of speech of a text's content words (keywords()): nouns, but not numbers.
_CONTENT = {"名詞", "形状詞"}
MAX_KEYWORDS = 16
_UNSAFE = re.compile(r"['\"\\\s\x00-\x1f*^:(){}\[\]]")
_SPACES = re.compile(r"\s+")


@cache
def _tokenizer():
    return Dictionary(dict="core").create(SplitMode.A)


def normalize(text: str) -> str:
    """NFKC, lower case, NUL and control characters gone, runs of white space as one space."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return _SPACES.sub(" ", text.lower()).strip()


def _clean(word: str) -> str:
    return _UNSAFE.sub("", word).strip()


def _words(text: str, mode: SplitMode) -> list[str]:
    found = []
    for morpheme in _tokenizer().tokenize(text, mode):
        if morpheme.part_of_speech()[0] in _SKIPPED:
            continue
        word = _clean(normalize(morpheme.normalized_form()))
        if word:
            found.append(word)
    return found


def _chunks(text: str, size: int = 4000):
    """Sudachi refuses very long input: cut at line ends (or anywhere) under ``size``."""
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        yield text[:cut]
        text = text[cut:]
    yield text


def tokens(text: str) -> list[str]:
    """Index tokens of ``text``: the normalised words of the finest split (債権管理条例 →
    債権 管理 条例) followed by the compounds of the coarsest one (単身赴任手当), in order."""
    found: list[str] = []
    for chunk in _chunks(normalize(text)):
        fine = _words(chunk, SplitMode.A)
        found += fine
        found += [word for word in _words(chunk, SplitMode.C) if word not in fine]
    return found


def words(text: str) -> list[str]:
    """The words of a query term (finest split), in order, once each."""
    return list(dict.fromkeys(_words(normalize(text), SplitMode.A)))


@dataclass(frozen=True)
class Term:
    """One term of a query: it matches a document holding every word of any one of its
    spellings (the term itself, then its synonyms)."""

    text: str
    spellings: tuple[tuple[str, ...], ...]


def parse(query: str) -> list[Term]:
    """A member's query as terms: split at white space, each term with its synonyms. At most
    MAX_TERMS terms from the first MAX_QUERY_CHARS characters; terms without a word left out."""
    terms = []
    for part in normalize(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS].split(" "):
        spellings = []
        for spelling in [part, *synonyms().get(part, ())]:
            found = tuple(words(spelling))
            if found and found not in spellings:
                spellings.append(found)
        if spellings:
            terms.append(Term(part, tuple(spellings)))
    return terms[:MAX_TERMS]


def _content_words(text: str, mode: SplitMode) -> list[str]:
    found = []
    for morpheme in _tokenizer().tokenize(text, mode):
        kind = morpheme.part_of_speech()
        if kind[0] in _CONTENT and kind[1] != "数詞":
            found.append(_clean(normalize(morpheme.normalized_form())))
    return [word for word in found if word]


def keywords(text: str) -> list[Term]:
    """The content words of ``text`` (nouns, no numbers), each a term of its own with its
    synonyms: the finest split, then the coarsest compounds (督促状の文例を教えて → 督促, 文例,
    督促状). For searches that want any of the words, ranked (a new topic's title)."""
    clipped = normalize(text[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
    fine, coarse = (_content_words(clipped, mode) for mode in (SplitMode.A, SplitMode.C))
    terms = []
    for word in dict.fromkeys(fine + coarse):
        spellings = [(word,)] + [tuple(words(other)) for other in synonyms().get(word, ())]
        terms.append(Term(word, tuple(dict.fromkeys(s for s in spellings if s))))
    return terms[:MAX_KEYWORDS]


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """{normalised term: the other terms of its group}; one group per line, tab-separated."""
    groups: dict[str, tuple[str, ...]] = {}
    with open(settings.SEARCH_SYNONYMS_FILE, encoding="utf-8") as lines:
        for line in lines:
            group = [normalize(term) for term in line.split("\t") if normalize(term)]
            if line.startswith("#") or len(group) < 2:
                continue
            for term in group:
                groups[term] = tuple(dict.fromkeys(t for t in group if t != term))
    return groups


def surfaces(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` whose normalised form is in ``wanted``, for
    highlighting: 申込み in a document is marked for a query that said 申し込み."""
    spans = []
    offset = 0
    for chunk in _chunks(text):
        for morpheme in _tokenizer().tokenize(chunk, SplitMode.A):
            if _clean(normalize(morpheme.normalized_form())) in wanted:
                spans.append((offset + morpheme.begin(), offset + morpheme.end()))
        offset += len(chunk)
    return spans
