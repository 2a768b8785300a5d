from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CityhallConfig(AppConfig):
    name = "cityhall"
    verbose_name = _("オンライン市役所")
