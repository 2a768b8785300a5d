from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model


class MemberBackend(AuthenticationBackend):
    """allauth's backend, loading with the user whether their address is verified, so that
    policies.is_verified_member costs no extra query on every request, and their organization,
    which pages that show the member (home) would otherwise ask for."""

    def get_user(self, user_id):
        from members.selectors import known_verified

        members = get_user_model()._default_manager.select_related("organization__prefecture")
        found = known_verified(members.filter(pk=user_id))
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
