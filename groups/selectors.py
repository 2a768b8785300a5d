"""Every read in groups for a viewer: querysets already narrowed to what the viewer may see and
already joined to what the page shows, so a page's query count does not grow with its content."""

import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from cityhall import prepared
from cityhall.compiled import (
    FixedIds,
    FixedPages,
    FixedQuery,
    FixedQuerySet,
    FixedUnion,
    padded,
)
from cityhall.policies import is_site_moderator, is_verified_member
from cityhall.worddiff import changed, word_diff
from groups import policies
from groups import unread as group_unread
from groups.access import TAG_NAMES, GroupAccess
from groups.models import (
    Attachment,
    Bookmark,
    Flag,
    Group,
    GroupBan,
    Invitation,
    JoinRequest,
    Membership,
    ModerationLog,
    Post,
    Reaction,
    Topic,
    TopicRead,
    Watch,
    WatchLevel,
)
from members import notification_subjects
from members.models import Notification, User, WorkField
from members.selectors import (
    listed_column,
    listed_datetime,
    members_by_id,
    take_signed_in_column,
    verified_members,
)

POSTS_PER_PAGE = 50


def visible_groups(viewer):
    """Active groups the viewer may know exist, with member counts and the viewer's role."""
    if not is_verified_member(viewer):
        return Group.objects.none()
    mine = Membership.objects.filter(group=OuterRef("pk"), member=viewer)
    groups = Group.objects.filter(status=Group.Status.ACTIVE)
    if not is_site_moderator(viewer):
        groups = groups.filter(~Q(kind=Group.Kind.SECRET) | Exists(mine))
    # counted per group shown (an index range), not by joining every membership of every
    # group and grouping them: a page of 30 of 200 groups, 8.0 → 1.7 ms; its count, 5.9 → 0.07 ms
    members = Membership.objects.filter(group=OuterRef("pk")).order_by().values("group")
    return groups.annotate(
        member_count=Coalesce(
            Subquery(members.annotate(count=Count("pk")).values("count")[:1]), Value(0)
        ),
        my_role=Subquery(mine.values("role")[:1]),
    )


def group_directory(viewer, q: str = ""):
    """The groups the viewer may know exist, latest activity first; a sequence for the
    Paginator, compiled once when nothing is searched for (FixedPages)."""
    if not q.strip():
        if not is_verified_member(viewer):
            return Group.objects.none()
        return _GROUP_DIRECTORY(viewer, shape=is_site_moderator(viewer))
    groups = visible_groups(viewer)
    groups = groups.filter(Q(name__icontains=q.strip()) | Q(description__icontains=q.strip()))
    return groups.order_by("-last_activity_at", "pk")


def _group_directory(viewer, *, shape: bool):
    return visible_groups(viewer).order_by("-last_activity_at", "pk")


_GROUP_DIRECTORY = FixedPages(_group_directory)


def unread_by_group(viewer) -> dict[int, tuple[int, int]]:
    """{group id: (topics the viewer has opened with posts since, new topics)} for the viewer's
    groups, in one query (_UNREAD_COUNTS)."""
    if not is_verified_member(viewer):
        return {}
    sql = f"SELECT membership.group_id, {_UNREAD_COUNTS} {_MY_GROUPS_COUNTED}"
    return {
        group: (unread, new) for group, unread, new in prepared.rows(sql, _counted_params(viewer))
    }


# A member's unread and new topics in each of their groups, counted from their own read states
# (as many as topics they have opened) and, for the new ones, one range of a group's topics
# started since they joined (an index): never from every topic of their groups, which took
# 18 ms for a member of a group of 2,000 topics. "Unread": opened, with posts since; "new":
# never opened, started since they joined. Hidden topics count in neither. CROSS JOIN keeps
# SQLite's planner from starting anywhere but the member's read states (PostgreSQL's plans as
# with JOIN).
_UNREAD_COUNTS = """COALESCE(opened.unread, 0) AS unread_topics,
    (SELECT COUNT(*) FROM groups_topic topic WHERE topic.group_id = membership.group_id
        AND topic.is_hidden = %s AND topic.created_at >= membership.joined_at)
    - COALESCE(opened.since_joined, 0) AS new_topics"""
_MY_GROUPS_COUNTED = """FROM groups_membership membership
    JOIN groups_group grp ON grp.id = membership.group_id
    LEFT JOIN (
        SELECT topic.group_id,
            SUM(CASE WHEN topic.highest_post_number > seen.last_read_post_number
                THEN 1 ELSE 0 END) AS unread,
            SUM(CASE WHEN topic.created_at >= joined.joined_at THEN 1 ELSE 0 END) AS since_joined
        FROM groups_topicread seen
        CROSS JOIN groups_topic topic CROSS JOIN groups_membership joined
        WHERE seen.member_id = %s AND topic.id = seen.topic_id AND topic.is_hidden = %s
            AND joined.group_id = topic.group_id AND joined.member_id = seen.member_id
        GROUP BY topic.group_id
    ) opened ON opened.group_id = membership.group_id
    WHERE membership.member_id = %s"""


def _counted_params(viewer) -> list:
    return [False, viewer.pk, False, viewer.pk]


# What a row of the topic list shows (the author's name and organization: _AUTHOR_VALUES).
TOPIC_ROW_FIELDS = (
    "group_id", "author_id", "title", "is_question", "accepted_post_id", "is_pinned",
    "is_locked", "is_hidden", "highest_post_number", "reply_count", "last_posted_at",
)  # fmt: skip
# The author's name and organization as values, as a page of posts reads them
# (_POST_PAGE_VALUES): an author, an organization and a prefecture built for each of thirty
# topics were 90 of a list's 120 objects.
_AUTHOR_VALUES = {
    "author_name": F("author__display_name"),
    "author_organization": F("author__organization__name"),
    "author_organization_kind": F("author__organization__kind"),
    "author_prefecture": F("author__organization__prefecture__name"),
}


