"""The transactional outbox: services call ``changed()`` inside the transaction of their write,
so the row exists exactly when the change does; on commit only the drain task is enqueued. The
drain writes what is there now (a document deleted meanwhile is taken out), so retries and
repeats do no harm."""

from collections import defaultdict
from functools import partial

from django.db import transaction
from django.db.models import F

from search import registry
from search.backends import get_backend
from search.models import Outbox

BATCH = 500
MAX_HIDDEN = 1000


def changed(*keys: str, hides: bool = False) -> None:
    """Record that these documents ("topic:12") must be indexed again. ``hides``: the change
    may hide them from someone (deleted, moved, restricted); searches leave them out until
    drained. Must run inside the writing transaction."""
    if not keys:
        return
    Outbox.objects.bulk_create([Outbox(key=key, hides=hides) for key in dict.fromkeys(keys)])
    _enqueue_on_commit()


def _enqueue_on_commit() -> None:
    from search.tasks import outbox_drain

    transaction.on_commit(partial(outbox_drain.enqueue), robust=True)


def hidden_keys() -> tuple[str, ...]:
    """Keys of pending changes that may hide a document, newest first, at most MAX_HIDDEN."""
    rows = Outbox.objects.filter(hides=True).order_by("-id").values_list("key", flat=True)
    return tuple(dict.fromkeys(rows[:MAX_HIDDEN]))


def drain(batch: int = BATCH) -> int:
    """Write the pending changes to the index, oldest first, a batch at a time; the rows go only
    once the backend has taken them. Returns how many rows were done. Raises what the backend
    raises (the rows stay, with their attempt counted)."""
    done = 0
    while rows := list(Outbox.objects.order_by("id")[:batch]):
        ids = [row.id for row in rows]
        try:
            _write([row.key for row in rows])
        except Exception:
            Outbox.objects.filter(id__in=ids).update(attempts=F("attempts") + 1)
            raise
        Outbox.objects.filter(id__in=ids).delete()
        done += len(rows)
    return done


def _write(keys: list[str]) -> None:
    wanted: dict[str, list[int]] = defaultdict(list)
    gone = []
    for key in dict.fromkeys(keys):
        split = registry.split_key(key)
        if split is None:
            gone.append(key)
        else:
            wanted[split[0]].append(split[1])
    documents = []
    for kind, ids in wanted.items():
        found = registry.provider(kind).documents(ids)
        documents += found.values()
        gone += [f"{kind}:{pk}" for pk in ids if pk not in found]
    get_backend().write(documents, gone)


def backlog() -> dict:
    """How many changes wait for the index, and how long the oldest has waited (seconds)."""
    from django.utils import timezone

    oldest = Outbox.objects.order_by("id").values_list("created", flat=True).first()
    waited = None if oldest is None else round((timezone.now() - oldest).total_seconds(), 1)
    return {"pending": Outbox.objects.count(), "oldest_seconds": waited}
