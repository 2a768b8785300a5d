"""Loading an occurrence or a series for a member, or raising ``Http404``: the same 404 for
one that does not exist and one the member may not see (nor, for organizers' pages, manage).
Views, the calendar and the chat ask these; ids leak nothing."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404

from events import policies
from events.models import Occurrence, Registration, Series
from groups.models import Membership


@dataclass
class SeriesAccess:
    series: Series
    membership: Membership | None
    organizer_ids: frozenset  # the series' organizers (for an occurrence: the member, or none)

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

    def may_register(self, member) -> bool:
        return policies.can_register(member, self.occurrence, self.membership)


def _membership(member, series: Series) -> Membership | None:
    if not getattr(member, "is_authenticated", False):
        return None
    return Membership.objects.filter(group=series.group_id, member=member).first()


def _organizer_ids(series: Series) -> frozenset:
    return frozenset(series.organizers.values_list("pk", flat=True))


def _organizes(member):
    """Whether ``member`` organizes the row's series, as an annotation (no query of its own)."""
    return Exists(
        Series.organizers.through.objects.filter(series=OuterRef("series"), user=member.pk)
    )


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
    if not getattr(member, "is_authenticated", False):
        raise Http404
    waiting = Registration.objects.filter(
        occurrence=OuterRef("pk"), status=Registration.Status.WAITLISTED
    )
    waitlisted = waiting.values("occurrence").annotate(n=Count("pk")).values("n")
    occurrence = (
        Occurrence.objects.select_related("series__group")
        .annotate(organizes=_organizes(member), waitlisted_count=Subquery(waitlisted))
        .filter(pk=occurrence_id).first()
    )  # fmt: skip
    if occurrence is None:
        raise Http404
    series = occurrence.series
    membership = _membership(member, series)
    if not policies.can_see(member, series, membership):
        raise Http404
    registration = Registration.objects.filter(occurrence=occurrence, member=member).first()
    organizers = frozenset([member.pk]) if occurrence.organizes else frozenset()
    return OccurrenceAccess(series, membership, organizers, occurrence, registration)


def managed_occurrence_for(member, occurrence_id: int) -> OccurrenceAccess:
    found = occurrence_for(member, occurrence_id)
    if not found.may_manage(member):
        raise Http404
    return found


def occurrence_for_room(member, room_id: int) -> OccurrenceAccess:
    """The occurrence whose chat room is ``room_id``, if ``member`` may enter that room."""
    occurrence_id = Occurrence.objects.filter(room_id=room_id).values_list("pk", flat=True).first()
    if occurrence_id is None:
        raise Http404
    found = occurrence_for(member, occurrence_id)
    if not found.may_enter_room(member):
        raise Http404
    return found
