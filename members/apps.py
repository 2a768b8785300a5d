from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("会員と団体")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from members import home

        user_logged_out.connect(_close_session_sockets, dispatch_uid="members-sockets")
        home.register_panels()


def _close_session_sockets(sender, request, user, **kwargs):
    """Every way out (allauth's logout, the admin's, the members-only middleware's) ends in
    Django's logout, which sends this signal; it is the one place that sees them all."""
    from members import services

    if user is not None and request.session.session_key:
        services.member_signed_out(member=user, session_key=request.session.session_key)
