from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("検索")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cityhall import periodic
        from search import tasks

        periodic.register(periodic.PeriodicTask("search.drain", 60, tasks.outbox_drain))