def topic_list(viewer, access: GroupAccess):
    """The group's topics for the viewer, pinned first then the latest post first, each with
    how far the viewer read it: a sequence for the Paginator (FixedPages)."""
    return _TOPIC_LIST(access.group, viewer, shape=access.can(policies.can_moderate, viewer))


def _topics(group, viewer, *, shape: bool):
    topics = Topic.objects.filter(group=group)
    return topics if shape else topics.filter(is_hidden=False)


def _topic_list(group, viewer, *, shape: bool):
    last_read = TopicRead.objects.filter(topic=OuterRef("pk"), member=viewer).values(
        "last_read_post_number"
    )[:1]
    return (
        _topics(group, viewer, shape=shape)
        .only(*TOPIC_ROW_FIELDS)
        .annotate(
            **_AUTHOR_VALUES,
            tag_names=Subquery(TAG_NAMES),
            last_read=Subquery(last_read, output_field=IntegerField()),
            answer_number=F("accepted_post__number"),
        )
        .order_by("-is_pinned", "-last_posted_at")
    )


# Counted without the authors' joins: 3 of 4 ms in a group of 2,000 topics.
_TOPIC_LIST = FixedPages(_topic_list, count=_topics)


def hidden_topic(access: GroupAccess, topic_id: int) -> Topic | None:
    """A hidden topic of the group (for the notice shown in its place), else None."""
    return Topic.objects.filter(pk=topic_id, group=access.group, is_hidden=True).first()


def posts_page(viewer, access: GroupAccess, topic: Topic, page: int):
    """Posts ``page`` of ``topic`` (50 a page), each with its attachments (``attachment_list``),
    reaction counts and whether the viewer reacted or bookmarked: three queries whatever the
    page holds. The author's name, avatar and organization and the replied-to post's number
    and author come as values (``author_name``...), not as objects: building an author, an
    organization, a prefecture and a replied-to post for each of 50 posts took 1.6 of the
    page's 2.8 ms."""
    moderates = access.can(policies.can_moderate, viewer)
    posts = _POSTS_PAGE(topic, viewer, shape=(moderates, max(page, 1)))
    if not posts:
        return posts
    first, last = posts[0].number, posts[-1].number
    attachments = {}
    for attachment in _ATTACHMENTS(topic, first, last):
        attachments.setdefault(attachment.post_id, []).append(attachment)
    reactions = _REACTIONS(topic, viewer, first, last)
    counts, mine = {}, {}
    for post_id, kind, count, my_count in reactions:
        counts.setdefault(post_id, {})[kind] = count
        if my_count:
            mine.setdefault(post_id, set()).add(kind)
    for post in posts:
        post.attachment_list = attachments.get(post.pk, [])
        post.reaction_counts = counts.get(post.pk, {})
        post.my_reactions = mine.get(post.pk, set())
    return posts


def _posts_page(topic, viewer, *, shape: tuple[bool, int]):
    moderates, page = shape
    posts = Post.objects.filter(topic=topic)
    if not moderates:
        posts = posts.filter(Q(is_hidden=False) | Q(author=viewer))
    start = (page - 1) * POSTS_PER_PAGE
    marked = Bookmark.objects.filter(post=OuterRef("pk"), member=viewer)
    return (
        posts.only(*_POST_PAGE_FIELDS)
        .annotate(bookmarked=Exists(marked), **_POST_PAGE_VALUES)
        .order_by("number")[start : start + POSTS_PER_PAGE]
    )


# What a page of posts shows and its policies read (groups.rendering.post_values): not the
# Markdown source nor the authors' profiles.
_POST_PAGE_FIELDS = (
    "topic_id", "author_id", "number", "body_html", "reply_to_id", "created_at", "edited_at",
    "is_hidden", "deleted_at", "delete_reason", "version",
)  # fmt: skip
_POST_PAGE_VALUES = {
    **_AUTHOR_VALUES, "author_avatar": F("author__avatar"),
    "reply_to_number": F("reply_to__number"),
    "reply_to_name": F("reply_to__author__display_name"),
}  # fmt: skip


def _attachments(topic, first, last, *, shape=None):
    """The attachments of the posts numbered first to last."""
    return Attachment.objects.filter(
        post__topic=topic, post__number__gte=first, post__number__lte=last
    ).order_by("pk")


def _reactions(topic, viewer, first, last, *, shape=None):
    """(post, kind, reactions, the viewer's) for the posts numbered first to last."""
    return (
        Reaction.objects.filter(post__topic=topic, post__number__gte=first,
                                post__number__lte=last)
        .values_list("post", "kind")
        .annotate(n=Count("pk"), mine=Count("pk", filter=Q(member=viewer)))
        .order_by()
    )  # fmt: skip


_POSTS_PAGE = FixedQuerySet(_posts_page)
_ATTACHMENTS = FixedQuerySet(_attachments)
_REACTIONS = FixedQuery(_reactions)


def post_numbered(topic: Topic, number: int) -> Post | None:
    """Post ``number`` of ``topic`` (what a reply answers), or None."""
    return Post.objects.filter(topic=topic, number=number).first()


def page_of(number: int) -> int:
    return (max(number, 1) - 1) // POSTS_PER_PAGE + 1


def watch_level(viewer, group: Group, topic: Topic | None = None) -> str:
    """How closely the viewer watches the topic, else its group (a topic's level wins)."""
    if topic is None:
        rows = _GROUP_WATCH(viewer, group)
    else:
        rows = _WATCH(viewer, group, topic)
    by_target = {("topic" if topic_id else "group"): level for topic_id, level in rows}
    return by_target.get("topic") or by_target.get("group") or WatchLevel.NORMAL


