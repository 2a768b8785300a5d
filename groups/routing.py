from django.urls import path

from groups import consumers

websocket_urlpatterns = [
    path("ws/topics/<id:topic_id>/", consumers.TopicConsumer.as_asgi()),
]
