from django.urls import path

from groups.chat import views

app_name = "chat"

urlpatterns = [
    path("groups/<slug:slug>/chat/", views.room, name="room"),
    path("groups/<slug:slug>/chat/messages", views.messages_json, name="messages"),
    path("groups/<slug:slug>/chat/transcript.md", views.transcript, name="transcript"),
    path("groups/<slug:slug>/chat/mutes/", views.mutes, name="mutes"),
    path("groups/<slug:slug>/chat/mutes/<id:mute_id>/lift", views.mute_lift, name="mute_lift"),
    path("groups/<slug:slug>/chat/switch", views.switch, name="switch"),
    path("groups/<slug:slug>/chat/flag", views.flag, name="flag"),
    path(
        "groups/<slug:slug>/chat/flags/<id:flag_id>/resolve",
        views.flag_resolve,
        name="flag_resolve",
    ),
]