def watches_at_level(topic_id: int, group_id: int, level: str):
    """The watches that set ``level`` for the topic, as watch_level reads them for one member:
    the topic's own, else the group's. For many members in one query (a reply's watchers)."""
    overridden = Watch.objects.filter(topic=topic_id).values("member")
    return Watch.objects.filter(
        Q(topic=topic_id) | Q(group=group_id) & ~Q(member__in=overridden), level=level
    )


def _group_watch(viewer, group, *, shape=None):
    return Watch.objects.filter(member=viewer, group=group).values_list("topic_id", "level")


def _watch(viewer, group, topic, *, shape=None):
    return Watch.objects.filter(Q(group=group) | Q(topic=topic), member=viewer).values_list(
        "topic_id", "level"
    )


_GROUP_WATCH = FixedQuery(_group_watch)
_WATCH = FixedQuery(_watch)


def revisions_with_diffs(post: Post) -> list[dict]:
    """Each edit of ``post``, newest first, with what it changed word by word (deleted and
    inserted words marked) in the body and, for a topic's first post, in the title."""
    revisions = list(post.revisions.select_related("editor"))
    after, after_title = post.body, post.topic.title
    result = []
    for revision in revisions:
        title = revision.previous_title and word_diff(revision.previous_title, after_title)
        result.append({
            "revision": revision,
            "diff": word_diff(revision.previous_body, after),
            "title_diff": title if title and changed(title) else None,
        })  # fmt: skip
        after = revision.previous_body
        after_title = revision.previous_title or after_title
    return result


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """What changed from ``before`` to ``after``, word by word (cityhall.worddiff)."""
    return word_diff(before, after)


def post_to_quote(viewer, access: GroupAccess, topic: Topic, number: int) -> Post | None:
    """Post ``number`` of ``topic`` if the viewer may read its text (not deleted, not hidden
    from them), with its author; else None."""
    post = Post.objects.filter(topic=topic, number=number).select_related("author").first()
    if post is None:
        return None
    post.topic = topic
    return post if policies.can_see_post_text(viewer, post, access.membership) else None


def quote_markdown(post: Post, url: str) -> str:
    """``post`` as a Markdown block quote for a reply: a first line naming its author and
    linking to it, then its text."""
    heading = _("[%(name)sさんの投稿 #%(number)d](%(url)s) より:") % {
        "name": post.author.display_name.replace("[", "\\[").replace("]", "\\]"),
        "number": post.number, "url": url,
    }  # fmt: skip
    lines = [heading, "", *post.body.strip().splitlines()]
    return "\n".join(f"> {line}".rstrip() for line in lines) + "\n\n"


def pending_requests(access: GroupAccess):
    return JoinRequest.objects.filter(
        group=access.group, status=JoinRequest.Status.PENDING
    ).select_related("member__organization")


def has_pending_request(member, group: Group) -> bool:
    return JoinRequest.objects.filter(
        group=group, member=member, status=JoinRequest.Status.PENDING
    ).exists()


def group_members(access: GroupAccess):
    return access.group.memberships.select_related("member__organization").order_by(
        "role", "member__display_name_kana"
    )


def active_bans(access: GroupAccess):
    """Members removed from the group who may not come back yet, newest first."""
    return GroupBan.objects.filter(group=access.group, lifted_at__isnull=True).select_related(
        "member__organization", "banned_by"
    )


def is_banned(member, group: Group) -> bool:
    return GroupBan.objects.filter(group=group, member=member, lifted_at__isnull=True).exists()


def active_ban(member, group: Group) -> GroupBan | None:
    return GroupBan.objects.filter(group=group, member=member, lifted_at__isnull=True).first()


def group_member_ids(access: GroupAccess):
    """The ids of the group's members, as a subquery."""
    return Membership.objects.filter(group=access.group).values("member_id")


ROLE_ORDER = Case(
    When(role=Membership.Role.OWNER, then=Value(0)),
    When(role=Membership.Role.MODERATOR, then=Value(1)),
    default=Value(2),
)


def group_roster(access: GroupAccess):
    """The group's members as its members see them: owners, then moderators, then members, each
    in kana order; only accounts other members may see (members.selectors.verified_members)."""
    return (
        access.group.memberships.filter(member__in=verified_members().values("pk"))
        .select_related("member__organization__prefecture")
        .annotate(rank=ROLE_ORDER)
        .order_by("rank", "member__display_name_kana", "member__pk")
    )


def moderation_queue(viewer, group: Group | None = None):
    """Open flags in the groups the viewer moderates (one group, or all of them)."""
    flags = Flag.objects.filter(status=Flag.Status.OPEN).select_related(
        "post__topic__group", "post__author", "flagger"
    )
    if group is not None:
        flags = flags.filter(post__topic__group=group)
    if not is_site_moderator(viewer):
        moderated = Membership.objects.filter(
            member=viewer, role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR]
        ).values("group")
        flags = flags.filter(post__topic__group__in=moderated)
    return flags.order_by("created_at")


MODERATOR_ROLES = [Membership.Role.OWNER, Membership.Role.MODERATOR]


def _moderated(viewer):
    """The viewer's memberships with a moderator's role (as a subquery of group ids)."""
    return Membership.objects.filter(member=viewer, role__in=MODERATOR_ROLES).values("group")


def pending_requests_to_moderate(viewer):
    """Pending join requests in the groups ``viewer`` moderates by role (site moderators leave
    these to each group's owners and moderators)."""
    return (
        JoinRequest.objects.filter(status=JoinRequest.Status.PENDING, group__in=_moderated(viewer))
        .select_related("group", "member__organization")
        .order_by("group__name", "created_at")
    )


