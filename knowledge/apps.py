from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("ナレッジ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from knowledge import (
            event_extensions,
            home,
            moderation,
            notifications,
            search,
            selectors,
            tallies,
        )
        from members.selectors import register_signed_in_column

        notifications.register()
        event_extensions.register()
        moderation.register()
        home.register()
        tallies.connect()
        search.register()
        register_signed_in_column(selectors.SIGNED_IN_ROLES, selectors.roles_listed)
        register_signed_in_column(selectors.SIGNED_IN_VERSION, selectors.version_read)
