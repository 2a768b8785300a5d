from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef


class MemberBackend(AuthenticationBackend):
    """allauth's backend, loading with the user whether their address is verified, so that
    policies.is_verified_member costs no extra query on every request."""

    def get_user(self, user_id):
        verified = EmailAddress.objects.filter(
            user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
        )
        user = (
            get_user_model()
            ._default_manager.annotate(_verified_email=Exists(verified))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._verified_member = user._verified_email
        return user
