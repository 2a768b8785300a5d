from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.utils.translation import gettext as _

from cityhall import policies
from members import domains, services


def code_minutes(kind: str) -> int:
    """How long a mailed code stays valid, in minutes, from allauth's settings: the mail and the
    page where the code is typed both say this."""
    seconds = {
        "email_verification": account_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT,
        "password_reset": account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT,
    }[kind]
    return seconds // 60


class AccountAdapter(DefaultAccountAdapter):
    """Government-address rules for every door allauth opens, and mail sent by the worker."""

    def clean_email(self, email: str) -> str:
        check = domains.check_email(email)
        if not check.allowed:
            raise forms.ValidationError(check.reason, code=check.code)
        return super().clean_email(check.address)

    def clean_password(self, password: str, user=None) -> str:
        if password == settings.DEMO_PASSWORD and not policies.demo_logins_allowed():
            raise forms.ValidationError(_("このパスワードは使えません。"), code="demo_password")
        return super().clean_password(password, user)

    def authenticate(self, request, **credentials):
        if (
            credentials.get("password") == settings.DEMO_PASSWORD
            and not policies.demo_logins_allowed()
        ):
            return None
        return super().authenticate(request, **credentials)

    def format_email_subject(self, subject: str) -> str:
        site = _("オンライン市役所")
        return f"[{site}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_url": settings.SITE_URL,
            "code_minutes": code_minutes("email_verification"),
            "reset_minutes": code_minutes("password_reset"),
        }
        ctx.update(context)
        services.email_enqueue(self.render_mail(template_prefix, email, ctx))

    def confirm_email(self, request, email_address) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if (
            confirmed
            and email_address.primary
            and services.member_email_changed(member=email_address.user)
        ):
            messages.success(request, _("所属団体を新しいメールアドレスの団体に変更しました。"))
        return confirmed


def social_signup_allowed(sociallogin) -> bool:
    """The rule a social or SSO sign-up must pass, if such a provider is ever enabled."""
    return domains.check_email(getattr(sociallogin.user, "email", "") or "").allowed


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return social_signup_allowed(sociallogin) and super().is_open_for_signup(
            request, sociallogin
        )
