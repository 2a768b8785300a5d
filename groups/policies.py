"""Who may see and do what in groups. Pure functions over a member, a group and the member's
Membership (or None), which the caller has already loaded. Every view, download, feed,
notification and live channel of the groups app asks these."""

from cityhall.policies import is_site_moderator, is_verified_member
from groups.models import Group, Membership


def can_see_group(member, group: Group, membership: Membership | None, invited=False) -> bool:
    """Whether ``member`` may know the group exists (see its name and description)."""
    if not is_verified_member(member):
        return False
    if group.status != Group.Status.ACTIVE:
        return group.proposed_by_id == member.pk or is_site_moderator(member)
    if group.kind == Group.Kind.SECRET:
        return membership is not None or invited or is_site_moderator(member)
    return True


def can_read(member, group: Group, membership: Membership | None) -> bool:
    """Whether ``member`` may read the group's topics, posts, attachments and live updates."""
    if not is_verified_member(member) or group.status != Group.Status.ACTIVE:
        return False
    if group.kind == Group.Kind.OPEN:
        return True
    return membership is not None or is_site_moderator(member)


def can_see_members(member, group: Group, membership: Membership | None) -> bool:
    """Who belongs to the group, with their roles: for whoever may read it (its members, and
    anyone for an open group, whose posts show their authors anyway)."""
    return can_read(member, group, membership)


def can_moderate(member, group: Group, membership: Membership | None) -> bool:
    if not can_read(member, group, membership):
        return False
    return (membership is not None and membership.is_moderator) or is_site_moderator(member)


def can_manage(member, group: Group, membership: Membership | None) -> bool:
    """Owners (and site moderators) appoint moderators and change the group itself."""
    if not can_read(member, group, membership):
        return False
    owner = membership is not None and membership.role == Membership.Role.OWNER
    return owner or is_site_moderator(member)


# A member's standing in a group, for deciding who may act on whom. Site moderators and
# administrators stand above every group role.
ROLE_RANK = {Membership.Role.MEMBER: 1, Membership.Role.MODERATOR: 2, Membership.Role.OWNER: 3}
STAFF_RANK = 4


def _standing(membership: Membership | None, *, staff: bool) -> int:
    if staff:
        return STAFF_RANK
    return ROLE_RANK.get(membership.role, 0) if membership is not None else 0


def _is_staff(member) -> bool:
    """Site staff as the target of an action (the account's flags; no query per row)."""
    return bool(member.is_site_moderator or member.is_superuser)


def may_act_on(actor, group: Group, actor_membership: Membership | None, target,
               target_membership: Membership | None) -> bool:  # fmt: skip
    """Whether ``actor`` may suspend, remove or mute ``target`` in ``group``: only someone who
    stands above them. Moderators act on plain members, owners on moderators and members, site
    moderators on every group role; nobody on an equal (themselves included)."""
    if target_membership is None or not can_moderate(actor, group, actor_membership):
        return False
    mine = _standing(actor_membership, staff=is_site_moderator(actor))
    return mine > _standing(target_membership, staff=_is_staff(target))


def may_set_role(actor, group: Group, actor_membership: Membership | None, target,
                 target_membership: Membership | None, role: str) -> bool:  # fmt: skip
    """Owners (and site moderators) give others a role up to their own, but change an equal's
    role only for themselves (an owner stepping down; the last owner is kept by the service)."""
    if target_membership is None or role not in ROLE_RANK:
        return False
    if not can_manage(actor, group, actor_membership):
        return False
    mine = _standing(actor_membership, staff=is_site_moderator(actor))
    if ROLE_RANK[role] > mine:
        return False
    return target.pk == actor.pk or mine > _standing(target_membership, staff=_is_staff(target))


def roles_to_give(actor, actor_membership: Membership | None):
    """The roles ``actor`` may give, as (value, label) choices."""
    mine = _standing(actor_membership, staff=is_site_moderator(actor))
    return [(value, label) for value, label in Membership.Role.choices if ROLE_RANK[value] <= mine]


def can_post(member, group: Group, membership: Membership | None, topic=None) -> bool:
    if not can_read(member, group, membership) or membership is None:
        return False
    if membership.is_suspended:
        return False
    if topic is not None and (topic.is_locked or topic.is_hidden):
        return can_moderate(member, group, membership)
    return True


def can_join(member, group: Group, membership: Membership | None, banned: bool = False) -> bool:
    """Join an open group at once; ``banned``: the member was removed and may not come back
    until a moderator allows it (a GroupBan)."""
    return (
        membership is None
        and not banned
        and group.kind == Group.Kind.OPEN
        and group.status == Group.Status.ACTIVE
        and is_verified_member(member)
    )


def can_request_to_join(member, group: Group, membership: Membership | None,
                        banned: bool = False) -> bool:  # fmt: skip
    return (
        membership is None
        and not banned
        and group.kind == Group.Kind.CLOSED
        and group.status == Group.Status.ACTIVE
        and is_verified_member(member)
    )


def can_see_topic(member, topic, membership: Membership | None) -> bool:
    if not can_read(member, topic.group, membership):
        return False
    return not topic.is_hidden or can_moderate(member, topic.group, membership)


def can_see_post(member, post, membership: Membership | None) -> bool:
    if not can_see_topic(member, post.topic, membership):
        return False
    if post.is_hidden:
        return post.author_id == member.pk or can_moderate(member, post.topic.group, membership)
    return True


def can_see_post_text(member, post, membership: Membership | None) -> bool:
    """Whether ``member`` may read the post's text: its body, its edit history, its excerpt in
    a list. A deleted post's text is for nobody, moderators included: a post is deleted above
    all for personal or confidential information, and what moderation needs stays in the
    moderation log (who deleted it and why). Moderators who want a post out of sight but
    kept hide it instead."""
    return not post.is_deleted and can_see_post(member, post, membership)


def can_flag_post(member, post, membership: Membership | None) -> bool:
    """Report a post to the moderators: one the member may read, written by someone else."""
    return post.author_id != member.pk and can_see_post_text(member, post, membership)


def can_edit_post(member, post, membership: Membership | None) -> bool:
    if post.is_deleted or not can_see_post(member, post, membership):
        return False
    if can_moderate(member, post.topic.group, membership):
        return True
    return post.author_id == member.pk and can_post(
        member, post.topic.group, membership, post.topic
    )


def can_delete_post(member, post, membership: Membership | None) -> bool:
    return can_edit_post(member, post, membership)


def can_accept_answer(member, topic, membership: Membership | None) -> bool:
    if not topic.is_question or not can_see_topic(member, topic, membership):
        return False
    return topic.author_id == member.pk or can_moderate(member, topic.group, membership)


def can_review_proposals(member) -> bool:
    return is_site_moderator(member)
