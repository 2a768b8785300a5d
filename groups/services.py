"""Every write in groups: proposals, memberships, topics, posts, reactions, read state, watches,
flags and moderation. Each runs in one transaction and publishes after commit."""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall import markdown, ratelimits, realtime
from cityhall.compiled import FixedQuerySet, index_condition
from cityhall.uploads import delete_unless_committed
from groups import drafts, policies, selectors
from groups import search as group_search
from groups.attachments import check_upload
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
    PostRevision,
    Reaction,
    Tag,
    Topic,
    TopicRead,
    Watch,
    WatchLevel,
)
from groups.notifications import (
    ACCEPTED_ANSWER,
    GROUP,
    MENTION,
    MODERATED,
    MODERATION,
    REPLY,
    WATCHED_REPLY,
)
from groups.slugs import new_slug
from groups.tasks import attachment_preview_make
from members import selectors as member_selectors
from members.models import User
from members.services import (
    member_access_changed,
    notification_create,
    notifications_create,
    notifications_create_by_kind,
)
from search import outbox

# --- groups and memberships ---------------------------------------------------------------


def _slug_for(name: str) -> str:
    return new_slug(name, taken=lambda slug: Group.objects.filter(slug=slug).exists())


@transaction.atomic
def group_propose(*, proposer: User, name: str, description: str, kind: str, reason: str) -> Group:
    ratelimits.hit("propose", proposer)
    group = Group(
        name=name.strip(),
        description=description.strip(),
        kind=kind,
        proposal_reason=reason.strip(),
        proposed_by=proposer,
        slug=_slug_for(name),
    )
    group.full_clean()
    group.save()
    _notify_site_moderators(group)
    return group


@transaction.atomic
def group_decide(*, reviewer: User, group: Group, approve: bool, message: str) -> Group:
    ratelimits.hit("moderation", reviewer)
    if not policies.can_review_proposals(reviewer):
        raise PermissionDenied
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.status != Group.Status.PROPOSED:
        raise ValidationError(_("このグループの審査はすでに終わっています。"))
    group.status = Group.Status.ACTIVE if approve else Group.Status.DECLINED
    group.decision_message, group.decided_by, group.decided_at = message, reviewer, timezone.now()
    group.save()
    if approve:
        Membership.objects.create(group=group, member=group.proposed_by, role=Membership.Role.OWNER)
    _notify_group(group.proposed_by, "approved" if approve else "declined", group,
                  linked=approve)  # fmt: skip
    return group


@transaction.atomic
def group_join(*, member: User, group: Group) -> Membership:
    ratelimits.hit("membership", member)
    if not policies.can_join(member, group, None):
        raise PermissionDenied
    _refuse_if_banned(member, group)
    membership, _created = Membership.objects.get_or_create(group=group, member=member)
    return membership


@transaction.atomic
def group_leave(*, member: User, group: Group) -> None:
    ratelimits.hit("membership", member)
    _lock_group(group)
    membership = Membership.objects.filter(group=group, member=member).first()
    if membership is None:
        return
    if membership.role == Membership.Role.OWNER and _owner_count(group) == 1:
        raise ValidationError(
            _("最後のオーナーは退会できません。先に別のオーナーを任命してください。")
        )
    membership.delete()
    member_access_changed(member=member)


@transaction.atomic
def join_request_create(*, member: User, group: Group, message: str) -> JoinRequest:
    ratelimits.hit("membership", member)
    if not policies.can_request_to_join(member, group, None):
        raise PermissionDenied
    _refuse_if_banned(member, group)
    request, created = JoinRequest.objects.get_or_create(
        group=group, member=member, status=JoinRequest.Status.PENDING,
        defaults={"message": message.strip()},
    )  # fmt: skip
    if created:
        for moderator in _moderators(group):
            _notify_group(moderator, "requested", group, actor=member,
                          url=reverse("groups:members", args=[group.slug]))  # fmt: skip
    return request


@transaction.atomic
def join_request_decide(*, moderator: User, request: JoinRequest, approve: bool) -> None:
    ratelimits.hit("moderation", moderator)
    request = JoinRequest.objects.select_for_update().select_related("group").get(pk=request.pk)
    _require_moderator(moderator, request.group)
    if request.status != JoinRequest.Status.PENDING:
        return
    request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    request.decided_by, request.decided_at = moderator, timezone.now()
    request.save()
    if approve:
        Membership.objects.get_or_create(group=request.group, member=request.member)
    event = "request_approved" if approve else "request_declined"
    _notify_group(request.member, event, request.group, linked=approve)


