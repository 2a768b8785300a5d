"""Every read of members for a viewer."""

import copy
import json
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from functools import reduce
from types import SimpleNamespace

from allauth.account.models import EmailAddress
from django.db.models import (
    Case,
    Exists,
    Expression,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, JSONArray
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cityhall import notifications as kinds
from cityhall import policies, text
from cityhall.compiled import (
    FixedIds,
    FixedPages,
    FixedQuery,
    FixedQuerySet,
    as_prefetched,
    padded,
)
from members import notification_subjects, search
from members.models import (
    FormerHandle,
    Notification,
    NotificationPreference,
    Organization,
    Posting,
    SiteSuspension,
    User,
    WorkField,
)


def verified_members() -> QuerySet[User]:
    """Active accounts whose address is verified: only these appear to other members. Their
    primary address joined, not asked after (EXISTS): a member has one primary address at most
    (allauth's unique_primary_email), so none comes twice, and SQLite counts the directory in
    one pass over the addresses rather than asking after each member's (3,000 members: 2.6 →
    0.7 ms)."""
    return User.objects.filter(
        emailaddress__primary=True, emailaddress__verified=True, is_active=True
    )


def _address_verified() -> Exists:
    """Whether the member's own address is verified (policies.is_verified_member's question),
    as a column of a member query."""
    return Exists(EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    ))  # fmt: skip


def with_verified(members: QuerySet[User]) -> QuerySet[User]:
    """The members, each to know whether its address is verified (known_verified)."""
    return members.annotate(_verified_email=_address_verified())


def known_verified(members: QuerySet[User]) -> list[User]:
    """The members, each already knowing whether its address is verified, so that
    policies.is_verified_member asks no query per member."""
    return mark_verified(with_verified(members))


def mark_verified(members) -> list[User]:
    """Members read with ``with_verified`` (by a query compiled once, say), marked as
    known_verified marks them."""
    found = list(members)
    for member in found:
        member._verified_member = member._verified_email
    return found


# Compiled once for each power of two of the number of ids (padded with 0, which is no id):
# every reply looks up the members it notifies.
_BY_ID = FixedQuerySet(lambda *ids, shape: with_verified(User.objects.filter(pk__in=ids)))


def members_by_id(ids, known=None) -> dict[int, User]:
    """{id: member} for these ids, each knowing whether it is verified: those in ``known``
    ({id: member} the caller has loaded, e.g. the request's member) as given, the rest in one
    query (none when every one is known)."""
    found = {pk: member for pk, member in (known or {}).items() if pk in ids}
    if missing := set(ids) - found.keys():
        values, size = padded(missing)
        found |= {member.pk: member for member in mark_verified(_BY_ID(*values, shape=size))}
    return found


# Columns apps add to the signed-in member's row (register_signed_in_column), by name; sealed
# once the row's query is built (compiled once: a column added later would never be read).
_signed_in_columns: dict[str, Callable[[], Expression]] = {}
_sealed = False


def register_signed_in_column(name: str, column: Callable[[], Expression]) -> None:
    """Read ``column()`` (an expression over the member's row, e.g. listed_column(...)) with the
    member every request signs in, for an app that would otherwise ask a query of its own on
    every page; take_signed_in_column hands it out. From AppConfig.ready, before any request."""
    if _sealed:
        raise RuntimeError("signed-in columns are registered from AppConfig.ready, before use")
    _signed_in_columns[name] = column


def take_signed_in_column(member, name: str):
    """The value of the registered column ``name`` read with ``member`` when they signed in,
    once (None after, or for a member not read by signed_in: a column must never be NULL, so
    that None means this only). For the request that read it: a socket's member
    (``scope["member"]``) is read at its handshake and outlives it, so only the handshake may
    take its columns (the bell's first count); later, a socket reads the member afresh
    (cityhall.websocket.session_member)."""
    values = getattr(member, "_signed_in_columns", None)
    return values.pop(name, None) if values else None


