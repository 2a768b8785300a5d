"""The events clock (registered with cityhall.periodic, every minute): reminders, lottery draws
at their closing time, and new occurrences as the horizon moves. Each step is idempotent, so a
run repeated or cut short by a restart sends nothing twice."""

import logging

from django.core.exceptions import ValidationError
from django.tasks import task
from django.utils import timezone

from events import search, services
from events.models import Series

logger = logging.getLogger(__name__)


@task
def events_tick() -> dict:
    drawn = 0
    for occurrence in services.lotteries_due():
        try:
            services.lottery_draw(occurrence=occurrence)
            drawn += 1
        except ValidationError as error:
            logger.warning("lottery of occurrence %s not drawn: %s", occurrence.pk, error)
    reminded = services.reminders_send()  # after the draws: winners are reminded at once
    repeating = Series.objects.exclude(rule="").exclude(repeat_until__lt=timezone.localdate())
    added = sum(services.occurrences_extend(series) for series in repeating)
    return {"reminded": reminded, "drawn": drawn, "added": added}


@task
def search_refresh() -> int:
    """Series whose occurrence has just ended are indexed again (linked to their next one)."""
    return search.refresh_passed()
