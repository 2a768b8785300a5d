"""Loading an occurrence or a series for a member, or raising ``Http404``: the same 404 for
one that does not exist and one the member may not see (nor, for organizers' pages, manage).
Views, the calendar and the chat ask these; ids leak nothing."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import Http404

from cityhall.compiled import FixedQuerySet
from cityhall.policies import is_verified_member
from events import policies, selectors
from events.models import CalendarToken, Occurrence, Registration, Series
from groups.models import Membership

TOKEN_MAX_LENGTH = CalendarToken._meta.get_field("token").max_length


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
    return next(iter(_MEMBERSHIP(series.group_id, member)), None)


def _membership_of(group_id, member, *, shape=None):
    return Membership.objects.filter(group=group_id, member=member).order_by("pk")[:1]


_MEMBERSHIP = FixedQuerySet(_membership_of)


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
    return _occurrence_access(member, next(iter(_OCCURRENCE(occurrence_id, member)), None))


def _occurrence(occurrence_id, member, *, shape=None):
    return _occurrences(member).filter(pk=occurrence_id).order_by("pk")[:1]


_OCCURRENCE = FixedQuerySet(_occurrence)


def _occurrences(member):
    """Occurrences with their series, group and room, whether ``member`` organizes each and
    how many wait on its waitlist (no query of their own)."""
    waiting = Registration.objects.filter(
        occurrence=OuterRef("pk"), status=Registration.Status.WAITLISTED
    )
    waitlisted = waiting.values("occurrence").annotate(n=Count("pk")).values("n")
    return Occurrence.objects.select_related("series__group", "room").annotate(
        organizes=_organizes(member), waitlisted_count=Subquery(waitlisted)
    )


def _occurrence_access(member, occurrence: Occurrence | None) -> OccurrenceAccess:
    if occurrence is None:
        raise Http404
    series = occurrence.series
    membership = _membership(member, series)
    if not policies.can_see(member, series, membership):
        raise Http404
    registration = next(iter(_REGISTRATION(occurrence, member)), None)
    organizers = frozenset([member.pk]) if occurrence.organizes else frozenset()
    return OccurrenceAccess(series, membership, organizers, occurrence, registration)


def _registration(occurrence, member, *, shape=None):
    return Registration.objects.filter(occurrence=occurrence, member=member).order_by("pk")[:1]


_REGISTRATION = FixedQuerySet(_registration)


def managed_occurrence_for(member, occurrence_id: int) -> OccurrenceAccess:
    found = occurrence_for(member, occurrence_id)
    if not found.may_manage(member):
        raise Http404
    return found


def occurrence_for_room(member, room_id: int) -> OccurrenceAccess:
    """The occurrence whose chat room is ``room_id``, if ``member`` may enter that room."""
    if not getattr(member, "is_authenticated", False):
        raise Http404
    found = _occurrence_access(member, _occurrences(member).filter(room_id=room_id).first())
    if not found.may_enter_room(member):
        raise Http404
    return found


def feed_member_for(token: str):
    """The member whose calendar feed ``token`` opens: the same 404 for a token never made or
    replaced since, and for a member who may not sign in now (suspended, deactivated, address
    no longer verified)."""
    found = None
    if len(token) <= TOKEN_MAX_LENGTH:
        found = CalendarToken.objects.select_related("member").filter(token=token).first()
    if found is None or not is_verified_member(found.member):
        raise Http404
    return found.member


def registered_occurrences(member) -> list[OccurrenceAccess]:
    """Every occurrence ``member`` holds an active registration for and may still see, each as
    that member sees it, soonest first: a fixed number of queries however many there are."""
    registrations = list(selectors.calendar_registrations(member))
    if not registrations:
        return []
    groups = {r.occurrence.series.group_id for r in registrations}
    mine = Membership.objects.filter(member=member, group__in=groups)
    memberships = {membership.group_id: membership for membership in mine}
    organizers: dict[int, set] = {}
    pairs = Series.organizers.through.objects.filter(
        series__in={r.occurrence.series_id for r in registrations}
    ).values_list("series_id", "user_id")
    for series_id, member_id in pairs:
        organizers.setdefault(series_id, set()).add(member_id)
    return [
        OccurrenceAccess(
            r.occurrence.series, memberships.get(r.occurrence.series.group_id),
            frozenset(organizers.get(r.occurrence.series_id, ())), r.occurrence, r,
        )
        for r in registrations
    ]  # fmt: skip
