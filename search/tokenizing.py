"""The index tokens of documents (search.text.tokens of the title, the tags and the body: both
backends index these), in worker processes during a full reindex. Sudachi is most of a
rebuild's time and runs in Python; the workers read it on the other cores while the command
reads the next batch from the database and writes the last one to the index."""

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from search import text

Fields = tuple[list[str], list[str], list[str]]


def fields(document) -> Fields:
    return _tokens(_texts(document))


def _texts(document) -> tuple[str, str, str]:
    return document.title, " ".join(document.tags), document.body


def _tokens(texts: tuple[str, str, str]) -> Fields:
    title, tags, body = texts
    return text.tokens(title), text.tokens(tags), text.tokens(body)


def _many(batch: list[tuple[str, str, str]]) -> list[Fields]:
    return [_tokens(texts) for texts in batch]


def _warm() -> None:
    text.tokens("検索")  # the dictionary loaded before the first batch arrives


class Tokenizers:
    """``submit(documents)`` returns a function that waits for their fields. ``jobs`` worker
    processes (started fresh: nothing of this process's connections is shared); with one job,
    the fields are made here when asked for."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.pool = None

    def __enter__(self):
        if self.jobs > 1:
            self.pool = ProcessPoolExecutor(
                self.jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_warm
            )
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=exc[0] is not None)

    def submit(self, documents) -> Callable[[], list[Fields]]:
        batch = [_texts(document) for document in documents]
        if self.pool is None:
            return lambda: _many(batch)
        return self.pool.submit(_many, batch).result
