"""Indexing as the site does it: a block of writes commits (its on-commit hooks enqueue the
outbox drain), then the queued tasks run with the real database-backed worker."""

from contextlib import contextmanager

import pytest

from search.services import Filters, search


@pytest.fixture
def indexed(committing, run_tasks):
    """``with indexed(): ...``: the block's writes committed and drained into the index."""

    @contextmanager
    def block():
        with committing():
            yield
        run_tasks()

    return block


def found(member, q: str, **filters) -> list[str]:
    """The keys ``member`` finds for ``q``, best first."""
    return [result.hit.key for result in search(member, Filters(q=q, **filters)).results]


def facet(results, name: str) -> dict:
    """{value: count} of one facet of a search's results."""
    return {value: count for value, _label, count in results.facets.get(name, [])}
