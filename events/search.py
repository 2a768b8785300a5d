"""Events for site search (registered from EventsConfig.ready): one document per series, its
title, description and fields of work, linked to its next occurrence (the latest one when none
is ahead) and dated by its start. Found by whoever may see the events of its group
(policies.can_see: whoever may read the group), through the groups' token "group:<id>". What
only confirmed registrants see (the meeting URL, the venue) is never in it."""

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityhall import markdown
from events.models import Occurrence, Series
from groups import search as group_search
from groups.chat.search import room_keys
from search import outbox, registry
from search.documents import Document

EVENT = "event"
REFRESH_SECONDS = 3600


def series_key(series_id: int) -> str:
    return f"{EVENT}:{series_id}"


def series_keys(series_ids: list[int]) -> list[str]:
    """The series' documents and those of the chat in their occurrences' rooms (one query each):
    what goes when the series go."""
    rooms = Occurrence.objects.filter(series__in=series_ids, room__isnull=False)
    return [series_key(pk) for pk in series_ids] + room_keys(rooms.values("room"))


def _group_keys(group_ids: list[int]) -> list[str]:
    series = Series.objects.filter(group__in=group_ids).values_list("pk", flat=True)
    return series_keys(list(series))


def _occurrence(rows, name: str) -> dict:
    return {f"{name}_{field}": Subquery(rows.values(field)[:1]) for field in ("pk", "starts_at")}


class EventProvider:
    kind = EVENT
    label = _("イベント")

    def documents(self, ids: list[int]) -> dict[int, Document]:
        ahead = Occurrence.objects.filter(
            series=OuterRef("pk"), status=Occurrence.Status.SCHEDULED, ends_at__gt=timezone.now()
        ).order_by("starts_at", "pk")
        latest = Occurrence.objects.filter(series=OuterRef("pk")).order_by("-starts_at", "-pk")
        rows = (
            Series.objects.filter(pk__in=ids)
            .prefetch_related("work_fields")
            .annotate(**_occurrence(ahead, "next"), **_occurrence(latest, "latest"),
                      organization_id=F("created_by__organization"))
        )  # fmt: skip
        return {series.pk: self._document(series) for series in rows if series.latest_pk}

    def _document(self, series: Series) -> Document:
        shown, start = series.next_pk, series.next_starts_at
        if shown is None:
            shown, start = series.latest_pk, series.latest_starts_at
        return Document(
            key=series_key(series.pk), kind=EVENT, title=series.title,
            body=markdown.plain_text(markdown.render(series.description).html),
            url=reverse("events:occurrence", args=[shown]), date=start,
            tags=tuple(field.name for field in series.work_fields.all()),
            group_id=series.group_id, organization_id=series.organization_id,
            requires=(group_search.group_token(series.group_id),),
        )  # fmt: skip

    def all_ids(self):
        return Series.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2000)

    def tokens(self, member) -> Iterable[str]:
        return ()  # events are seen by whoever may read the group: the groups' token


def refresh_passed(now=None) -> int:
    """The series whose occurrence ended lately link to their next one now: recorded again.
    Run every REFRESH_SECONDS, it looks three times as far back, so a run or two missed while
    no worker ran loses nothing (recording one twice does no harm)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=3 * REFRESH_SECONDS)
    ended = Occurrence.objects.filter(ends_at__gt=since, ends_at__lte=now)
    with transaction.atomic():
        keys = [series_key(pk) for pk in sorted(set(ended.values_list("series", flat=True)))]
        outbox.changed(*keys)
    return len(keys)


def register() -> None:
    registry.register(EventProvider())
    group_search.register_group_content(EVENT, _group_keys)
