"""What a notification is about, and whether its recipient may still see that. Apps register a
check for each model a notification can be about (from their AppConfig.ready, since members
imports no app); a notification is made only for recipients who may see its subject, and is
shown, counted and mailed only while they still may. A subject nobody registered is never
shown."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextvars import ContextVar

# check(pairs, known=..., subjects=...): of the (member id, object id) pairs, those where the
# member may see the object now; ``known``, {id: member} of members the caller has already
# loaded (the request's member, knowing whether it is verified), which the check need not load
# again; ``subjects``, {id: object} of objects the caller has just written (a new reply, with its
# topic and group), which a check may use instead of reading them again.
Check = Callable[..., set[tuple[int, int]]]
_checks: dict[str, Check] = {}
# What the checks of one still_visible call read that the next may use (the recipient's
# memberships): set for that call only, so nothing is kept beyond it.
_shared: ContextVar[dict | None] = ContextVar("notification_checks_shared", default=None)


def register(model, check: Check) -> None:
    _checks[model._meta.label_lower] = check


def reference(subject) -> dict:
    """The notification fields that point at ``subject``."""
    return {"subject_type": subject._meta.label_lower, "subject_id": subject.pk}


def may_see(recipients, subject) -> list:
    """The recipients who may see ``subject`` now (a KeyError for a model nobody registered).
    Those that already know whether they are verified (members.selectors.known_verified) are
    not loaded again."""
    recipients = list(recipients)
    if not recipients:
        return []
    label = subject._meta.label_lower
    known = {member.pk: member for member in recipients
             if getattr(member, "_verified_member", None) is not None}  # fmt: skip
    pairs = {(member.pk, subject.pk) for member in recipients}
    seen = _checks[label](pairs, known=known, subjects={subject.pk: subject})
    return [member for member in recipients if (member.pk, subject.pk) in seen]


def still_visible(notifications: Iterable, recipient=None) -> list:
    """The notifications (in order) whose recipients may still see what they are about: one
    check per kind of subject, however many notifications. ``recipient``: the member they are
    for, when the caller has it loaded (the request's member), so no check loads it again."""
    known = {recipient.pk: recipient} if recipient is not None else {}
    notifications = list(notifications)
    wanted = defaultdict(set)
    for notification in notifications:
        if notification.subject_type:
            wanted[notification.subject_type].add(
                (notification.recipient_id, notification.subject_id)
            )
    token = _shared.set({})
    try:
        seen = {label: _checks[label](pairs, known=known) if label in _checks else set()
                for label, pairs in wanted.items()}  # fmt: skip
    finally:
        _shared.reset(token)
    return [
        notification for notification in notifications
        if not notification.subject_type
        or (notification.recipient_id, notification.subject_id) in seen[notification.subject_type]
    ]  # fmt: skip


def shared() -> dict | None:
    """A dict the checks of the running still_visible call share, to read once what several
    kinds of subject need (None outside such a call)."""
    return _shared.get()
