"""Drafts: what a member is writing, kept on the server as they type so that a reload, a crash
or another device loses nothing. One draft per member for each topic they reply to and one for
each group's new-topic form. The later save wins: two tabs writing the same draft leave the
text of whichever saved last (``Draft.updated_at``). The draft goes when the post is made."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall import ratelimits
from cityhall.compiled import FixedQuerySet
from groups import policies
from groups.models import Draft, Group, Membership, Post, Topic

TITLE_MAX = 120
BODY_MAX = 20000


def draft_for(member, group: Group, topic: Topic | None = None) -> Draft | None:
    """The member's draft of a reply to ``topic``, or with no topic of a new topic in ``group``."""
    if topic is not None:
        return next(iter(_REPLY_DRAFT(member, topic)), None)
    return next(iter(_TOPIC_DRAFT(member, group)), None)


def _reply_draft(member, topic, *, shape=None):
    return Draft.objects.filter(member=member, topic=topic).order_by("pk")[:1]


def _topic_draft(member, group, *, shape=None):
    return Draft.objects.filter(member=member, group=group, topic__isnull=True).order_by("pk")[:1]


_REPLY_DRAFT = FixedQuerySet(_reply_draft)
_TOPIC_DRAFT = FixedQuerySet(_topic_draft)


@transaction.atomic
def draft_save(
    *,
    member,
    group: Group,
    membership: Membership | None,
    topic: Topic | None = None,
    title: str = "",
    body: str = "",
    client_id: str = "",
) -> Draft | None:
    """Keep what the member has typed; empty text discards the draft. Returns the draft, or None
    when there is none now (discarded, or the form it came from has already been posted: a save
    that arrives after its post must not bring the draft back)."""
    ratelimits.hit("draft", member)
    if not policies.can_post(member, group, membership, topic):
        raise PermissionDenied
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise ValidationError(_("下書きが長すぎるため保存できません。"), code="too_long")
    if client_id and _posted(member, group, topic, client_id):
        return None
    if not title.strip() and not body.strip():
        draft_discard(member=member, group=group, topic=topic)
        return None
    values = {"group": group, "title": title if topic is None else "", "body": body,
              "updated_at": timezone.now()}  # fmt: skip
    lookup = {"member": member, "topic": topic}
    if topic is None:
        lookup["group"] = values.pop("group")
    try:
        with transaction.atomic():
            draft, _created = Draft.objects.update_or_create(**lookup, defaults=values)
    except IntegrityError:  # the same draft created by another tab in the same instant
        draft, _created = Draft.objects.update_or_create(**lookup, defaults=values)
    return draft


def draft_discard(*, member, group: Group, topic: Topic | None = None) -> None:
    if topic is not None:
        Draft.objects.filter(member=member, topic=topic).delete()
    else:
        Draft.objects.filter(member=member, group=group, topic__isnull=True).delete()


def _posted(member, group: Group, topic: Topic | None, client_id: str) -> bool:
    if topic is not None:
        return Post.objects.filter(topic=topic, author=member, client_id=client_id).exists()
    return Topic.objects.filter(group=group, author=member, client_id=client_id).exists()
