from django.urls import path

from groups.chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<id:room_id>/", ChatConsumer.as_asgi()),
]