@transaction.atomic
def invitation_create(*, inviter: User, group: Group, invitee: User) -> Invitation:
    ratelimits.hit("moderation", inviter)
    _require_moderator(inviter, group)
    if group.memberships.filter(member=invitee).exists():
        raise ValidationError(
            _("%(name)sさんはすでにメンバーです。") % {"name": invitee.display_name}
        )
    if selectors.is_banned(invitee, group):
        raise ValidationError(
            _(
                "%(name)sさんはこのグループから外されています。招待する前に「再参加を許可」してください。"
            )
            % {"name": invitee.display_name},
            code="banned",
        )
    invitation, created = Invitation.objects.get_or_create(
        group=group, member=invitee, status=Invitation.Status.PENDING,
        defaults={"invited_by": inviter},
    )  # fmt: skip
    if created:
        _notify_group(invitee, "invited", group, actor=inviter)
    return invitation


@transaction.atomic
def invitation_answer(*, member: User, invitation: Invitation, accept: bool) -> None:
    ratelimits.hit("membership", member)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.member_id != member.pk or invitation.status != Invitation.Status.PENDING:
        raise PermissionDenied
    if accept:
        _refuse_if_banned(member, invitation.group)
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    invitation.save(update_fields=["status"])
    if accept:
        Membership.objects.get_or_create(group=invitation.group, member=member)


@transaction.atomic
def membership_set_role(*, actor: User, membership: Membership, role: str) -> None:
    ratelimits.hit("moderation", actor)
    group = _lock_group(membership.group)
    membership = _target(membership)
    if not policies.may_set_role(actor, group, _membership(actor, group), membership.member,
                                 membership, role):  # fmt: skip
        raise PermissionDenied(_("この会員の役割は変えられません。"))
    if membership.role == role:
        return
    if membership.role == Membership.Role.OWNER and _owner_count(group) == 1:
        raise ValidationError(_("最後のオーナーの役割は変えられません。"))
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    log_action(group, actor, f"role:{role}", target_member=membership.member)


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership, reason: str) -> GroupBan:
    """Take ``membership``'s member out of the group, for ``reason``, which they are told. They
    may not join again, ask to or be invited until a moderator allows it (ban_lift)."""
    ratelimits.hit("moderation", actor)
    membership = _target(membership)
    _require_acting_on(actor, membership)
    if membership.role == Membership.Role.OWNER:
        raise ValidationError(_("オーナーは外せません。先に役割を変えてください。"))
    reason = _required_reason(reason, _("外す理由を書いてください。外された人に伝わります。"))
    group, member = membership.group, membership.member
    log_action(group, actor, "remove_member", target_member=member, reason=reason)
    membership.delete()
    ban = GroupBan.objects.create(group=group, member=member, reason=reason, banned_by=actor)
    member_access_changed(member=member)
    # No subject: a removed member of a closed or secret group may no longer see it, and
    # must still be told.
    _notify_moderated(member, "removed", group, linked=group.kind == Group.Kind.OPEN,
                      subject=None, reason=reason)  # fmt: skip
    return ban


@transaction.atomic
def ban_lift(*, actor: User, ban: GroupBan) -> None:
    """Allow a removed member to join again (「再参加を許可」). Lifting a lifted ban does
    nothing, so two moderators pressing it at once make one record."""
    ratelimits.hit("moderation", actor)
    ban = (
        GroupBan.objects.select_for_update(of=("self",))
        .select_related("group", "member")
        .get(pk=ban.pk)
    )
    _require_moderator(actor, ban.group)
    if not ban.is_active:
        return
    ban.lifted_at, ban.lifted_by = timezone.now(), actor
    ban.save(update_fields=["lifted_at", "lifted_by"])
    log_action(ban.group, actor, "allow_rejoin", target_member=ban.member)
    _notify_moderated(ban.member, "rejoin_allowed", ban.group,
                      linked=ban.group.kind != Group.Kind.SECRET, subject=None)  # fmt: skip


@transaction.atomic
def membership_suspend(*, actor: User, membership: Membership, until, reason: str) -> None:
    """Stop the member from posting in the group until ``until`` (None lifts it); they are
    told until when and why."""
    ratelimits.hit("moderation", actor)
    membership = _target(membership)
    _require_acting_on(actor, membership)
    if until is not None:
        if until <= timezone.now():
            raise ValidationError(_("停止の期限は今より後にしてください。"))
        reason = _required_reason(reason, _("停止する理由を書いてください。本人に伝わります。"))
    membership.suspended_until = until
    membership.save(update_fields=["suspended_until"])
    action = "suspend_member" if until else "unsuspend_member"
    log_action(membership.group, actor, action, target_member=membership.member, reason=reason)
    if until is not None:
        _notify_moderated(membership.member, "suspended", membership.group, reason=reason,
                          until=_when(until))  # fmt: skip
    else:
        _notify_moderated(membership.member, "unsuspended", membership.group)