@dataclass(frozen=True)
class ModerationCounts:
    moderates: bool  # moderator or owner of some group
    flags: int  # open flags, as moderation_queue lists them
    requests: int  # pending join requests, as pending_requests_to_moderate lists them
    proposals: int  # group proposals (counted for site moderators only)


def moderation_counts(viewer) -> ModerationCounts:
    """What waits for ``viewer`` in groups (as moderation_queue, pending_requests_to_moderate
    and proposals list it), however many groups and items there are: member_counts."""
    return member_counts(viewer).moderation


@dataclass(frozen=True)
class MemberCounts:
    moderation: ModerationCounts
    unread: dict[str, dict[int, int]]  # {source key: {group id: unread}} (groups.unread)


def member_counts(viewer) -> MemberCounts:
    """The counts every page's navigation shows ``viewer``: what waits in the moderation
    queues, and the unread counts of the sources registered with a statement (groups.unread),
    in one query. Remembered on ``viewer`` for the request. Written out: Django took ten times
    longer to compile the moderation counts than the database to answer them."""
    cached = getattr(viewer, "_group_member_counts", None)
    if cached is not None:
        return cached
    site = is_site_moderator(viewer)
    moderated = [viewer.pk, *MODERATOR_ROLES]
    sql, params = _MODERATION_COUNTS_SQL, [
        *moderated, Flag.Status.OPEN, site, *moderated, JoinRequest.Status.PENDING,
        *moderated, site, Group.Status.PROPOSED,
    ]  # fmt: skip
    unread: dict[str, dict[int, int]] = {}
    for source in group_unread.registered():
        if source.statement is None:
            continue
        unread[source.key] = {}
        if statement := source.statement(viewer):
            sql += (
                f" UNION ALL SELECT CAST(%s AS text), counted.*, 0, 0 FROM ({statement[0]}) counted"
            )
            params += [source.key, *statement[1]]
    for key, *values in prepared.rows(sql, params):  # the moderation counts' row is labelled ''
        if key:
            unread[key][values[0]] = values[1]
        else:
            moderates, flags, requests, proposals = values
    counts = MemberCounts(ModerationCounts(bool(moderates), flags, requests, proposals), unread)
    viewer._group_member_counts = counts
    return counts


_MODERATED_SQL = f"""
    SELECT membership.group_id FROM {Membership._meta.db_table} membership
    WHERE membership.member_id = %s AND membership.role IN (%s, %s)"""
_MODERATION_COUNTS_SQL = f"""
    SELECT '', CASE WHEN EXISTS({_MODERATED_SQL}) THEN 1 ELSE 0 END,
    (SELECT COUNT(*) FROM {Flag._meta.db_table} flag
        JOIN {Post._meta.db_table} post ON post.id = flag.post_id
        JOIN {Topic._meta.db_table} topic ON topic.id = post.topic_id
        WHERE flag.status = %s AND (%s OR topic.group_id IN ({_MODERATED_SQL}))),
    (SELECT COUNT(*) FROM {JoinRequest._meta.db_table} request
        WHERE request.status = %s AND request.group_id IN ({_MODERATED_SQL})),
    (SELECT COUNT(*) FROM {Group._meta.db_table} grp WHERE %s AND grp.status = %s)
"""


def moderated_groups(viewer):
    """Active groups ``viewer`` moderates (all of them for site moderators)."""
    groups = Group.objects.filter(status=Group.Status.ACTIVE).order_by("name")
    if is_site_moderator(viewer):
        return groups
    return groups.filter(
        memberships__member=viewer,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR],
    )


def moderation_log(group: Group):
    return ModerationLog.objects.filter(group=group).select_related(
        "actor", "topic", "target_member"
    )


def proposals():
    return Group.objects.filter(status=Group.Status.PROPOSED).select_related("proposed_by")


def readable_groups(viewer):
    """Active groups whose topics the viewer may read (see policies.can_read)."""
    if not is_verified_member(viewer):
        return Group.objects.none()
    groups = Group.objects.filter(status=Group.Status.ACTIVE)
    if is_site_moderator(viewer):
        return groups
    mine = Membership.objects.filter(group=OuterRef("pk"), member=viewer)
    return groups.filter(Q(kind=Group.Kind.OPEN) | Exists(mine))


def readable_group_names(viewer) -> list[Group]:
    """readable_groups with their slug and name only, by name (a list to filter by): one query
    compiled once."""
    if not is_verified_member(viewer):
        return []
    return _READABLE_GROUP_NAMES(viewer, shape=is_site_moderator(viewer))


def _readable_group_names(viewer, *, shape: bool):
    return readable_groups(viewer).order_by("name").only("slug", "name")


_READABLE_GROUP_NAMES = FixedQuerySet(_readable_group_names)


def _moderated_ids(viewer):
    """The ids of the groups ``viewer`` moderates by role (site moderators: see callers)."""
    return Membership.objects.filter(
        member=viewer, role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR]
    ).values("group")


def visible_topics(viewer):
    """Every topic the viewer may see (policies.can_see_topic): those of the groups they may
    read, hidden ones only where they moderate."""
    if not is_verified_member(viewer):
        return Topic.objects.none()
    topics = Topic.objects.filter(group__in=readable_groups(viewer))
    if is_site_moderator(viewer):
        return topics
    return topics.filter(Q(is_hidden=False) | Q(group__in=_moderated_ids(viewer)))


def visible_posts(viewer):
    """Every post the viewer may see (policies.can_see_post), deleted ones included (they show
    as a note); ``.filter(deleted_at__isnull=True)`` for those whose text they may read."""
    if not is_verified_member(viewer):
        return Post.objects.none()
    posts = Post.objects.filter(topic__in=visible_topics(viewer))
    if is_site_moderator(viewer):
        return posts
    return posts.filter(
        Q(is_hidden=False) | Q(author=viewer) | Q(topic__group__in=_moderated_ids(viewer))
    )


