from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("イベント")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cityhall import periodic
        from events import chat, home, notifications, search, selectors, tasks
        from events.models import Occurrence
        from members import notification_subjects

        notifications.register()
        home.register_panels()
        chat.register()
        notification_subjects.register(Occurrence, selectors.occurrences_seen)
        periodic.register(periodic.PeriodicTask("events.tick", 60, tasks.events_tick))
        search.register()
        periodic.register(periodic.PeriodicTask("events.search", search.REFRESH_SECONDS,
                                                tasks.search_refresh))  # fmt: skip
