"""Background tasks that run on a clock (reminders, lottery draws), which the apps register from
their ``AppConfig.ready()``. The worker (``manage.py run_worker``) calls ``enqueue_due()`` with
its heartbeat; each task is enqueued once per interval however many workers run (a key added
to the cache per time slot). The tasks themselves must be idempotent: a slot may be missed
while no worker runs, and the next slot does the work. A base module: it imports no app."""

from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.utils import timezone


@dataclass(frozen=True)
class PeriodicTask:
    key: str  # e.g. "events.tick"
    every_seconds: int
    task: object  # a django.tasks Task taking no arguments
    _position: int = field(default=0, compare=False, repr=False)


_tasks: dict[str, PeriodicTask] = {}


def register(item: PeriodicTask) -> PeriodicTask:
    """Make ``item`` known (registering a key again replaces it, in its first place)."""
    position = _tasks[item.key]._position if item.key in _tasks else len(_tasks)
    _tasks[item.key] = item = replace(item, _position=position)
    return item


def registered() -> list[PeriodicTask]:
    return sorted(_tasks.values(), key=lambda item: item._position)


def enqueue_due(now=None) -> list[str]:
    """Enqueue every task whose current time slot has not been claimed yet; their keys."""
    now = now or timezone.now()
    enqueued = []
    for item in registered():
        slot = int(now.timestamp() // item.every_seconds)
        if cache.add(f"periodic:{item.key}:{slot}", True, item.every_seconds * 2):
            item.task.enqueue()
            enqueued.append(item.key)
    return enqueued
