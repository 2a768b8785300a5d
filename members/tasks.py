from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation


@task
def send_email(*, subject: str, body: str, to: list[str], from_email: str, html: str = "") -> int:
    """Send one message; safe to retry (a retry sends the same message again, never another)."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


@task
def send_notification_mail(*, member_id: int) -> int:
    """One message with every notification not yet mailed to the member (and not already read
    on the site). Runs a little after the first of them, so a busy topic sends one mail, not
    fifty. Safe to run twice: what it sends it marks."""
    from members import notification_subjects
    from members.models import Notification, User

    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None:
        return 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update()
            .filter(recipient=member, emailed_at__isnull=True)
            .order_by("created_at")
        )
        unread = notification_subjects.still_visible(n for n in pending if n.read_at is None)
        sent_ids = [n.pk for n in pending]
        Notification.objects.filter(pk__in=sent_ids).update(emailed_at=timezone.now())
    if not unread:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {"member": member, "notifications": unread, "site_url": settings.SITE_URL}
        subject = render_to_string("members/email/notifications_subject.txt", context).strip()
        body = render_to_string("members/email/notifications_message.txt", context)
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email]).send()
    return len(unread)