def visible_attachments(viewer):
    """Every attachment the viewer may download: those of posts whose text they may read
    (policies.can_see_post_text, as groups.access.attachment_for)."""
    return Attachment.objects.filter(post__in=visible_posts(viewer).filter(deleted_at__isnull=True))


def bookmarks(viewer):
    return Bookmark.objects.filter(
        member=viewer,
        post__topic__group__in=readable_groups(viewer),
        post__deleted_at__isnull=True,
        post__is_hidden=False,
        post__topic__is_hidden=False,
    ).select_related("post__topic__group", "post__author")


# --- who may still see what a notification is about (members.notification_subjects) --------


def members_in_groups(pairs, group_of: dict[int, int], known=None):
    """For (member id, object id) pairs and {object id: group id}: the members by id (each
    already knowing whether it is verified; those ``known`` as given), and their memberships by
    (member id, group id). Two queries, one when every member is known."""
    member_ids = {member_id for member_id, _object_id in pairs}
    members = members_by_id(member_ids, known)
    groups = set(group_of.values())
    if len(member_ids) == 1 and (shared := notification_subjects.shared()) is not None:
        # one member's notifications (the bell): all their memberships, read once for every
        # kind of subject the notifications are about (with the member, when they signed in)
        (member_id,) = member_ids
        if (member_id, "memberships") not in shared:
            mine = signed_in_memberships(members.get(member_id))
            shared[member_id, "memberships"] = (
                _MEMBERSHIPS_OF_MEMBER(member_id) if mine is None else mine
            )
        rows = [row for row in shared[member_id, "memberships"] if row.group_id in groups]
    else:
        rows = _memberships_of(member_ids, groups)
    return members, {(row.member_id, row.group_id): row for row in rows}


SIGNED_IN_MEMBERSHIPS = "groups.memberships"
_MEMBERSHIP_COLUMNS = [field.attname for field in Membership._meta.concrete_fields]


def memberships_listed():
    """The signed-in member's memberships, read with their row (members.selectors
    .register_signed_in_column): the bell's checks need them on every page."""
    mine = Membership.objects.filter(member=OuterRef("pk"))
    return listed_column(mine, "member", *_MEMBERSHIP_COLUMNS)


def signed_in_memberships(member) -> list[Membership] | None:
    """``member``'s memberships as read when they signed in, once (None if they were not)."""
    value = take_signed_in_column(member, SIGNED_IN_MEMBERSHIPS)
    if value is None:
        return None
    return [Membership.from_db("default", _MEMBERSHIP_COLUMNS, _membership_values(row))
            for row in json.loads(f"[{value}]")]  # fmt: skip


def _membership_values(row: list) -> list:
    values = dict(zip(_MEMBERSHIP_COLUMNS, row, strict=True))
    for name in ("joined_at", "suspended_until"):
        values[name] = listed_datetime(values[name])
    return list(values.values())


def _memberships_of(member_ids, group_ids) -> list[Membership]:
    """The memberships of these members in these groups, compiled once for each power of two
    of their numbers (cityhall.compiled.padded): a reply's notifications ask on every post."""
    members, member_count = padded(sorted(member_ids))
    # None: an object of no group (an event's chat room), in which nobody is a member
    groups, group_count = padded(sorted(pk for pk in group_ids if pk is not None))
    if not members or not groups:
        return []
    return _MEMBERSHIPS_OF(*members, *groups, shape=(member_count, group_count))


def _memberships_of_query(*ids, shape):
    member_count, _group_count = shape
    return Membership.objects.filter(member__in=ids[:member_count], group__in=ids[member_count:])


_MEMBERSHIPS_OF = FixedQuerySet(_memberships_of_query)
_MEMBERSHIPS_OF_MEMBER = FixedQuerySet(
    lambda member_id, *, shape: Membership.objects.filter(member=member_id)
)


def posts_seen(pairs, known=None, subjects=None) -> set[tuple[int, int]]:
    """The (member id, post id) pairs where the member may see the post: policies.can_see_post.
    ``subjects``: posts the caller has just written, with their topic and group."""
    ids = {post for _m, post in pairs}
    if subjects and ids <= subjects.keys():
        posts = subjects
    else:
        posts = _notified_posts(pairs, known, ids) or _posts_to_check(ids)
    group_of = {pk: post.topic.group_id for pk, post in posts.items()}
    members, memberships = members_in_groups(pairs, group_of, known)
    return {
        (member_id, post_id) for member_id, post_id in pairs
        if member_id in members and post_id in posts
        and policies.can_see_post(members[member_id], posts[post_id],
                                  memberships.get((member_id, group_of[post_id])))
    }  # fmt: skip


# The fields of a post that the policies read, in the order of the model's fields.
_POST_CHECKED = ("id", "topic_id", "author_id", "is_hidden")

SIGNED_IN_NOTIFIED_POSTS = "groups.notified_posts"
# What policies.can_see_post reads of a post, its topic and its group (each model's fields in
# its own order, as from_db takes them).
_NOTIFIED_POST_FIELDS = (
    "pk", "topic_id", "author_id", "is_hidden", "topic__is_hidden", "topic__group_id",
    "topic__group__kind", "topic__group__status", "topic__group__proposed_by_id",
)  # fmt: skip


def notified_listed(model, *fields):
    """``fields`` of the objects of ``model`` the signed-in member's unread notifications are
    about, read with their row (members.selectors.register_signed_in_column): the bell on every
    page checks that each is still theirs to see."""
    unread = Notification.objects.filter(
        recipient=OuterRef(OuterRef("pk")), read_at__isnull=True,
        subject_type=model._meta.label_lower,
    )  # fmt: skip
    rows = model.objects.filter(pk__in=unread.values("subject_id")).annotate(every=Value(1))
    return listed_column(rows, "every", *fields)


