from allauth.account.auth_backends import AuthenticationBackend


class MemberBackend(AuthenticationBackend):
    """allauth's backend, loading with the user whether their address is verified, so that
    policies.is_verified_member costs no extra query on every request, and their organization,
    which pages that show the member (home) would otherwise ask for."""

    def get_user(self, user_id):
        from members.selectors import signed_in

        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = signed_in(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
