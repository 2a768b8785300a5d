"""An occurrence's chat room: events claims the rooms without a group that occurrences hold
(registered from EventsConfig.ready as groups.chat's RoomOwner "events"), and answers for
them from events.access and events.policies. The chat (socket, services, pages) does the rest."""

from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from events import access, selectors
from events.models import Occurrence
from groups.chat import owners

KEY = "events"  # Room.owner_key of an occurrence's room


def grant_for(member, found: access.OccurrenceAccess, now=None) -> owners.Grant:
    """What ``member`` may do in the occurrence's room now; Http404 while they may not be
    there (not a registrant nor an organizer, or the room is not open yet)."""
    now = now or timezone.now()
    if not found.room_open_to(member, now):
        raise Http404
    occurrence = found.occurrence
    return owners.Grant(
        title=room_title(found), url=reverse("events:chat", args=[occurrence.pk]),
        send=found.may_write_in_room(member, now), moderate=found.may_manage(member),
        group=found.series.group,
    )  # fmt: skip


def room_title(found: access.OccurrenceAccess) -> str:
    return _title(found.series, found.occurrence)


def _title(series, occurrence) -> str:
    when = formats.date_format(timezone.localtime(occurrence.starts_at), "DATETIME_FORMAT")
    return _("%(title)s(%(when)s)") % {"title": series.title, "when": when}


def _describe(room_ids: list[int]) -> dict[int, owners.RoomInfo]:
    """For site search: each occurrence room's title, page and group (one query)."""
    found = Occurrence.objects.filter(room__in=room_ids).select_related("series")
    return {
        occurrence.room_id: owners.RoomInfo(
            title=_title(occurrence.series, occurrence),
            url=reverse("events:chat", args=[occurrence.pk]), group_id=occurrence.series.group_id,
        )
        for occurrence in found
    }  # fmt: skip


def _grant(member, room_id: int) -> owners.Grant:
    return grant_for(member, access.occurrence_for_room(member, room_id))


def register() -> None:
    owners.register(owners.RoomOwner(key=KEY, grant=_grant,
                                     rooms_open_to=selectors.room_ids_open_to,
                                     describe=_describe))  # fmt: skip
