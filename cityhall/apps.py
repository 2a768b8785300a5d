from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

from cityhall.converters import IdConverter


class CityhallConfig(AppConfig):
    name = "cityhall"
    verbose_name = _("オンライン市役所")

    def ready(self):
        # Before any app's urls.py or routing.py is imported: they use <id:...>.
        register_converter(IdConverter, "id")
