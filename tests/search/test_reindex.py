"""manage.py search_reindex, with a provider of its own: the index is built again from the
providers, searches read the old index until the swap, and changes made meanwhile are in the new
one. On the embedded backend, and on Meilisearch when MEILISEARCH_URL is set."""

import io
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from search import outbox, registry, text
from search.backends import get_backend
from search.documents import EVERYONE, Document, Query
from search.models import Entry, Outbox


def _backends():
    yield "embedded"
    if os.environ.get("MEILISEARCH_URL"):
        yield "meilisearch"


@pytest.fixture(params=list(_backends()))
def backend(request, db, settings):
    settings.SEARCH_BACKEND = request.param
    if request.param == "meilisearch":
        settings.MEILISEARCH_URL = os.environ["MEILISEARCH_URL"]
        settings.MEILISEARCH_API_KEY = os.environ.get("MEILISEARCH_API_KEY", "")
        settings.MEILISEARCH_INDEX = f"test_{uuid.uuid4().hex[:12]}"
    get_backend.cache_clear()
    made = get_backend()
    made.clear()
    yield made
    made.clear()
    get_backend.cache_clear()


def memo(pk: int, title: str) -> Document:
    return Document(key=f"memo:{pk}", kind="memo", title=title, body="", url=f"/memos/{pk}",
                    date=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=pk))  # fmt: skip


@dataclass
class Memos:
    """A provider over a dict; ``during`` runs when the second batch is read, that is in the
    middle of a rebuild."""

    rows: dict[int, str]
    during: object = None
    reads: list = field(default_factory=list)
    kind = "memo"
    label = "メモ"

    def documents(self, ids):
        self.reads.append(list(ids))
        if len(self.reads) == 2 and self.during:
            self.during()
        return {pk: memo(pk, self.rows[pk]) for pk in ids if pk in self.rows}

    def all_ids(self):
        return iter(sorted(self.rows))

    def tokens(self, member):
        return ()


@pytest.fixture
def memos(monkeypatch):
    provider = Memos(rows={1: "財政の見通し", 2: "財政計画の案"})
    monkeypatch.setattr(registry, "_providers", dict(registry._providers))  # restored after
    registry.register(provider)
    return provider


def found(backend, q: str) -> list[str]:
    page = backend.search(Query(terms=tuple(text.parse(q)), tokens=frozenset({EVERYONE})))
    return sorted(hit.key for hit in page.hits)


def test_reindex_builds_the_index_from_every_provider(backend, memos):
    backend.write([memo(9, "財政の古い記録")], [])  # indexed once, gone from the provider since
    err, out = io.StringIO(), io.StringIO()
    call_command("search_reindex", stderr=err, stdout=out)
    assert found(backend, "財政") == ["memo:1", "memo:2"]
    assert memos.reads == [[1, 2]]
    assert "2/2" in err.getvalue()  # the progress bar
    assert "2" in out.getvalue()


def test_searches_read_the_old_index_until_the_swap(backend, memos):
    backend.write([memo(9, "財政の古い記録")], [])
    seen = []

    def during():
        seen.append(found(backend, "財政"))
        memos.rows[1] = "財政の見通し（改訂）"  # already read into the new index
        memos.rows[3] = "財政の新しいメモ"  # not among the ids being read
        with transaction.atomic():
            outbox.changed("memo:1", "memo:3")
        outbox.drain()  # the worker's drain, while the rebuild runs

    memos.during = during
    call_command("search_reindex", "--quiet", "--batch", "1")
    assert memos.reads[:2] == [[1], [2]]
    assert seen == [["memo:9"]]
    assert found(backend, "財政") == ["memo:1", "memo:2", "memo:3"]
    assert found(backend, "改訂") == ["memo:1"]


def test_changes_still_in_the_outbox_are_applied_after_the_swap(backend, memos):
    def during():
        memos.rows[1] = "財政の見通し（改訂）"
        with transaction.atomic():
            outbox.changed("memo:1")

    memos.during = during
    call_command("search_reindex", "--quiet", "--batch", "1")
    assert found(backend, "改訂") == ["memo:1"]
    assert not Outbox.objects.exists()


def test_a_batch_below_one_is_refused(backend, memos):
    with pytest.raises(CommandError):
        call_command("search_reindex", "--quiet", "--batch", "0")
    assert found(backend, "財政") == []


def test_a_change_drained_during_the_rebuild_wins_over_a_batch_read_before_it(backend, memos):
    memos.rows[3] = "財政の三つ目"

    def during():  # after the batch holding memo 1 was read, before it is written
        memos.rows[1] = "財政の見通し（改訂）"
        with transaction.atomic():
            outbox.changed("memo:1")
        outbox.drain()

    memos.during = during
    call_command("search_reindex", "--quiet", "--batch", "1")
    assert found(backend, "改訂") == ["memo:1"]
    assert found(backend, "見通し") == ["memo:1"]  # one entry for the key, the new one


def test_a_document_taken_out_during_the_rebuild_stays_out(settings, memos, db):
    """The embedded backend marks the key in the generation being built. (Meilisearch has no
    such mark: its batch read before the deletion is written after it.)"""
    settings.SEARCH_BACKEND = "embedded"
    get_backend.cache_clear()
    backend = get_backend()
    backend.clear()

    def during():
        del memos.rows[1]
        with transaction.atomic():
            outbox.changed("memo:1", hides=True)
        outbox.drain()

    memos.during = during
    call_command("search_reindex", "--quiet", "--batch", "1")
    assert found(backend, "財政") == ["memo:2"]
    assert Entry.objects.filter(key="memo:1").count() == 0  # nor a mark left behind
    memos.rows[1] = "財政の見通し"
    with transaction.atomic():
        outbox.changed("memo:1")
    outbox.drain()
    assert found(backend, "財政") == ["memo:1", "memo:2"]
    get_backend.cache_clear()


def test_worker_processes_tokenise_as_this_process_does(backend, memos, monkeypatch):
    from search.management.commands import search_reindex

    memos.rows.update({n: f"財政の見通し その{n}（申込み）" for n in range(3, 40)})
    call_command("search_reindex", "--quiet", "--batch", "7", "--jobs", "1")
    alone = [found(backend, q) for q in ("財政", "申し込み", "見通し")]
    monkeypatch.setattr(search_reindex, "WORKERS_FROM", 1)
    call_command("search_reindex", "--quiet", "--batch", "7", "--jobs", "2")
    assert [found(backend, q) for q in ("財政", "申し込み", "見通し")] == alone
    assert len(alone[1]) == 20  # a page of the 37 holding 申込み


def test_jobs_below_one_are_refused(backend, memos):
    with pytest.raises(CommandError):
        call_command("search_reindex", "--quiet", "--jobs", "0")
