"""Japanese text as the search index sees it. SudachiPy splits text into words and gives each its
normalised form, which already joins okurigana and long-vowel variants (申込・申込み・申し込み,
サーバ・サーバー); NFKC joins full- and half-width forms; the synonym list (editable data in
``search/data/synonyms.tsv``, or the file SEARCH_SYNONYMS_FILE names) joins abbreviations and
government synonyms at query time. Both backends index the same tokens."""

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import islice, product
from typing import NamedTuple

from django.conf import settings
from sudachipy import Dictionary, SplitMode

from cityhall import text as base

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_SPELLINGS = 16
# Parts of speech that carry no meaning of their own in a query or an index.
_SKIPPED = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# The parts of speech of a text's content words (keywords()): nouns, but not numbers.
_CONTENT = {"名詞", "形状詞"}
MAX_KEYWORDS = 16
_UNSAFE = re.compile(r"['\"\\\s\x00-\x1f*^:(){}\[\]]")
_KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@cache
def _dictionary():
    return Dictionary(dict="core")


_local = threading.local()


def _tokenizer():
    """One tokenizer per thread: SudachiPy refuses a tokenizer used by two threads at once."""
    if not hasattr(_local, "tokenizer"):
        _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.A)
    return _local.tokenizer


def normalize(text: str) -> str:
    """NFKC, lower case, NUL and control characters gone, runs of white space as one space."""
    return base.fold(text)


def _clean(word: str) -> str:
    return _UNSAFE.sub("", word).strip()


@lru_cache(maxsize=100_000)
def _word(form: str) -> str:
    return _clean(form.lower())


def _content(morphemes):
    for morpheme in morphemes:
        if morpheme.part_of_speech()[0] not in _SKIPPED:
            word = _word(morpheme.normalized_form())
            if word:
                yield morpheme, word


def _words(text: str, mode: SplitMode) -> list[str]:
    return [word for _, word in _content(_tokenizer().tokenize(text, mode))]


def _chunks(text: str, size: int = 4000, ends: str = "\n"):
    """Sudachi refuses very long input: cut after the last of ``ends`` (line ends) under
    ``size``, or anywhere when there is none."""
    while len(text) > size:
        cut = max(text.rfind(end, 0, size - 1) for end in ends) + 1
        cut = cut if cut > 0 else size
        yield text[:cut]
        text = text[cut:]
    yield text


def tokens(text: str) -> list[str]:
    """Index tokens of ``text``, in order: each word of the coarsest split, preceded by its
    parts in the finest split when it has several (単身赴任手当 → 単身 赴任 手当 単身赴任手当),
    so that a query finds a part of a compound and the compound alike; each normalised, and
    also as written when that differs."""
    found: list[str] = []
    for chunk in _chunks(normalize(text)):
        for morpheme, word in _content(_tokenizer().tokenize(chunk, SplitMode.C)):
            parts = morpheme.split(SplitMode.A)
            for part, part_word in _content(parts) if len(parts) > 1 else ():
                found += _as_written(part, part_word)
            found += _as_written(morpheme, word)
    return found


def _as_written(morpheme, word: str) -> list[str]:
    """The normalised word, and the word as written where that differs: Sudachi reads 引継書's
    書 as 書き in some sentences, while a query 引き継ぎ書 asks for 書."""
    written = _word(morpheme.surface())
    return [word, written] if written and written != word else [word]


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
    """A member's query as terms: split at white space, each term with its spellings through the
    synonyms. At most MAX_TERMS terms from the first MAX_QUERY_CHARS characters; terms without
    a word, and a term said again, left out."""
    return _terms(query)[:MAX_TERMS]


def dropped_terms(query: str) -> int:
    """How many of the query's terms parse leaves out for being past the first MAX_TERMS."""
    return max(0, len(_terms(query)) - MAX_TERMS)