def _required_reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, code="required")
    return reason[:500]


def _when(moment) -> str:
    """A moment for a notification's text, read the same in every language: Japan time."""
    return timezone.localtime(moment).strftime("%Y/%m/%d %H:%M")


def _refuse_if_banned(member: User, group: Group) -> None:
    if selectors.is_banned(member, group):
        raise ValidationError(
            _("このグループのメンバーから外されているため、参加できません。モデレーターが再参加を許可すると参加できるようになります。"),
            code="banned",
        )  # fmt: skip


def _target(membership: Membership) -> Membership:
    """The membership as it is now, locked, with its member and group. If it is gone (another
    moderator removed them a moment ago, or they left), a ValidationError says so."""
    found = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("member", "group")
        .filter(pk=membership.pk)
        .first()
    )
    if found is None:
        raise ValidationError(
            _("この会員はもうこのグループのメンバーではありません。"), code="gone"
        )
    return found


def _require_acting_on(actor: User, membership: Membership) -> None:
    group = membership.group
    if not policies.may_act_on(actor, group, _membership(actor, group), membership.member,
                               membership):  # fmt: skip
        raise PermissionDenied(
            _(
                "%(name)sさんにはこの操作ができません。モデレーターは一般のメンバーに、オーナーはモデレーターと一般のメンバーに操作できます。"
            )
            % {"name": membership.member.display_name}
        )


def _lock_group(group: Group) -> Group:
    """Lock the group row: changes to who owns it wait for each other."""
    return Group.objects.select_for_update().get(pk=group.pk)


def _owner_count(group: Group) -> int:
    return Membership.objects.filter(group=group, role=Membership.Role.OWNER).count()


# --- topics and posts ---------------------------------------------------------------------


@transaction.atomic
def topic_create(
    *,
    author: User,
    group: Group,
    title: str,
    body: str,
    tags=(),
    is_question=False,
    files=(),
    client_id: str = "",
) -> Topic:
    """A new topic with its first post. Sent again with the same ``client_id`` and text (a
    double submission), it returns the topic the first one made; with other text (the form
    changed after going back to it), that text becomes a topic of its own."""
    ratelimits.hit("post", author)
    if not policies.can_post(author, group, _membership(author, group)):
        raise PermissionDenied
    if client_id and (first := _first_post_by_client_id(author, client_id)):
        if (first.topic.title, first.body) == (title.strip(), body):
            return first.topic
        client_id = ""
    topic = Topic(group=group, author=author, title=title.strip(), is_question=is_question,
                  client_id=client_id)  # fmt: skip
    topic.full_clean(exclude=["client_id"])  # its uniqueness: checked above, held by the DB
    try:
        with transaction.atomic():
            topic.save()
    except IntegrityError:
        # The same form, sent at the same moment, won the race and committed first.
        if client_id and (first := _first_post_by_client_id(author, client_id)):
            return first.topic
        raise
    topic.tags.set(_tags(tags))
    _add_post(topic, author, body, files=files)
    drafts.draft_discard(member=author, group=group)
    return topic


def first_posts_by_client_id(author: User, client_id: str):
    """The first post of the author's topic sent with ``client_id`` (one at most), the topic
    found through the unique index of those sent with one (one_topic_per_client_id)."""
    sent_with_one = index_condition(Topic, "one_topic_per_client_id")
    return Post.objects.filter(
        sent_with_one, number=1, topic__author=author, topic__client_id=client_id
    )


def _first_post_by_client_id(author: User, client_id: str) -> Post | None:
    return first_posts_by_client_id(author, client_id).select_related("topic__group").first()


def posts_by_client_id(topic: Topic, author: User, client_id: str):
    """The author's post in the topic sent with ``client_id`` (one at most), found through the
    unique index of those sent with one (one_post_per_client_id), whose condition is written
    out: SQLite, whose plans never depend on a bound value (cityhall/sqlite), read every post
    of the topic otherwise."""
    sent_with_one = index_condition(Post, "one_post_per_client_id")
    return Post.objects.filter(sent_with_one, topic=topic, author=author, client_id=client_id)


