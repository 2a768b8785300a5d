"""Template tags of the account pages: who may register, how long a mailed code is valid."""

from django import template
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from members import adapter, domains

register = template.Library()


@register.inclusion_tag("account/_who_may_register.html")
def who_may_register():
    """One sentence saying whose addresses may register, from the active domain rules."""
    suffixes, geographic = domains.registration_summary()
    return {"suffixes": get_text_list(suffixes, _("または")), "geographic": geographic}


@register.simple_tag
def code_minutes(kind: str) -> int:
    """Minutes a mailed code ("email_verification" or "password_reset") stays valid."""
    return adapter.code_minutes(kind)