def notified_rows(pairs, known, name: str) -> list | None:
    """The rows of the signed-in column ``name`` (notified_listed) when the pairs are of one
    recipient the caller has loaded (the bell's member), else None."""
    recipients = {member_id for member_id, _object_id in pairs}
    member = (known or {}).get(next(iter(recipients))) if len(recipients) == 1 else None
    value = take_signed_in_column(member, name) if member else None
    return None if value is None else json.loads(f"[{value}]")


def notified_posts_listed():
    return notified_listed(Post, *_NOTIFIED_POST_FIELDS)


def _notified_posts(pairs, known, ids) -> dict[int, Post] | None:
    """{id: post} of ``ids`` as read with their one recipient (notified_posts_listed), or None:
    another member's, or a post notified since."""
    rows = notified_rows(pairs, known, SIGNED_IN_NOTIFIED_POSTS)
    if rows is None:
        return None
    posts = {}
    for pk, topic_id, author, hidden, topic_hidden, group_id, *group in rows:
        topic = Topic.from_db(Topic.objects.db, ("id", "group_id", "is_hidden"),
                              (topic_id, group_id, bool(topic_hidden)))  # fmt: skip
        topic.group = Group.from_db(Group.objects.db, ("id", "kind", "status", "proposed_by_id"),
                                    (group_id, *group))  # fmt: skip
        post = Post.from_db(Post.objects.db, _POST_CHECKED, (pk, topic_id, author, bool(hidden)))
        post.topic = topic
        posts[pk] = post
    return posts if ids <= posts.keys() else None


def _posts_to_check(ids) -> dict[int, Post]:
    """{id: post} of these posts as the policies read them, in one query compiled once for each
    power of two of their number: a row per topic, with its group, holding the few fields of
    its posts that the policies read (a member's unread notifications are mostly about a few
    topics); the posts' other fields, their texts among them, load if read. A bell over 166
    unread replies: 12 ms with every post, topic and group made from a full row of its own,
    2 ms so; one new reply's recipients: 0.1 ms."""
    posts = {}
    width = len(_TOPIC_FIELDS)
    for row in _TOPICS_OF_POSTS(ids):
        topic = Topic.from_db(Topic.objects.db, _TOPIC_FIELDS, row[:width])
        topic.group = Group.from_db(Group.objects.db, _GROUP_FIELDS, row[width:-1])
        for fact in row[-1].split(","):
            pk, author, hidden = fact.split(" ")
            post = Post.from_db(
                Post.objects.db, _POST_CHECKED, (int(pk), topic.pk, int(author), hidden == "1")
            )
            post.topic = topic
            posts[post.pk] = post
    return posts


def _topics_of_posts(ids):
    hidden = Case(When(is_hidden=True, then=Value("1")), default=Value("0"))
    facts = (
        Post.objects.filter(pk__in=ids, topic=OuterRef("pk")).values("topic")
        .annotate(facts=StringAgg(Concat(Cast("pk", CharField()), Value(" "),
                                         Cast("author_id", CharField()), Value(" "), hidden),
                                  Value(",")))
        .values("facts")
    )  # fmt: skip
    return (Topic.objects.filter(pk__in=Post.objects.filter(pk__in=ids).values("topic_id"))
            .annotate(post_facts=Subquery(facts))
            .values_list(*_TOPIC_FIELDS, *(f"group__{name}" for name in _GROUP_FIELDS),
                         "post_facts"))  # fmt: skip


_TOPIC_FIELDS = [field.attname for field in Topic._meta.concrete_fields]
_GROUP_FIELDS = [field.attname for field in Group._meta.concrete_fields]
_TOPICS_OF_POSTS = FixedIds(_topics_of_posts)


def groups_seen(pairs, known=None, subjects=None) -> set[tuple[int, int]]:
    """The (member id, group id) pairs where the member may know the group (invitations
    included): policies.can_see_group."""
    groups = Group.objects.in_bulk({group for _m, group in pairs})
    members, memberships = members_in_groups(pairs, {pk: pk for pk in groups}, known)
    invited = set(
        Invitation.objects.filter(
            member__in=members, group__in=groups, status=Invitation.Status.PENDING
        ).values_list("member", "group")
    )
    return {
        (member_id, group_id) for member_id, group_id in pairs
        if member_id in members and group_id in groups
        and policies.can_see_group(members[member_id], groups[group_id],
                                   memberships.get((member_id, group_id)),
                                   invited=(member_id, group_id) in invited)
    }  # fmt: skip


def topic_head(topic_id: int) -> int:
    """How far the topic goes: the number of its latest post."""
    return Topic.objects.values_list("highest_post_number", flat=True).get(pk=topic_id)


# --- the home page (groups.home): each a fixed number of queries ------------------------------

HOME_TOPICS = 8
HOME_ITEMS = 5


def my_groups_with_unread(viewer) -> list[Group]:
    """The active groups ``viewer`` belongs to (``my_role``), latest activity first, each with
    what unread_by_group counts for it, in the same query: ``unread``
    (topics the viewer has opened, with posts since) and ``new`` (topics started since they
    joined that they have not opened). Remembered on the member for the request."""
    if not is_verified_member(viewer):
        return []
    found = getattr(viewer, "_my_groups_with_unread", None)
    if found is None:
        params = [*_counted_params(viewer), Group.Status.ACTIVE]
        found = []
        for group, role, unread, new in prepared.instances(Group, _MY_GROUPS_SQL, params):
            group.my_role, group.unread, group.new = role, unread, new
            found.append(group)
        viewer._my_groups_with_unread = found
    return found