@transaction.atomic
def post_create(
    *,
    author: User,
    topic: Topic,
    body: str,
    reply_to: Post | None = None,
    files=(),
    client_id: str = "",
) -> Post:
    """A reply. Sent again with the same ``client_id`` and text (a double submission), it
    returns the post the first one made: the topic's row lock makes the second wait for the
    first. With other text (the form changed after going back to it), that is a new reply."""
    ratelimits.hit("post", author)
    locked = _LOCKED_TOPIC(topic.pk)
    if not locked:
        raise Topic.DoesNotExist
    topic = locked[0]
    if client_id:
        existing = posts_by_client_id(topic, author, client_id).first()
        if existing is not None and existing.body == body:
            existing.topic = topic
            return existing
        if existing is not None:
            client_id = ""
    if not policies.can_post(author, topic.group, _membership(author, topic.group), topic):
        raise PermissionDenied
    if reply_to is not None and reply_to.topic_id != topic.pk:
        reply_to = None
    post = _add_post(topic, author, body, reply_to=reply_to, files=files, client_id=client_id)
    drafts.draft_discard(member=author, group=topic.group, topic=topic)
    return post


def _add_post(
    topic: Topic, author: User, body: str, *, reply_to=None, files=(), client_id=""
) -> Post:
    rendered = markdown.render(body)
    number = topic.highest_post_number + 1
    post = Post(topic=topic, author=author, number=number, body=body, body_html=rendered.html,
                reply_to=reply_to, client_id=client_id)  # fmt: skip
    # Its text is checked here; not its topic (locked by the caller), author (signed in),
    # reply (of this topic), number (next under the lock) or client_id (checked by
    # post_create): each would be a query, and the database holds them all anyway.
    post.full_clean(exclude=["client_id", "topic", "author", "reply_to", "number"])
    post.save()
    outbox.changed(group_search.post_key(post))
    _attach(post, files)
    now = timezone.now()
    is_reply = number > 1
    Topic.objects.filter(pk=topic.pk).update(
        highest_post_number=number,
        last_posted_at=now,
        reply_count=F("reply_count") + (1 if is_reply else 0),
    )
    Group.objects.filter(pk=topic.group_id).update(last_activity_at=now)
    topic.highest_post_number = number
    topic_mark_read(member=author, topic=topic, number=number)
    _notify_post(post, rendered.mentions)
    realtime.publish_on_commit(
        realtime.group_name("topic", topic.pk),
        {"type": "post.created", "topic": topic.pk, "number": number, "author": author.pk},
    )
    return post


def _attach(post: Post, files) -> None:
    """Check every file before storing any; what is stored goes away if the post rolls back.
    Images get their preview from the worker, after commit."""
    files = list(files)
    if len(files) > 5:
        raise ValidationError(_("添付できるファイルは1つの投稿につき5つまでです。"))
    checked = [check_upload(upload) for upload in files]
    for upload, found in zip(files, checked, strict=True):
        item = Attachment.objects.create(
            post=post,
            file=File(upload, name=found.name),
            original_name=found.name,
            content_type=found.content_type,
            size=upload.size,
        )
        delete_unless_committed(item.file.storage, item.file.name)
        if found.is_image:
            transaction.on_commit(partial(attachment_preview_make.enqueue, attachment_id=item.pk))


class EditConflict(ValidationError):
    """The post changed after the editor's form was shown. ``current`` is the post as it is
    now (with its topic), so the editor can merge their text into it."""

    def __init__(self, current: Post):
        super().__init__(
            _("この投稿は、編集を始めた後にほかの人が変更しました。保存していません。"
              "いまの本文とあなたの文章を見比べて、まとめてから保存してください。"),
            code="edit_conflict",
        )  # fmt: skip
        self.current = current


@transaction.atomic
def post_edit(
    *, editor: User, post: Post, body: str, title: str | None = None, version: int | None = None
) -> Post:
    """Save an edit. ``version`` is the post's version the editor's form started from; if the
    post has been edited since, nothing is saved and EditConflict says what it is now. (None:
    the caller edits the post as it is now.)"""
    ratelimits.hit("edit", editor)
    post = Post.objects.select_for_update().select_related("topic__group").get(pk=post.pk)
    if not policies.can_edit_post(editor, post, _membership(editor, post.topic.group)):
        raise PermissionDenied
    topic = post.topic
    new_title = title.strip() if title is not None and post.number == 1 else topic.title
    if body == post.body and new_title == topic.title:
        return post
    if version is not None and version != post.version:
        raise EditConflict(post)
    PostRevision.objects.create(
        post=post, editor=editor, previous_body=post.body,
        previous_title=topic.title if post.number == 1 else "",
    )  # fmt: skip
    old_mentions = set(markdown.render(post.body).mentions)
    rendered = markdown.render(body)
    post.body, post.body_html, post.edited_at = body, rendered.html, timezone.now()
    post.version += 1
    post.full_clean(exclude=["client_id"])
    post.save()
    keys = [group_search.post_key(post)]
    if new_title != topic.title:
        topic.title = new_title
        topic.full_clean(exclude=["client_id"])
        topic.save(update_fields=["title"])
        keys = group_search.topic_keys([topic.pk])  # the replies show the topic's title
    outbox.changed(*keys)
    _notify_mentions(post, [h for h in rendered.mentions if h not in old_mentions])
    return post


