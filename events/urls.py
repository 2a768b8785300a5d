from django.urls import path

from events import export_views, organizer_views, views

app_name = "events"

urlpatterns = [
    path("events/", views.index, name="index"),
    path("events/<id:occurrence_id>/", views.occurrence, name="occurrence"),
    path("events/<id:occurrence_id>/register", views.register, name="register"),
    path("events/<id:occurrence_id>/cancel", views.cancel, name="cancel"),
    # --- the occurrence's chat (events/chat_views.py) ---
    # --- calendars and exports (events/export_views.py) ---
    path("events/<id:occurrence_id>/event.ics", export_views.occurrence_ics, name="occurrence_ics"),
    path("events/<id:occurrence_id>/notice/", export_views.notice, name="notice"),
    path(
        "events/<id:occurrence_id>/registrants.csv",
        export_views.registrants_csv,
        name="registrants_csv",
    ),
    path("events/series/<id:series_id>/attendance/", export_views.attendance, name="attendance"),
    path("events/calendar/", export_views.calendar_settings, name="calendar_settings"),
    path("events/calendar/<str:token>.ics", export_views.calendar_feed, name="calendar_feed"),
    # --- organizers (events/organizer_views.py) ---
    path("events/new/", organizer_views.series_new, name="series_new"),
    path("events/series/<id:series_id>/edit/", organizer_views.series_edit, name="series_edit"),
    path("events/<id:occurrence_id>/manage/", organizer_views.manage, name="manage"),
    path(
        "events/<id:occurrence_id>/manage/do", organizer_views.manage_action, name="manage_action"
    ),
]
