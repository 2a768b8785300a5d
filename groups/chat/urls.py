from django.urls import path

from groups.chat import views

app_name = "chat"

urlpatterns = [
    path("groups/<slug:slug>/chat/", views.room, name="room"),
    path("groups/<slug:slug>/chat/messages", views.messages_json, name="messages"),
    path("groups/<slug:slug>/chat/transcript.md", views.transcript, name="transcript"),
]