@transaction.atomic
def post_delete(*, actor: User, post: Post, reason: str) -> None:
    """Delete a post: it stays as a numbered "deleted" line with the reason; its text is shown
    nowhere again (see policies.can_see_post_text). Open pages of the topic drop it live."""
    ratelimits.hit("edit", actor)
    post = Post.objects.select_for_update().select_related("topic__group").get(pk=post.pk)
    group = post.topic.group
    membership = _membership(actor, group)
    if not policies.can_delete_post(actor, post, membership):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("削除の理由を書いてください。"))
    post.deleted_at, post.deleted_by, post.delete_reason = timezone.now(), actor, reason.strip()
    post.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])
    if post.number == 1:
        Topic.objects.filter(pk=post.topic_id).update(is_hidden=True)
        outbox.changed(*group_search.topic_keys([post.topic_id]), hides=True)
    else:
        outbox.changed(group_search.post_key(post), hides=True)
    if post.topic.accepted_post_id == post.pk:
        Topic.objects.filter(pk=post.topic_id).update(accepted_post=None)
        outbox.changed(group_search.topic_key(post.topic_id))
    if actor.pk != post.author_id:
        log_action(group, actor, "delete_post", topic=post.topic, post=post, reason=reason)
    realtime.publish_on_commit(
        realtime.group_name("topic", post.topic_id),
        {"type": "post.deleted", "topic": post.topic_id, "number": post.number},
    )


@transaction.atomic
def reaction_toggle(*, member: User, post: Post, kind: str) -> bool:
    """Add the reaction, or take it back if it was there. Returns whether it is on now."""
    ratelimits.hit("reaction", member)
    if kind not in Reaction.Kind.values:
        raise ValidationError(_("その反応は使えません。"))
    if not policies.can_see_post(member, post, _membership(member, post.topic.group)):
        raise PermissionDenied
    deleted, _rows = Reaction.objects.filter(post=post, member=member, kind=kind).delete()
    if deleted:
        return False
    # Another click of the same member may be inserting it right now: theirs counts as ours.
    Reaction.objects.bulk_create(
        [Reaction(post=post, member=member, kind=kind)], ignore_conflicts=True
    )
    return True


@transaction.atomic
def bookmark_toggle(*, member: User, post: Post) -> bool:
    ratelimits.hit("reaction", member)
    if not policies.can_see_post(member, post, _membership(member, post.topic.group)):
        raise PermissionDenied
    deleted, _rows = Bookmark.objects.filter(post=post, member=member).delete()
    if deleted:
        return False
    Bookmark.objects.bulk_create([Bookmark(post=post, member=member)], ignore_conflicts=True)
    return True


@transaction.atomic
def answer_accept(*, actor: User, topic: Topic, post: Post | None) -> None:
    """Mark ``post`` as the accepted answer of ``topic`` (None takes the mark away)."""
    ratelimits.hit("reaction", actor)
    topic = Topic.objects.select_for_update().select_related("group").get(pk=topic.pk)
    if not policies.can_accept_answer(actor, topic, _membership(actor, topic.group)):
        raise PermissionDenied
    if post is not None and (post.topic_id != topic.pk or post.number == 1 or post.is_deleted):
        raise ValidationError(_("この投稿は解決済みの回答に選べません。"))
    before = topic.accepted_post_id
    topic.accepted_post = post
    topic.save(update_fields=["accepted_post"])
    answers = [f"{group_search.POST}:{pk}" for pk in (before, post and post.pk) if pk]
    outbox.changed(group_search.topic_key(topic.pk), *answers)
    if post is not None and post.author_id != actor.pk:
        notification_create(
            recipient=post.author,
            kind=ACCEPTED_ANSWER,
            params={"topic": topic.title, "actor": actor.display_name},
            url=post_url(post),
            subject=post,
        )
    realtime.publish_on_commit(
        realtime.group_name("topic", topic.pk),
        {"type": "topic.solved", "topic": topic.pk, "number": post.number if post else None},
    )


