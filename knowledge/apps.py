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

        _pages_load_as_stored()
        notifications.register()
        event_extensions.register()
        moderation.register()
        home.register()
        tallies.connect()
        search.register()
        register_signed_in_column(selectors.SIGNED_IN_ROLES, selectors.roles_listed)
        register_signed_in_column(selectors.SIGNED_IN_VERSION, selectors.version_read)


def _pages_load_as_stored() -> None:
    """Wagtail's page constructors act on a new page only (no id yet), and a StreamField's
    attribute converts its JSON: a page read from the database is made as cityhall.rows makes
    any row (a card of the knowledge home: 20 microseconds, 1.5 so)."""
    from modelcluster.models import ClusterableModel
    from wagtail.fields import Creator
    from wagtail.models import AbstractPage, ShowInMenusMixin

    from cityhall import rows

    inits = (AbstractPage.__init__, ShowInMenusMixin.__init__, ClusterableModel.__init__)
    rows.loads_as_stored(inits=inits, converting=(Creator,))
