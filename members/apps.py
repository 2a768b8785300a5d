from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("会員と団体")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from allauth.account import signals

        from members import home, notifications, selectors
        from search import registry

        notifications.register()
        home.register_panels()
        registry.register_facet("organization_id", _("組織"), selectors.organization_names)
        user_logged_out.connect(_close_session_sockets, dispatch_uid="members-sockets")
        for signal in (signals.password_changed, signals.password_set, signals.password_reset):
            signal.connect(_recheck_sockets, dispatch_uid="members-password-sockets")


def _close_session_sockets(sender, request, user, **kwargs):
    """Every way out (allauth's logout, the admin's, the members-only middleware's) ends in
    Django's logout, which sends this signal; it is the one place that sees them all."""
    from members import services

    if user is not None and request.session.session_key:
        services.member_signed_out(member=user, session_key=request.session.session_key)


def _recheck_sockets(sender, request, user, **kwargs):
    """A new password ends the member's other sessions (Django's session hash); their open
    sockets close now instead of at their next write. Sent after the session in hand was
    given the new hash, so its own sockets stay open."""
    from members import services

    services.member_access_changed(member=user)
