"""Member-level rules: who counts as a member, who may see whom. Pure functions: no I/O beyond
what the objects already carry (plus the cached primary-email lookup in is_verified_member)."""

from django.conf import settings
from django.utils import timezone


def is_verified_member(user) -> bool:
    """An active account, not suspended, whose primary email address has been verified by
    code."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_suspended(user):
        return False
    cached = getattr(user, "_verified_member", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(
            user_id=user.pk, email__iexact=user.email, verified=True
        ).exists()
        user._verified_member = cached
    return cached


# Accounts the site itself acts as (e.g. knowledge/importing.py's importer) have an address on
# the reserved .invalid domain (RFC 2606): nobody can sign in as them, and they are not people
# to find, mention or register for anything.
SYSTEM_EMAIL_SUFFIX = ".invalid"


def is_system_account(user) -> bool:
    return getattr(user, "email", "").endswith(SYSTEM_EMAIL_SUFFIX)


def is_suspended(user) -> bool:
    """Barred from the whole site by a site moderator, for now."""
    until = getattr(user, "suspended_until", None)
    return until is not None and until > timezone.now()


def is_site_moderator(user) -> bool:
    return is_verified_member(user) and (user.is_site_moderator or user.is_superuser)


def may_suspend_site(actor, target) -> bool:
    """Site moderators suspend ordinary members; only a superuser suspends a site moderator,
    and nobody suspends a superuser or themselves."""
    if not is_site_moderator(actor) or actor.pk == target.pk or target.is_superuser:
        return False
    return actor.is_superuser or not target.is_site_moderator


def visible_profile_fields(viewer, member, *, as_other: bool = False) -> set[str]:
    """Which optional profile fields ``viewer`` may see on ``member``'s profile; ``as_other``
    shows members their own profile as others see it."""
    all_fields = {name for name, _label in member.PRIVATE_FIELD_CHOICES}
    if not is_verified_member(viewer):
        return set()
    if viewer.pk == member.pk and not as_other:
        return all_fields
    return all_fields - set(member.private_fields)


def may_view_member(viewer, member) -> bool:
    return is_verified_member(viewer) and member.is_active


def demo_logins_allowed() -> bool:
    return settings.DEBUG
