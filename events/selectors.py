"""Every read of events for a viewer: occurrences of the series in groups they may read (a
fixed number of queries however many there are), their own registrations, registrant lists."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.utils import timezone

from cityhall.compiled import FixedQuerySet, FixedUnion, padded
from cityhall.policies import is_site_moderator, is_verified_member
from events.models import Occurrence, Registration, Series
from events.policies import ROOM_OPENS_BEFORE
from groups.chat.models import Message
from groups.models import Membership
from groups.selectors import readable_groups

Status = Registration.Status
ACTIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.LOTTERY)
HOME_ITEMS = 5  # sessions in each of the home page's panels


def visible_occurrences(member, readable=None):
    """Occurrences of series in groups ``member`` may read (events.policies.can_see).
    ``readable``: the ids of those groups when the caller has them already (a short IN list
    costs Django less to compile than the subquery)."""
    groups = readable_groups(member) if readable is None else readable
    return Occurrence.objects.filter(series__group__in=groups)


def with_my_registration(occurrences, member):
    mine = Registration.objects.filter(occurrence=OuterRef("pk"), member=member)
    return occurrences.annotate(my_status=mine.values("status")[:1])


# What a row of the events page's list shows (events.templatetags.event_rows.event_row): the
# occurrence's own fields, and its series' and group's as values, not objects (making a series
# and a group for each of 31 rows was 0.27 of the list's 0.69 ms); the rest stays unread.
ROW_FIELDS = ("starts_at", "ends_at", "status")
ROW_VALUES = {
    "series_title": F("series__title"), "series_format": F("series__format"),
    "group_slug": F("series__group__slug"), "group_name": F("series__group__name"),
}  # fmt: skip
# What a day of the calendar shows: the rest stays unread.
LISTED = ("starts_at", "ends_at", "status", "series__title", "series__format",
          "series__group__slug", "series__group__name")  # fmt: skip


def occurrence_list(member, number: int, per_page: int, *, when="upcoming", group="", field=None,
                    day=None) -> list:  # fmt: skip
    """Page ``number`` of the occurrences for the events page (and the first of the next
    page, to know there is one): upcoming (soonest first), the member's own upcoming ones
    ("mine"), or past (latest first), by group slug, field of work id and day, with the series
    and group and the member's status. Compiled once for each combination of filters."""
    if not is_verified_member(member):
        return []
    start = timezone.make_aware(datetime.combine(day, time.min)) if day else timezone.now()
    shape = (when, bool(group), bool(field), day is not None, is_site_moderator(member),
             (number - 1) * per_page, number * per_page + 1)  # fmt: skip
    return _OCCURRENCE_LIST(member, start, start + timedelta(days=1), group or "-", field or 0,
                            shape=shape)  # fmt: skip


def _occurrence_list(member, start, end, group, field, *, shape):
    when, by_group, by_field, by_day, _moderator, first, last = shape
    found = visible_occurrences(member)
    if by_day:
        found = found.filter(starts_at__gte=start, starts_at__lt=end)
    elif when == "past":
        found = found.filter(ends_at__lte=start).order_by("-starts_at", "-pk")
    else:
        found = found.filter(ends_at__gt=start)
    if when == "mine":
        mine = Registration.objects.filter(occurrence=OuterRef("pk"), member=member,
                                           status__in=ACTIVE)  # fmt: skip
        found = found.filter(Exists(mine))
    if by_group:
        found = found.filter(series__group__slug=group)
    if by_field:
        found = found.filter(series__work_fields=field)
    rows = found.only(*ROW_FIELDS).annotate(**ROW_VALUES)
    return with_my_registration(rows, member)[first:last]


_OCCURRENCE_LIST = FixedQuerySet(_occurrence_list)


def month_occurrences(member, first_day, last_day, readable=None):
    """The calendar view's occurrences from ``first_day`` through ``last_day`` (JST dates)."""
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    found = visible_occurrences(member, readable).filter(starts_at__gte=start, starts_at__lt=end)
    return with_my_registration(found.select_related("series__group").only(*LISTED), member)


def calendar_registrations(member):
    """The member's active registrations for occurrences they may still see (their group
    left or closed to them: gone), with the occurrence, series and group, soonest first."""
    return (
        Registration.objects.filter(
            member=member, status__in=ACTIVE,
            occurrence__series__group__in=readable_groups(member),
        )
        .select_related("occurrence__series__group")
        .order_by("occurrence__starts_at", "occurrence_id")
    )  # fmt: skip


def counts(occurrence) -> dict:
    """{status: registrations} of one occurrence."""
    rows = occurrence.registrations.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def registrants(occurrence):
    """Everyone who registered (cancelled ones last), in arrival order, for the organizers."""
    return occurrence.registrations.select_related("member__organization").order_by("position")


def questions(series):
    return list(series.questions.all())


def series_occurrences(series):
    return series.occurrences.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)),
        attended=Count("registrations", filter=Q(registrations__attended=True)),
    ).order_by("starts_at")


def occurrences_seen(pairs, known=None, subjects=None) -> set[tuple[int, int]]:
    """The (member id, occurrence id) pairs where the member may still see the occurrence
    (policies.can_see): for the notifications about it."""
    from events import policies
    from groups.selectors import members_in_groups

    ids, size = padded(sorted({occurrence for _m, occurrence in pairs}))
    occurrences = {occurrence.pk: occurrence for occurrence in _TO_CHECK(*ids, shape=size)}
    group_of = {pk: occurrence.series.group_id for pk, occurrence in occurrences.items()}
    members, memberships = members_in_groups(pairs, group_of, known)
    return {
        (member_id, pk) for member_id, pk in pairs
        if member_id in members and pk in occurrences
        and policies.can_see(members[member_id], occurrences[pk].series,
                             memberships.get((member_id, group_of[pk])))
    }  # fmt: skip


