from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_email(*, subject: str, body: str, to: list[str], from_email: str, html: str = "") -> int:
    """Send one message; safe to retry (a retry sends the same message again, never another)."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