def _signed_in_row(user_id, *, shape=None):
    global _sealed
    _sealed = True
    extra = {f"_column_{name}": column() for name, column in _signed_in_columns.items()}
    return (
        User._default_manager.filter(pk=user_id)
        .annotate(_work_fields=_work_fields_listed(), _verified_email=_address_verified(),
                  **extra)
        .values_list(*_MEMBER_COLUMNS, "_work_fields", "_verified_email", *extra)
    )  # fmt: skip


def listed_datetime(value: str | None) -> datetime | None:
    """A datetime field's value as listed_column gives it: SQLite's stored text (UTC) or
    PostgreSQL's ISO 8601 with its offset."""
    if value is None:
        return None
    moment = parse_datetime(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _work_fields_listed() -> Coalesce:
    """The member's fields of work as one text column: JSON [position, name] pairs joined by
    commas (SQLite before 3.44 cannot order an aggregate: work_field_names sorts them)."""
    return listed_column(WorkField.objects.filter(user=OuterRef("pk")), "user", "position", "name")


SIGNED_IN_UNREAD = "members.unread"


def _unread_listed() -> Coalesce:
    """What the member's unread notifications are about, as _work_fields_listed lists: JSON
    [subject type, subject id] pairs, for the bell (unread_notification_count)."""
    unread = Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
    return listed_column(unread, "recipient", "subject_type", "subject_id")


def listed_column(rows, owner: str, *fields: str) -> Coalesce:
    """``fields`` of ``rows`` (filtered on OuterRef, grouped by ``owner``) as one text column:
    a JSON array per row, joined by commas, '' for none (parse with json.loads(f"[{value}]");
    a datetime field's value with listed_datetime)."""
    pairs = Cast(JSONArray(*fields), output_field=TextField())
    listed = rows.order_by().values(owner).annotate(listed=StringAgg(pairs, delimiter=Value(",")))
    return Coalesce(Subquery(listed.values("listed")), Value(""), output_field=TextField())


def _verified_member_row(member_id, *, shape=None):
    return verified_members().filter(pk=member_id).values_list(*_MEMBER_COLUMNS)


def _attnames(model, prefix: str = "") -> list[str]:
    return [prefix + field.attname for field in model._meta.concrete_fields]


_USER_COLUMNS = _attnames(User)
_ORGANIZATION_COLUMNS = _attnames(Organization)
# A member as select_related("organization__prefecture") loads them.
_MEMBER_COLUMNS = [
    *_USER_COLUMNS, *_attnames(Organization, "organization__"),
    *_attnames(Organization, "organization__prefecture__"),
]  # fmt: skip
register_signed_in_column(SIGNED_IN_UNREAD, _unread_listed)
_SIGNED_IN = FixedQuery(_signed_in_row)
_VERIFIED_MEMBER = FixedQuery(_verified_member_row)


def signed_in(user_id: int) -> User | None:
    """The member of a session, with whether their address is verified (as known_verified)
    and their organization and its prefecture (as select_related): the first thing every
    page a member opens asks, so compiled once (cityhall.compiled)."""
    rows = _SIGNED_IN(user_id)
    if not rows:
        return None
    cut = len(rows[0]) - len(_signed_in_columns)
    row, extra = rows[0][:cut], rows[0][cut:]
    user = _member(row)
    fields, verified = row[-2:]
    pairs = sorted(json.loads(f"[{fields}]")) if fields else []
    user._home_work_field_names = [name for _position, name in pairs]
    user._verified_member = bool(verified)
    user._signed_in_columns = dict(zip(_signed_in_columns, extra, strict=True))
    return user


def _member(row: tuple) -> User:
    """The member of a _MEMBER_COLUMNS row, with their organization and its prefecture."""
    cut, width = len(_USER_COLUMNS), len(_ORGANIZATION_COLUMNS)
    user = User.from_db("default", _USER_COLUMNS, row[:cut])
    organization = _organization(row[cut : cut + width])
    if organization is not None:
        prefecture = _organization(row[cut + width : cut + 2 * width])
        Organization.prefecture.field.set_cached_value(organization, prefecture)
    User.organization.field.set_cached_value(user, organization)
    return user


def _organization(values) -> Organization | None:
    if values[0] is None:
        return None
    return Organization.from_db("default", _ORGANIZATION_COLUMNS, values)


def member_for_viewer(viewer, member_id: int) -> User | None:
    """The member with this id if ``viewer`` may see them; None for missing and forbidden alike.
    Their row comes from a query compiled once (a profile is the page opened most after the
    home page), their fields of work and postings with it."""
    if not policies.is_verified_member(viewer):
        return None
    rows = _VERIFIED_MEMBER(member_id)
    if not rows:
        return None
    member = _member(rows[0])
    if not policies.may_view_member(viewer, member):
        return None
    return _with_profile_lists(member)


def _with_profile_lists(member: User) -> User:
    """``member`` with their fields of work and postings (history) prefetched."""
    as_prefetched(member, "work_fields", _WORK_FIELDS(member))
    as_prefetched(member, "postings", _POSTINGS(member))
    return member


def _work_fields(member, *, shape=None):
    return WorkField.objects.filter(user=member)


def _postings(member, *, shape=None):
    return Posting.objects.filter(member=member).select_related("organization__prefecture")


_WORK_FIELDS = FixedQuerySet(_work_fields)
_POSTINGS = FixedQuerySet(_postings)


def work_fields() -> list[WorkField]:
    """Every field of work, in their order (a list to filter by): one query compiled once."""
    return _ALL_WORK_FIELDS()


_ALL_WORK_FIELDS = FixedQuerySet(lambda *, shape: WorkField.objects.all())


def member_card(viewer, member_id: int) -> User | None:
    """What a member card shows, if ``viewer`` may see this member; None for missing and
    forbidden alike."""
    if not policies.is_verified_member(viewer):
        return None
    member = (
        verified_members()
        .filter(pk=member_id)
        .select_related("organization__prefecture")
        .prefetch_related("work_fields")
        .first()
    )
    if member is None or not policies.may_view_member(viewer, member):
        return None
    return member


def member_by_handle(viewer, handle: str) -> User | None:
    """The member whose handle, current or former, this is (former handles stay theirs). A
    former handle made from the email address finds nobody, like a handle nobody ever had."""
    if not policies.is_verified_member(viewer):
        return None
    return members_by_handles([handle]).first()


def members_by_handles(handles) -> QuerySet[User]:
    """Members by current or former handle: @old in a post written before a change still counts,
    unless @old was made from the email address (it would confirm a guessed address)."""
    handles = [h.lower() for h in handles]
    if not handles:
        return User.objects.none()
    former = FormerHandle.objects.filter(
        member=OuterRef("pk"), handle__in=handles, from_email=False
    )
    return verified_members().filter(Q(handle__in=handles) | Exists(former))


SYSTEM_EMAIL_SUFFIX = policies.SYSTEM_EMAIL_SUFFIX


def people() -> QuerySet[User]:
    """Verified members who are people: the directory and @mentions list these."""
    return verified_members().exclude(email__endswith=SYSTEM_EMAIL_SUFFIX)


def member_directory(viewer, *, q="", organization=None, work_field=None, former=True):
    """Members ``viewer`` may find, searched only in what each member lets others see."""
    if not policies.is_verified_member(viewer):
        return User.objects.none()
    if organization is None and work_field is None and not q:
        return _EVERYONE(viewer)
    members = people()
    if organization is not None:
        members = members.filter(organization=organization)
    if work_field is not None:
        members = members.filter(work_fields=work_field, hide_work_fields=False)
    if q:
        members = members.filter(_text_matches(q.strip(), former))
    return members.select_related("organization__prefecture")


def _everyone(viewer, *, shape=None):
    return people().select_related("organization__prefecture")


_EVERYONE = FixedPages(_everyone)


def with_work_fields(members: list[User]) -> list[User]:
    """``members``, each with its fields of work as a list (``member.listed_work_fields``), in
    one query compiled once for each power of two of their number. (Kept as the relation's
    prefetched rows, they cost a related manager and a queryset a member: a third of it.)"""
    fields = {member.pk: [] for member in members}
    for user_id, *row in _WORK_FIELDS_OF([member.pk for member in members]):
        fields[user_id].append(WorkField.from_db(WorkField.objects.db, _WORK_FIELD_COLUMNS, row))
    for member in members:
        member.listed_work_fields = fields[member.pk]
    return members


_WORK_FIELD_COLUMNS = ("id", "name", "position")
_WORK_FIELDS_OF = FixedIds(
    lambda ids: (
        User.work_fields.through.objects.filter(user_id__in=ids)
        .order_by("workfield__position", "workfield__name")
        .values_list("user_id", *(f"workfield__{name}" for name in _WORK_FIELD_COLUMNS))
    )
)


def _text_matches(q: str, former: bool) -> Q:
    """Every word of ``q`` in what the member shows (members.search: kana-, width- and
    okurigana-insensitive: 「ヤマモト」 finds 山本 read やまもと, 「DX」 finds ＤＸ推進課,
    「申込」 and 「もうしこみ」 find 申し込み受付), or with ``former`` in a past posting they
    show."""
    matches = Q()
    for word, keys in search.query_words(q):
        found = _any_contains(keys, "search_name", "search_profile")
        if former:
            found |= Q(Exists(_past_postings({word, text.normalize(word)})), hide_history=False)
        matches &= found
    return matches


def _any_contains(keys, *columns) -> Q:
    return reduce(operator.or_, (Q(**{f"{c}__contains": k}) for c in columns for k in keys))


def _past_postings(words) -> QuerySet[Posting]:
    return Posting.objects.filter(member=OuterRef("pk"), ended_on__isnull=False).filter(
        reduce(operator.or_, (
            Q(department__icontains=w) | Q(section__icontains=w) | Q(team__icontains=w)
            | Q(organization__name__icontains=w) for w in words
        ))
    )  # fmt: skip


MENTION_LIMIT = 8


def mention_candidates(viewer, q: str, *, first_ids=None) -> list[User]:
    """Up to eight members ``viewer`` may see whose name, reading (kana or romaji), handle or
    organization contains ``q``; the members in ``first_ids`` (a queryset of ids: the group's
    members) come first, then those whose name, reading or handle starts with ``q``, then by
    reading. An empty query lists ``first_ids`` only."""
    if not policies.is_verified_member(viewer):
        return []
    q = q.lstrip("@＠")
    key = text.normalize(q)
    members = people().exclude(pk=viewer.pk)
    for _word, keys in search.query_words(q):
        members = members.filter(_any_contains(keys, "search_name"))
    if not key and first_ids is None:
        return []
    if first_ids is not None:
        in_first = Q(pk__in=first_ids)
        members = members.annotate(
            in_group=Case(When(in_first, then=Value(True)), default=Value(False))
        )
        if not key:
            members = members.filter(in_first)
    else:
        members = members.annotate(in_group=Value(False))
    # Whose name, reading or handle starts with what was typed, before whose organization
    # merely contains it (「やま」: 山田 before a member of 葉山町).
    starts = (
        Q(display_name_kana__startswith=key)
        | Q(display_name__startswith=key)
        | Q(handle__startswith=key)
    )
    members = members.annotate(
        by_name=Case(When(starts, then=Value(True)), default=Value(False))
    ).select_related("organization")
    members = members.order_by("-in_group", "-by_name", "display_name_kana", "id")
    return [m for m in members[:MENTION_LIMIT] if policies.may_view_member(viewer, m)]


def own_profile(member: User) -> User:
    """A copy of the request's member (read with this request: signed_in), for a form to
    change without changing the member the page's frame shows, with their fields of work and
    postings."""
    return _with_profile_lists(copy.copy(member))


def notifications_for(member: User, limit: int = 50) -> list[Notification]:
    """The member's latest notifications, leaving out those about something they may no longer
    see (a topic hidden or a group left since)."""
    return notification_subjects.still_visible(
        Notification.objects.filter(recipient=member)[:limit], recipient=member
    )


def unread_notifications(member: User, keys, limit: int = 50) -> list[Notification]:
    """The member's unread notifications of the kinds ``keys``, newest first, that they may
    still see. Every unread one is read (once for the page: kept on the request's member), so
    that the bell's count on the same page (unread_notification_count) asks nothing more."""
    unread = getattr(member, "_unread_notifications", None)
    if unread is None:
        unread = notification_subjects.still_visible(_UNREAD(member), recipient=member)
        member._unread_notifications = unread
    return [notification for notification in unread if notification.kind in keys][:limit]


_UNREAD = FixedQuerySet(
    lambda member, *, shape: Notification.objects.filter(recipient=member, read_at__isnull=True)
)


def work_field_names(member: User) -> list[str]:
    """The names of the member's own fields of work, in their order: read with the signed-in
    member (signed_in), or asked once for another (kept on it)."""
    names = getattr(member, "_home_work_field_names", None)
    if names is None:
        names = [name for (name,) in _WORK_FIELD_NAMES(member)]
    member._home_work_field_names = names
    return names


def _work_field_names(member, *, shape=None):
    return WorkField.objects.filter(user=member).values_list("name")


_WORK_FIELD_NAMES = FixedQuery(_work_field_names)


def profile_gaps(member: User) -> list[str]:
    """What the member's profile still lacks for others to find them, as field labels."""
    missing = []
    if not member.display_name_kana:
        missing.append(User._meta.get_field("display_name_kana").verbose_name)
    if not member.department_label:
        missing.append(_("所属部署"))
    if not work_field_names(member):
        missing.append(User._meta.get_field("work_fields").verbose_name)
    if not member.bio:
        missing.append(User._meta.get_field("bio").verbose_name)
    return missing


def unread_notification_count(member: User) -> int:
    """The bell's number (every page shows it): unread notifications the member may still see,
    from what signed_in read with the member, or by a query compiled once, or from
    unread_notifications' read on this page."""
    known = getattr(member, "_unread_notifications", None)
    if known is None:
        listed = take_signed_in_column(member, SIGNED_IN_UNREAD)
        if listed is None:
            subjects = _UNREAD_SUBJECTS(member)
        else:
            subjects = [tuple(pair) for pair in json.loads(f"[{listed}]")]
        unread = [SimpleNamespace(recipient_id=member.pk, subject_type=kind, subject_id=pk)
                  for kind, pk in subjects]  # fmt: skip
        known = notification_subjects.still_visible(unread, recipient=member)
    return len(known)


def _unread_subjects(member, *, shape=None):
    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    return unread.values_list("subject_type", "subject_id")


_UNREAD_SUBJECTS = FixedQuery(_unread_subjects)


def organization_choices() -> QuerySet[Organization]:
    return Organization.objects.select_related("prefecture").order_by("lg_code", "kind", "kana")


def organization_names(ids: list[int]) -> dict[int, str]:
    """{id: name} of these organizations (the site search's organization facet)."""
    return dict(_ORGANIZATION_NAMES(ids))


_ORGANIZATION_NAMES = FixedIds(lambda ids: Organization.objects.filter(pk__in=ids)
                               .values_list("pk", "name"))  # fmt: skip


def current_suspension(member: User) -> SiteSuspension | None:
    if not policies.is_suspended(member):
        return None
    return member.site_suspensions.filter(lifted_at__isnull=True).first()


def site_suspensions():
    """Every site-wide suspension, newest first, with who did it and to whom."""
    return SiteSuspension.objects.select_related(
        "member__organization", "actor", "lifted_by"
    ).order_by("-created_at", "-id")


def notification_settings(member: User) -> list[tuple[kinds.NotificationKind, bool, bool]]:
    """(kind, in the app, by mail) for every kind a member may configure: their choice, or the
    kind's default. One query, however many kinds the apps register."""
    chosen = {
        row.kind: (row.in_app, row.email)
        for row in NotificationPreference.objects.filter(member=member)
    }
    return [
        (kind, *chosen.get(kind.key, (kind.in_app_by_default, kind.email_by_default)))
        for kind in kinds.registered()
        if kind.configurable
    ]


def site_moderators() -> QuerySet[User]:
    """Members who moderate the whole site (site moderators and administrators)."""
    return verified_members().filter(Q(is_site_moderator=True) | Q(is_superuser=True))
