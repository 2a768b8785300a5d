"""The search backends' contract: every backend available here runs the same tests. The
embedded one always; Meilisearch when MEILISEARCH_URL is set (each run in its own index)."""

import os
import uuid

import pytest

from search.backends.embedded import EmbeddedBackend


def _backends():
    yield pytest.param("embedded", id="embedded")
    if os.environ.get("MEILISEARCH_URL"):
        yield pytest.param("meilisearch", id="meilisearch")


@pytest.fixture(params=list(_backends()))
def backend(request, db):
    if request.param == "embedded":
        made = EmbeddedBackend()
    else:
        from search.backends.meili import MeilisearchBackend

        made = MeilisearchBackend(
            os.environ["MEILISEARCH_URL"], os.environ.get("MEILISEARCH_API_KEY", ""),
            f"test_{uuid.uuid4().hex[:12]}",
        )  # fmt: skip
    made.clear()
    yield made
    made.clear()
