"""allauth's forms with the government-address rules judging the email field."""

from allauth.account import forms as allauth_forms


class _GovernmentEmailFormMixin:
    """Let the account adapter's rules (with their specific Japanese reasons) judge the address
    instead of Django's generic 'enter a valid email address'."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].validators = []


class SignupForm(_GovernmentEmailFormMixin, allauth_forms.SignupForm):
    pass


class AddEmailForm(_GovernmentEmailFormMixin, allauth_forms.AddEmailForm):
    pass