def topic_mark_read(*, member: User, topic: Topic, number: int, known: int | None = None) -> None:
    """Remember that ``member`` has read ``topic`` up to post ``number`` (never backwards).
    ``known`` is what the caller already knows was read; nothing is written if that is as far."""
    number = min(number, topic.highest_post_number)
    if known is not None:
        if number > known:
            _read_up_to(topic.pk, member.pk, number)
        return
    updated = TopicRead.objects.filter(
        topic=topic, member=member, last_read_post_number__lt=number
    ).update(last_read_post_number=number)
    if not updated:
        TopicRead.objects.bulk_create(
            [TopicRead(topic=topic, member=member, last_read_post_number=number)],
            ignore_conflicts=True,
        )


def _read_up_to(topic_id: int, member_id: int, number: int) -> None:
    """One statement, never backwards: another tab may have read further since this page
    loaded (SQLite and PostgreSQL both take this upsert)."""
    table = connection.ops.quote_name(TopicRead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (topic_id, member_id, last_read_post_number) VALUES (%s, %s, %s) "
            "ON CONFLICT (topic_id, member_id) DO UPDATE "
            "SET last_read_post_number = excluded.last_read_post_number "
            f"WHERE {table}.last_read_post_number < excluded.last_read_post_number",
            [topic_id, member_id, number],
        )


@transaction.atomic
def watch_set(
    *, member: User, level: str, group: Group | None = None, topic: Topic | None = None
) -> None:
    ratelimits.hit("membership", member)
    if level not in WatchLevel.values:
        raise ValidationError(_("通知の設定が正しくありません。"))
    target_group = group or topic.group
    if not policies.can_read(member, target_group, _membership(member, target_group)):
        raise PermissionDenied
    Watch.objects.update_or_create(
        member=member, group=group, topic=topic, defaults={"level": level}
    )


# --- flags and moderation -----------------------------------------------------------------


@transaction.atomic
def flag_create(*, flagger: User, post: Post, reason: str, note: str = "") -> Flag:
    ratelimits.hit("flag", flagger)
    if not policies.can_flag_post(flagger, post, _membership(flagger, post.topic.group)):
        raise PermissionDenied
    flag = Flag(post=post, flagger=flagger, reason=reason, note=note.strip())
    flag.full_clean(exclude=["post", "flagger"])
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        raise ValidationError(_("この投稿はすでに通報済みです。")) from None
    _notify_moderators_of_flag(flag)
    return flag


@transaction.atomic
def flag_resolve(*, moderator: User, flag: Flag, hide_post: bool) -> None:
    ratelimits.hit("moderation", moderator)
    flag = Flag.objects.select_for_update().select_related("post__topic__group").get(pk=flag.pk)
    group = flag.post.topic.group
    _require_moderator(moderator, group)
    open_flags = Flag.objects.filter(post=flag.post, status=Flag.Status.OPEN)
    status = Flag.Status.ACTED if hide_post else Flag.Status.DISMISSED
    open_flags.update(status=status, resolved_by=moderator, resolved_at=timezone.now())
    if hide_post:
        post_set_hidden(
            actor=moderator, post=flag.post, hidden=True, reason=flag.get_reason_display()
        )
    else:
        log_action(group, moderator, "dismiss_flags", topic=flag.post.topic, post=flag.post)


@transaction.atomic
def post_set_hidden(*, actor: User, post: Post, hidden: bool, reason: str) -> None:
    """Hide a post from members (or show it again). Hiding a topic's first post hides the
    topic; its author is told why."""
    _require_moderator(actor, post.topic.group)
    set_post_hidden(actor=actor, post=post, hidden=hidden, reason=reason)


def set_post_hidden(*, actor: User, post: Post, hidden: bool, reason: str) -> None:
    """post_set_hidden once the caller has checked ``actor`` may (the admin site checks its
    own permissions)."""
    topic = post.topic
    Post.objects.filter(pk=post.pk).update(is_hidden=hidden)
    log_action(topic.group, actor, "hide_post" if hidden else "restore_post", topic=topic,
               post=post, reason=reason)  # fmt: skip
    if post.number == 1:
        _set_topic_hidden(topic, hidden, reason, actor)
        return
    outbox.changed(group_search.post_key(post), hides=hidden)
    if hidden and post.author_id != actor.pk:
        _notify_moderated(post.author, "post_hidden", topic.group, url=post_url(post),
                          topic=topic.title, reason=reason or "-")  # fmt: skip