def _terms(query: str) -> list[Term]:
    terms, seen = [], set()
    for part in normalize(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS].split(" "):
        spellings = _spellings(words(part))
        if spellings and spellings not in seen:
            seen.add(spellings)
            terms.append(Term(part, spellings))
    return terms


def _spellings(found: list[str]) -> tuple[tuple[str, ...], ...]:
    """Every way to write these words with synonyms: the longest run of words that is a synonym
    group's term is replaced by each other term of its group (未納者 → 未納 者 | 滞納 者). At
    most MAX_SPELLINGS, the words as written first."""
    slots: list[list[tuple[str, ...]]] = []
    index, known = 0, synonym_words()
    while index < len(found):
        for end in range(len(found), index, -1):
            run = tuple(found[index:end])
            if run in known:
                slots.append([run, *known[run]])
                index = end
                break
        else:
            slots.append([(found[index],)])
            index += 1
    spellings = (tuple(w for part in combo for w in part) for combo in product(*slots))
    return tuple(islice(dict.fromkeys(spellings), MAX_SPELLINGS)) if slots else ()


@cache
def synonym_words() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The synonym list in words: {words of a term: words of each other term of its group}."""
    known: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for term, others in synonyms().items():
        key = tuple(words(term))
        if key:
            alternatives = [tuple(words(other)) for other in others]
            known[key] = tuple(a for a in dict.fromkeys(alternatives) if a and a != key)
    return known


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


def _found(text: str, wanted: set[str], chunks):
    """(start, end) of each word of ``text`` whose normalised form is in ``wanted``, in order,
    reading ``text`` as the given chunks of it, one at a time."""
    offset = 0
    for chunk in chunks:
        for morpheme in _tokenizer().tokenize(chunk, SplitMode.A):
            if _word(morpheme.normalized_form()) in wanted:
                yield offset + morpheme.begin(), offset + morpheme.end()
        offset += len(chunk)


def surfaces(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` whose normalised form is in ``wanted``, for
    highlighting: 申込み in a document is marked for a query that said 申し込み."""
    return list(_found(text, wanted, _chunks(text)))


class Surfaces(NamedTuple):
    spans: list[tuple[int, int]]
    read: int  # how many characters of the text were read


def first_surfaces(text: str, wanted: set[str], piece: int = 300) -> Surfaces:
    """(start, end) of every word of ``text`` whose normalised form is in ``wanted``, in the
    first few sentences that hold one, and how far that read: a few sentences at a time, so
    that a word near the start costs only those. No spans when no word is found."""
    offset = 0
    for chunk in _chunks(text, piece, ends="。\n"):
        spans = [(offset + start, offset + end) for start, end in _found(chunk, wanted, [chunk])]
        offset += len(chunk)
        if spans:
            return Surfaces(spans, offset)
    return Surfaces([], offset)


class Forms(NamedTuple):
    """Text as the member directory keeps it besides its plain form (cityhall.text.normalize):
    the normalised forms of its words run together, and its reading, both in hiragana."""

    normalised: str
    reading: str


def directory_forms(text: str) -> Forms:
    """The finest split's normalised forms and readings, run together: 申込み受付 → 申し込み受け付け
    and もうしこみうけつけ; サーバ管理 → さーばー管理 and さーばかんり. Words without kanji are
    read as written (ＤＸ → dx), so that a reading in kana is its own reading."""
    forms, readings = [], []
    for chunk in _chunks(normalize(text)):
        for morpheme in _tokenizer().tokenize(chunk, SplitMode.A):
            if morpheme.part_of_speech()[0] == "空白":
                forms.append(" ")
                readings.append(" ")
                continue
            surface = morpheme.surface()
            forms.append(morpheme.normalized_form())
            readings.append(morpheme.reading_form() if _KANJI.search(surface) else surface)
    return Forms(base.normalize("".join(forms)), base.normalize("".join(readings)))


def reading(text: str) -> str:
    """The reading of ``text`` in hiragana: 申し込み → もうしこみ, ＤＸ → dx."""
    return directory_forms(text).reading
