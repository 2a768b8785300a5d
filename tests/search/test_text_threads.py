"""Japanese text is read in several threads at once: daphne runs views and signal handlers in a
thread pool, and two members saving at the same moment must both be indexed."""

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