def _set_topic_hidden(topic: Topic, hidden: bool, reason: str, actor: User) -> None:
    reason = reason.strip()[:500]
    Topic.objects.filter(pk=topic.pk).update(is_hidden=hidden,
                                             hidden_reason=reason if hidden else "")  # fmt: skip
    outbox.changed(*group_search.topic_keys([topic.pk]), hides=hidden)
    _topic_access_changed(topic)
    if hidden and topic.author_id != actor.pk:
        _notify_moderated(topic.author, "topic_hidden", topic.group,
                          url=reverse("groups:topic", args=[topic.group.slug, topic.pk]),
                          topic=topic.title, reason=reason or "-")  # fmt: skip


TOPIC_ACTIONS = {
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
    "hide": ("is_hidden", True),
    "restore": ("is_hidden", False),
}


@transaction.atomic
def topic_moderate(*, actor: User, topic: Topic, action: str, reason: str = "") -> None:
    ratelimits.hit("moderation", actor)
    _require_moderator(actor, topic.group)
    if action not in TOPIC_ACTIONS:
        raise ValidationError(_("その操作はできません。"))
    field, value = TOPIC_ACTIONS[action]
    log_action(topic.group, actor, f"{action}_topic", topic=topic, reason=reason)
    if field == "is_hidden":
        _set_topic_hidden(topic, value, reason, actor)
    else:
        Topic.objects.filter(pk=topic.pk).update(**{field: value})


@transaction.atomic
def topic_move(*, actor: User, topic: Topic, to_group: Group, reason: str = "") -> None:
    ratelimits.hit("moderation", actor)
    _require_moderator(actor, topic.group)
    _require_moderator(actor, to_group)
    from_group = topic.group
    Topic.objects.filter(pk=topic.pk).update(group=to_group)
    outbox.changed(*group_search.topic_keys([topic.pk]), hides=True)
    log_action(
        from_group, actor, "move_topic", topic=topic, reason=f"→ {to_group.name} {reason}".strip()
    )
    log_action(
        to_group, actor, "move_topic", topic=topic, reason=f"← {from_group.name} {reason}".strip()
    )
    _topic_access_changed(topic)


# --- helpers ------------------------------------------------------------------------------


def _topic_access_changed(topic: Topic) -> None:
    """After commit, the topic's live sockets check again who may still follow it."""
    event = {"type": "topic.access"}
    realtime.publish_on_commit(realtime.group_name("topic", topic.pk), event)


# Compiled once: every reply asks both, and edits and moderation ask for the membership.
_LOCKED_TOPIC = FixedQuerySet(
    lambda topic_id, shape: (
        Topic.objects.select_for_update().select_related("group").filter(pk=topic_id)
    )
)
_MEMBERSHIP = FixedQuerySet(
    lambda group_id, member_id, shape: Membership.objects.filter(
        group=group_id, member=member_id
    ).order_by("pk")[:1]
)


def _membership(member: User, group: Group) -> Membership | None:
    found = _MEMBERSHIP(group.pk, member.pk)
    return found[0] if found else None


def _require_moderator(member: User, group: Group) -> None:
    if not policies.can_moderate(member, group, _membership(member, group)):
        raise PermissionDenied


def _moderators(group: Group):
    return [m.member for m in group.memberships.select_related("member")
            if m.is_moderator]  # fmt: skip


def _notify_group(recipient, event: str, group: Group, *, actor=None, url=None, linked=True):
    """A GROUP notification; its text is chosen by ``event`` and translated when shown."""
    params = {"event": event, "group": group.name, "name": actor.display_name if actor else ""}
    if url is None:
        url = reverse("groups:detail", args=[group.slug]) if linked else ""
    notification_create(recipient=recipient, kind=GROUP, params=params, url=url,
                        subject=group)  # fmt: skip


def _notify_moderated(recipient, event: str, group: Group, *, url=None, linked=True,
                      subject="group", **extra):  # fmt: skip
    """Tell a member what moderators did about them or their writing (MODERATED), and why:
    ``extra`` fills the event's blanks (a reason, a date, a topic). With ``subject=None`` it is
    shown even once they may no longer see the group (they were removed from it)."""
    params = {"event": event, "group": group.name, **extra}
    if url is None:
        url = reverse("groups:detail", args=[group.slug]) if linked else ""
    notification_create(recipient=recipient, kind=MODERATED, params=params, url=url,
                        subject=group if subject == "group" else subject)  # fmt: skip