# Sent bound on the server (cityhall.prepared): as a raw queryset PostgreSQL planned it anew
# on every home page (0.3 of its 0.6 ms).
_MY_GROUPS_SQL = (
    f"SELECT {', '.join(f'grp.{field.column}' for field in Group._meta.concrete_fields)}, "
    f"membership.role, {_UNREAD_COUNTS} {_MY_GROUPS_COUNTED} AND grp.status = %s "
    "ORDER BY grp.last_activity_at DESC, grp.id"
)


def _unread_topic():
    """Opened and replied to since, or never opened and started since the viewer joined."""
    return Q(highest_post_number__gt=F("read_to"))


def _read_topic():
    """What _unread_topic is not: opened and read to its end, or started before they joined."""
    return Q(highest_post_number__lte=F("read_to"))


def _topics_in_my_group(viewer, group):
    """A group's topics that every member may see (no hidden ones, also not for moderators:
    the home page is no moderation tool), each with how far the viewer read it (``last_read``)
    and ``read_to``: that, or for a topic never opened, -1 when it started since the viewer
    joined the group (all unread) and its last post when before (all read). One read state
    asked a topic: written as "opened and ..., or never opened and ...", the conditions asked
    it three times (the home's union of 32 groups, SQLite: 4.2 → 3.4 ms).

    SQLite joins the read state (the union, 2.9 → 1.9 ms): as a subquery, it opens a cursor on
    the read states for every topic, and opening cursors was 9 % of its instructions in the
    union (callgrind), where it steps a row 2.5 times slower than the part alone. PostgreSQL
    asks a subquery: with the join, its generic plan read all of the member's read states for
    every topic (45 ms, against 4 ms)."""
    joined = Membership.objects.filter(group=group, member=viewer).values("joined_at")[:1]
    since_joined = When(created_at__gte=Subquery(joined), then=Value(-1))
    topics = Topic.objects.filter(group=group, is_hidden=False)
    if connection.vendor == "sqlite":
        topics = topics.annotate(
            my_read=FilteredRelation("reads", condition=Q(reads__member=viewer)),
            last_read=F("my_read__last_read_post_number"),
        )
        read = F("last_read")
    else:
        read = Subquery(
            TopicRead.objects.filter(topic=OuterRef("pk"), member=viewer).values(
                "last_read_post_number"
            )[:1],
            output_field=IntegerField(),
        )
        topics = topics.annotate(last_read=read)
    return topics.annotate(
        read_to=Coalesce(
            read, Case(since_joined, default=F("highest_post_number"), output_field=IntegerField())
        )
    )


# The groups whose topics the home page lists: the member's most recently active ones.
HOME_GROUPS = 32
# What a topic of the home page shows (groups/home/topics.html) and its link reads.
_HOME_TOPIC_FIELDS = (
    "id",
    "group_id",
    "author_id",
    "title",
    "is_question",
    "accepted_post_id",
    "last_posted_at",
    "highest_post_number",
)  # in the model's order (from_db)
_NEWEST_POST = _HOME_TOPIC_FIELDS.index("last_posted_at")


def home_topics(viewer) -> tuple[list[Topic], list[Topic]]:
    """(unread topics, the latest of the others) in the viewer's groups, newest post first; each
    topic knows ``unread`` posts (or ``is_new``). One query: each group's newest of each kind,
    its topics read newest first until enough are found (an index), as values; the newest of
    them all made topics. Ranking every topic of the member's groups took 81 ms in a group of
    2,000 topics; making the 16 groups' 256 candidates topics, groups and authors, 9 ms."""
    mine = [group.pk for group in my_groups_with_unread(viewer)][:HOME_GROUPS]
    unread, latest = [], []
    if not mine:
        return unread, latest
    if connection.vendor == "postgresql":
        member = [viewer.pk] * 3
        rows = prepared.rows(_HOME_TOPICS_EACH_GROUP, [mine, *member, HOME_TOPICS] * 2)
    else:
        groups, count = padded(mine)
        rows = _HOME_TOPICS(viewer, *groups, shape=count)
    for row in sorted(rows, key=lambda row: (row[_NEWEST_POST], row[0]), reverse=True):
        kind = unread if row[-1] else latest
        if len(kind) < HOME_TOPICS:
            kind.append(_home_topic(row))
    return unread, latest


def _home_topic(row) -> Topic:
    width = len(_HOME_TOPIC_FIELDS)
    group_slug, group_name, author_name, last_read, _is_unread = row[width:]
    topic = Topic.from_db(Topic.objects.db, _HOME_TOPIC_FIELDS, row[:width])
    topic.group = Group.from_db(Group.objects.db, ("id", "slug", "name"),
                                (topic.group_id, group_slug, group_name))  # fmt: skip
    topic.author = User.from_db(
        User.objects.db, ("id", "display_name"), (topic.author_id, author_name)
    )
    topic.last_read, topic.is_new = last_read, last_read is None
    topic.unread = 0 if topic.is_new else topic.highest_post_number - last_read
    return topic


def _home_topic_parts(viewer, *groups, shape: int) -> list:
    newest = [F("last_posted_at").desc(), F("pk").desc()]
    shown = (*_HOME_TOPIC_FIELDS, "group__slug", "group__name", "author__display_name")
    return [
        _topics_in_my_group(viewer, group).filter(condition)
        .annotate(is_unread=Value(is_unread)).order_by(*newest)
        .values_list(*shown, "last_read", "is_unread")[:HOME_TOPICS]
        for group in groups
        for is_unread, condition in ((True, _unread_topic()), (False, _read_topic()))
    ]  # fmt: skip