# The occurrences of a member's notifications as the policy reads them: their series and group,
# compiled once for each power of two of their number (the bell asks on every page).
_TO_CHECK = FixedQuerySet(
    lambda *ids, shape: Occurrence.objects.select_related("series__group")
    .only("id", "series").filter(pk__in=ids)
)  # fmt: skip


ATTENDANCE_DAYS = 14


@dataclass(frozen=True)
class HomeSessions:
    mine: list  # the member's next occurrences they registered for, each with ``my_status``
    upcoming: list  # the next occurrences the member organizes
    unrecorded: list  # those they organize that ended with confirmed registrants, unrecorded


def home_sessions(member) -> HomeSessions:
    """What the home page's two events panels show, HOME_ITEMS of each, soonest first: one
    query for both, asked once per request (kept on the request's member). Unrecorded: ended
    in the last ATTENDANCE_DAYS days with confirmed registrants and no attendance recorded."""
    found = getattr(member, "_home_sessions", None)
    if found is None:
        found = member._home_sessions = _read_home_sessions(member)
    return found


def _read_home_sessions(member) -> HomeSessions:
    now = timezone.now()
    shape = (is_verified_member(member), is_site_moderator(member))
    panels: dict[str, list] = {"mine": [], "upcoming": [], "unrecorded": []}
    for occurrence in _HOME_SESSIONS(
        member, now, now - timedelta(days=ATTENDANCE_DAYS), shape=shape
    ):
        panels[occurrence.panel].append(occurrence)
    # each part comes in its own order, but SQL promises no order across a UNION ALL
    return HomeSessions(**{panel: sorted(found, key=lambda o: (o.starts_at, o.pk))
                           for panel, found in panels.items()})  # fmt: skip


# What the panels show (events/home/*.html): the rest stays unread.
_HOME_SHOWN = ("starts_at", "ends_at", "capacity", "confirmed_count", "series__title",
               "series__group__name")  # fmt: skip


def _home_sessions(member, now, since, *, shape) -> list:
    """The member's next registrations' occurrences, the next ones they organize, and those
    they organized that ended unrecorded, each marked with its ``panel``: the same columns in
    the same order (cityhall.compiled.FixedUnion)."""
    verified, _moderator = shape
    registered = Registration.objects.filter(member=member, status__in=ACTIVE)
    recorded = Registration.objects.filter(occurrence=OuterRef("pk"), attended__isnull=False)
    scheduled = Occurrence.objects.filter(status=Occurrence.Status.SCHEDULED)
    organized = scheduled.filter(series__organizers=member)
    mine = scheduled.filter(
        pk__in=registered.values("occurrence"),
        ends_at__gt=now,
        series__group__in=readable_groups(member),
    ).annotate(
        my_status=Subquery(registered.filter(occurrence=OuterRef("pk")).values("status")[:1])
    )
    not_registered = Value(None, output_field=CharField())
    parts = {
        "mine": mine if verified else mine.none(),
        "upcoming": organized.filter(ends_at__gt=now).annotate(my_status=not_registered),
        "unrecorded": organized.filter(ends_at__gt=since, ends_at__lte=now, confirmed_count__gt=0)
        .exclude(Exists(recorded)).annotate(my_status=not_registered),
    }  # fmt: skip
    return [
        queryset.annotate(panel=Value(panel)).select_related("series__group").only(*_HOME_SHOWN)
        .order_by("starts_at", "pk")[:HOME_ITEMS]
        for panel, queryset in parts.items()
    ]  # fmt: skip


_HOME_SESSIONS = FixedUnion(_home_sessions)


def chat_messages(occurrence):
    """The occurrence's chat, oldest first, deleted messages included (they keep their place),
    with each author, their organization and the message each one answers (1 query; none
    before the room is opened)."""
    if occurrence.room_id is None:
        return Message.objects.none()
    return (
        Message.objects.filter(room_id=occurrence.room_id)
        .select_related("author__organization")
        .order_by("seq")
    )


def room_ids_open_to(member, now=None):
    """The chat rooms of occurrences ``member`` may be in at ``now`` (policies.room_open_to):
    in groups they may read, as an organizer of the series, a moderator of its group or a site
    moderator at any time, and with an active registration from when the room opens. One
    query; tests/search check it against the policy. ``now`` is compared as given (with the
    opening time worked out in SQL), so that search can compile this once (cityhall.compiled)."""
    now = now or timezone.now()
    found = visible_occurrences(member).filter(room__isnull=False)
    if not is_site_moderator(member):
        organizes = Series.organizers.through.objects.filter(series=OuterRef("series"),
                                                             user=member.pk)  # fmt: skip
        moderates = Membership.objects.filter(
            group=OuterRef("series__group"), member=member.pk,
            role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR],
        )  # fmt: skip
        registered = Registration.objects.filter(occurrence=OuterRef("pk"), member=member.pk,
                                                 status__in=ACTIVE)  # fmt: skip
        opens_at = ExpressionWrapper(F("starts_at") - ROOM_OPENS_BEFORE,
                                     output_field=DateTimeField())  # fmt: skip
        found = found.alias(opens_at=opens_at).filter(
            Exists(organizes) | Exists(moderates) | Exists(registered) & Q(opens_at__lte=now)
        )
    return found.values_list("room_id", flat=True)
