from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("ナレッジ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from knowledge import event_extensions, home, moderation, notifications, search, tallies

        notifications.register()
        event_extensions.register()
        moderation.register()
        home.register()
        tallies.connect()
        search.register()
