from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from search import outbox

RETRY_SECONDS = (5, 30, 120, 600)


@task()
def outbox_drain(attempt: int = 0) -> int:
    """Empty the search outbox. When the search server fails, try again later (5 s, 30 s, 2 min,
    then every 10 min; the periodic tick enqueues a drain each minute as well), so nothing is
    lost while it is down."""
    try:
        return outbox.drain()
    except Exception:
        delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
        run_after = timezone.now() + timedelta(seconds=delay)
        outbox_drain.using(run_after=run_after).enqueue(attempt=attempt + 1)
        return 0
