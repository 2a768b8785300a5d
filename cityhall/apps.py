from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_apps

from cityhall import rows, statistics
from cityhall.converters import IdConverter


class CityhallConfig(AppConfig):
    name = "cityhall"
    verbose_name = _("オンライン市役所")

    def ready(self):
        # Before any app's urls.py or routing.py is imported: they use <id:...>.
        register_converter(IdConverter, "id")
        rows.install()
        post_migrate.connect(statistics.refresh, sender=self, dispatch_uid="cityhall.statistics")


class TasksConfig(tasks_apps.TasksAppConfig):
    """django-tasks-db under a Japanese name in the admin (its own is plain English). Named in
    INSTALLED_APPS; never cityhall's own config (``default = False``)."""

    default = False
    verbose_name = _("バックグラウンド処理")
