"""Loading an occurrence or a series for a member, or raising ``Http404``: the same 404 for
one that does not exist and one the member may not see (nor, for organizers' pages, manage).
Views, the calendar and the chat ask these; ids leak nothing."""

from dataclasses import dataclass

from django.http import Http404

from events import policies
from events.models import Occurrence, Registration, Series
from groups.models import Membership


@dataclass
class SeriesAccess:
    series: Series
    membership: Membership | None
    organizer_ids: frozenset

    def may_manage(self, member) -> bool:
        return policies.can_manage(member, self.series, self.membership, self.organizer_ids)


@dataclass
class OccurrenceAccess(SeriesAccess):
    occurrence: Occurrence
    registration: Registration | None

    def sees_meeting_details(self, member) -> bool:
        return policies.sees_meeting_details(
            member, self.occurrence, self.membership, self.registration, self.organizer_ids
        )

    def may_enter_room(self, member) -> bool:
        return policies.can_enter_room(
            member, self.occurrence, self.membership, self.registration, self.organizer_ids
        )

    def room_open_to(self, member, now) -> bool:
        return policies.room_open_to(
            member, self.occurrence, self.membership, self.registration, self.organizer_ids, now
        )

    def may_write_in_room(self, member, now) -> bool:
        return policies.can_write_in_room(
            member, self.occurrence, self.membership, self.registration, self.organizer_ids, now
        )

    def may_register(self, member) -> bool:
        return policies.can_register(member, self.occurrence, self.membership)


def _membership(member, series: Series) -> Membership | None:
    if not getattr(member, "is_authenticated", False):
        return None
    return Membership.objects.filter(group=series.group_id, member=member).first()


def _organizer_ids(series: Series) -> frozenset:
    return frozenset(series.organizers.values_list("pk", flat=True))


def series_for(member, series_id: int) -> SeriesAccess:
    series = Series.objects.select_related("group").filter(pk=series_id).first()
    if series is None:
        raise Http404
    membership = _membership(member, series)
    if not policies.can_see(member, series, membership):
        raise Http404
    return SeriesAccess(series, membership, _organizer_ids(series))


def managed_series_for(member, series_id: int) -> SeriesAccess:
    found = series_for(member, series_id)
    if not found.may_manage(member):
        raise Http404
    return found


def occurrence_for(member, occurrence_id: int) -> OccurrenceAccess:
    return _occurrence_access(member, _occurrences().filter(pk=occurrence_id).first())


def _occurrences():
    return Occurrence.objects.select_related("series__group", "room")


def _occurrence_access(member, occurrence: Occurrence | None) -> OccurrenceAccess:
    if occurrence is None:
        raise Http404
    series = occurrence.series
    membership = _membership(member, series)
    if not policies.can_see(member, series, membership):
        raise Http404
    registration = None
    if getattr(member, "is_authenticated", False):
        registration = Registration.objects.filter(occurrence=occurrence, member=member).first()
    return OccurrenceAccess(series, membership, _organizer_ids(series), occurrence, registration)


def managed_occurrence_for(member, occurrence_id: int) -> OccurrenceAccess:
    found = occurrence_for(member, occurrence_id)
    if not found.may_manage(member):
        raise Http404
    return found


def occurrence_for_room(member, room_id: int) -> OccurrenceAccess:
    """The occurrence whose chat room is ``room_id``, if ``member`` may enter that room."""
    found = _occurrence_access(member, _occurrences().filter(room_id=room_id).first())
    if not found.may_enter_room(member):
        raise Http404
    return found
