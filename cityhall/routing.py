"""Every WebSocket route of the site; the route walker test enumerates this list."""

from members.routing import websocket_urlpatterns as member_routes

websocket_urlpatterns = [*member_routes]
