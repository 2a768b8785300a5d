from django.urls import path

from groups import consumers
from groups.chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/topics/<id:topic_id>/", consumers.TopicConsumer.as_asgi()),
    path("ws/chat/<id:room_id>/", ChatConsumer.as_asgi()),
]