def _notify_moderators_of_flag(flag: Flag) -> None:
    """The group's owners and moderators (but the flagger) learn of a new flag."""
    post = flag.post
    group = post.topic.group
    moderators = [member for member in _moderators(group) if member.pk != flag.flagger_id]
    params = {"event": "flagged", "group": group.name, "topic": post.topic.title}
    notifications_create(recipients=moderators, kind=MODERATION, params=params,
                         url=reverse("groups:moderation", args=[group.slug]), subject=post)  # fmt: skip


def _notify_site_moderators(group: Group) -> None:
    """Site moderators (but the proposer) learn of a new group proposal."""
    reviewers = member_selectors.site_moderators().exclude(pk=group.proposed_by_id)
    params = {"event": "proposed", "group": group.name, "name": group.proposed_by.display_name}
    notifications_create(recipients=reviewers, kind=MODERATION, params=params,
                         url=reverse("groups:proposals"), subject=group)  # fmt: skip


def _tags(names) -> list[Tag]:
    clean = {name.strip().lstrip("#")[:30] for name in names if name.strip().lstrip("#")}
    return [Tag.objects.get_or_create(name=name)[0] for name in sorted(clean)[:5]]


def log_action(
    group, actor, action, *, topic=None, post=None, target_member=None, reason=""
) -> None:
    ModerationLog.objects.create(
        group=group, actor=actor, action=action, topic=topic, post=post,
        target_member=target_member, reason=reason[:500],
    )  # fmt: skip


def post_url(post: Post) -> str:
    return group_search.post_path(post.topic.group.slug, post.topic_id, post.number)


def _notify_post(post: Post, mentions: list[str]) -> None:
    """Mentioned members, the asker and the topic's watchers: each notified once, in a fixed
    number of queries however many watch, and only those who may see the post."""
    topic, url = post.topic, post_url(post)
    params = {"topic": topic.title, "actor": post.author.display_name}
    notified = {post.author_id} | _notify_mentions(post, mentions)
    asking = post.number > 1 and topic.author_id not in notified
    found = _recipients(topic, asking)
    asker = [member for member in found if asking and member.pk == topic.author_id]
    notified.update(member.pk for member in asker)
    watchers = [member for member in found if member.pk not in notified]
    notifications_create_by_kind(
        {REPLY: asker, WATCHED_REPLY: watchers}, params=params, url=url, subject=post
    )


def _notify_mentions(post: Post, handles) -> set[int]:
    if not handles:
        return set()
    topic = post.topic
    members = _with_membership(topic.group_id, member_selectors.members_by_handles(handles))
    mentioned = [
        member for member in members
        if member.pk != post.author_id and policies.can_see_post(member, post, member.membership)
    ]  # fmt: skip
    notifications_create(recipients=mentioned, kind=MENTION, url=post_url(post),
                         params={"topic": topic.title, "actor": post.author.display_name},
                         subject=post, checked=True)  # fmt: skip
    return {member.pk for member in mentioned}


def _with_membership(group_id: int, members) -> list[User]:
    """``members``, each with ``.membership`` in the group set (None if not a member)."""
    members = member_selectors.known_verified(members)
    rows = Membership.objects.filter(group=group_id, member__in=members)
    by_member = {row.member_id: row for row in rows}
    for member in members:
        member.membership = by_member.get(member.pk)
    return members


def _watching(topic_id: int, group_id: int, asker_id: int, *, shape: bool):
    # One IN over the watches (and the asker): with conditions ORed, PostgreSQL read every
    # member (3 ms at 3,000).
    at_level = partial(selectors.watches_at_level, topic_id, group_id)
    chosen = at_level(WatchLevel.WATCHING).values("member")
    if shape:  # and the asker, unless they muted the topic (or its group, for it)
        muted = at_level(WatchLevel.MUTED).filter(member=asker_id)
        chosen = chosen.union(User.objects.filter(~Exists(muted), pk=asker_id).values("pk"))
    return member_selectors.with_verified(User.objects.filter(pk__in=chosen))


_WATCHING = FixedQuerySet(_watching)  # compiled once: every reply asks it


def _recipients(topic: Topic, asking: bool) -> list[User]:
    """Members watching the topic, or its group without a topic-level override, and (when
    ``asking``) the topic's author unless they muted it: one query (whether each may see the
    post is decided when they are notified)."""
    found = _WATCHING(topic.pk, topic.group_id, topic.author_id, shape=asking)
    return member_selectors.mark_verified(found)