_HOME_TOPICS = FixedUnion(_home_topic_parts)


def _home_topics_of_a_group(unread: bool) -> str:
    """_home_topic_parts' part for one kind, written for PostgreSQL's LATERAL join: a group
    (``mine.group_id``) at a time. Parameters: the member three times, then HOME_TOPICS."""
    read = (f"(SELECT topic_read.last_read_post_number FROM {TopicRead._meta.db_table} "
            "topic_read WHERE topic_read.member_id = %s AND topic_read.topic_id = topic.id "
            "LIMIT 1)")  # fmt: skip
    joined = (
        f"(SELECT membership.joined_at FROM {Membership._meta.db_table} membership "
        "WHERE membership.group_id = mine.group_id AND membership.member_id = %s LIMIT 1)"
    )
    fields = ", ".join(f"topic.{Topic._meta.get_field(name).column}"
                       for name in _HOME_TOPIC_FIELDS)  # fmt: skip
    return f"""
        SELECT {fields}, grp.slug, grp.name, author.display_name, {read},
               {"TRUE" if unread else "FALSE"}
        FROM {Topic._meta.db_table} topic
        JOIN {Group._meta.db_table} grp ON grp.id = topic.group_id
        JOIN {User._meta.db_table} author ON author.id = topic.author_id
        WHERE topic.group_id = mine.group_id AND NOT topic.is_hidden
          AND topic.highest_post_number {">" if unread else "<="} COALESCE({read}, CASE
              WHEN topic.created_at >= {joined} THEN -1 ELSE topic.highest_post_number END)
        ORDER BY topic.last_posted_at DESC, topic.id DESC LIMIT %s"""


# PostgreSQL: the 32 parts of _HOME_TOPICS as one part per kind, joined LATERAL to the groups
# (an array): its generic plan ran the union in 5.4 ms, this in 2.1 (the forum bench's home,
# a member of 16 groups); SQLite has no LATERAL. The same rows as _HOME_TOPICS.
_HOME_TOPICS_EACH_GROUP = " UNION ALL ".join(
    f"SELECT part.* FROM unnest(%s::bigint[]) AS mine(group_id) "
    f"CROSS JOIN LATERAL ({_home_topics_of_a_group(unread)}) part"
    for unread in (True, False)
)


def open_questions_in_fields(viewer) -> list[Topic]:
    """Questions without an accepted answer, in groups the viewer may read, that concern one of
    the viewer's fields of work (a tag of that name, a group of that name, or the name in the
    title); not the viewer's own, not hidden, not locked. Newest first (home_questions)."""
    return home_questions(viewer)["fields"]


def answers_to_my_questions(viewer) -> list[Topic]:
    """The viewer's questions that have replies the viewer has not read, in groups they may
    still read, newest reply first; each knows ``unread`` (home_questions)."""
    return home_questions(viewer)["answers"]


def home_questions(viewer) -> dict[str, list[Topic]]:
    """{"answers": answers_to_my_questions, "fields": open_questions_in_fields}: one query for
    both home panels, asked once per request (kept on the request's member)."""
    found = getattr(viewer, "_home_questions", None)
    if found is None:
        found = {"answers": [], "fields": []}
        if is_verified_member(viewer):
            for topic in _HOME_QUESTIONS(viewer, shape=is_site_moderator(viewer)):
                topic.unread = topic.highest_post_number - topic.last_read
                found[topic.panel].append(topic)
            # each part comes in its own order, but SQL promises no order across a UNION ALL
            found["answers"].sort(key=lambda t: (t.last_posted_at, t.pk), reverse=True)
            found["fields"].sort(key=lambda t: (t.created_at, t.pk), reverse=True)
        viewer._home_questions = found
    return found


# What the two lists show (groups/home/needs_me.html, questions.html) and the links read.
_HOME_QUESTION_SHOWN = ("group__slug", "group__name", "title", "accepted_post_id",
                        "highest_post_number", "last_posted_at", "reply_count", "created_at",
                        "author__display_name")  # fmt: skip


def _home_questions(viewer, *, shape: bool) -> list:
    readable = readable_groups(viewer).values("pk")
    last_read = TopicRead.objects.filter(topic=OuterRef("pk"), member=viewer).values(
        "last_read_post_number"
    )[:1]
    answers = (
        Topic.objects.filter(author=viewer, is_question=True, is_hidden=False, group__in=readable)
        .annotate(last_read=Coalesce(Subquery(last_read, output_field=IntegerField()), Value(0)))
        .filter(highest_post_number__gt=F("last_read"))
        .order_by("-last_posted_at", "-pk")[:HOME_ITEMS]
    )
    fields = WorkField.objects.filter(user=viewer)
    names = fields.values("name")
    tagged = Topic.tags.through.objects.filter(topic=OuterRef("pk"), tag__name__in=names)
    title = ExpressionWrapper(OuterRef("title"), output_field=CharField())
    in_title = fields.alias(title=title).filter(title__icontains=F("name"))
    about = Q(Exists(tagged)) | Q(group__name__in=names) | Q(Exists(in_title))
    in_fields = (
        Topic.objects.filter(group__in=readable, is_question=True, accepted_post__isnull=True,
                             is_hidden=False, is_locked=False)
        .exclude(author=viewer).filter(about)
        .annotate(last_read=Coalesce(Subquery(last_read, output_field=IntegerField()), Value(0)))
        .order_by("-created_at", "-pk")[:HOME_TOPICS]
    )  # fmt: skip
    return [
        queryset.annotate(panel=Value(panel)).select_related("group", "author")
        .only(*_HOME_QUESTION_SHOWN)
        for panel, queryset in (("answers", answers), ("fields", in_fields))
    ]  # fmt: skip


_HOME_QUESTIONS = FixedUnion(_home_questions)
