from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("会員と団体")
    default_auto_field = "django.db.models.BigAutoField"
