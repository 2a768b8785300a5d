import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cityhall import policies

MAIL_ATTEMPTS = 8  # retried after 1, 2, 4 … 64 minutes: a mail server may be down for a while
SEND_ERRORS = (smtplib.SMTPException, OSError)
MAIL_LOCK_SECONDS = 120


def _send(message: EmailMultiAlternatives, retry) -> int:
    """Send, or queue ``retry`` for a later attempt and raise: the failure stays on record."""
    try:
        return message.send()
    except SEND_ERRORS:
        retry()
        raise


def _later(task_function, attempt: int, **kwargs):
    """A callable that enqueues the next attempt, unless this was the last one."""

    def enqueue():
        if attempt < MAIL_ATTEMPTS:
            run_after = timezone.now() + timedelta(minutes=2 ** (attempt - 1))
            task_function.using(run_after=run_after).enqueue(attempt=attempt + 1, **kwargs)

    return enqueue


@task
def send_email(
    *, subject: str, body: str, to: list[str], from_email: str, html: str = "", attempt: int = 1
) -> int:
    """Send one message; a failed send is tried again later (the same message, never another)."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    payload = dict(subject=subject, body=body, to=to, from_email=from_email, html=html)
    return _send(message, _later(send_email, attempt, **payload))


@task
def send_notification_mail(*, member_id: int, attempt: int = 1) -> int:
    """One message with every notification not yet mailed to the member (and not already read
    on the site). Runs a little after the first of them, so a busy topic sends one mail, not
    fifty. Notifications are marked mailed only once the mail server took the message; when it
    did not, they stay pending and the task is tried again later. One run per member at a time
    (a lock in the cache, not a database transaction held open across the SMTP conversation)."""
    from members.models import Notification, User

    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None or policies.is_suspended(member):
        return 0  # not while suspended: the mail would lead to pages they cannot open
    lock = f"notification-mail-{member_id}"
    if not cache.add(lock, True, MAIL_LOCK_SECONDS):
        run_after = timezone.now() + timedelta(seconds=MAIL_LOCK_SECONDS)
        send_notification_mail.using(run_after=run_after).enqueue(
            member_id=member_id, attempt=attempt
        )
        return 0
    try:
        return _mail_pending(member, Notification, attempt)
    finally:
        cache.delete(lock)


@task
def send_notification_mails(*, member_ids: list[int]) -> int:
    """send_notification_mail for the members notified together (a reply's watchers: one task,
    not one each). A member whose mail fails is tried again on their own, as that task retries;
    the others are still sent, and the failure stays on record."""
    sent, failed = 0, None
    for member_id in member_ids:
        try:
            sent += send_notification_mail.call(member_id=member_id)
        except SEND_ERRORS as error:
            failed = failed or error
    if failed is not None:
        raise failed
    return sent


def _mail_pending(member, Notification, attempt: int) -> int:
    from members import notification_subjects

    pending = list(
        Notification.objects.filter(recipient=member, emailed_at__isnull=True).order_by(
            "created_at"
        )
    )
    unread = notification_subjects.still_visible(n for n in pending if n.read_at is None)
    if unread:
        with translation.override(settings.LANGUAGE_CODE):
            context = {"member": member, "notifications": unread, "site_url": settings.SITE_URL}
            subject = render_to_string("members/email/notifications_subject.txt", context).strip()
            body = render_to_string("members/email/notifications_message.txt", context)
        message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email])
        _send(message, _later(send_notification_mail, attempt, member_id=member.pk))
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(unread)
