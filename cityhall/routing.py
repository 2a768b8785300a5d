"""Every WebSocket route of the site; the route walker test enumerates this list."""

from groups.chat.routing import websocket_urlpatterns as chat_routes
from groups.routing import websocket_urlpatterns as group_routes
from members.routing import websocket_urlpatterns as member_routes

websocket_urlpatterns = [*member_routes, *group_routes, *chat_routes]
