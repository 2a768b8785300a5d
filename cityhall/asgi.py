import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityhall.settings")
django.setup(set_prefix=False)

from cityhall import http_server  # noqa: E402
from cityhall.handlers import SyncChainASGIHandler  # noqa: E402

http_server.leave_bodies_to_django()

django_asgi_app = SyncChainASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from cityhall.consumers import NoSuchRouteConsumer  # noqa: E402
from cityhall.origins import SameOriginValidator  # noqa: E402
from cityhall.routing import websocket_urlpatterns  # noqa: E402
from cityhall.websocket import MembersOnlyWebSocket  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(
                MembersOnlyWebSocket(
                    URLRouter([*websocket_urlpatterns, re_path("", NoSuchRouteConsumer.as_asgi())])
                )
            )
        ),
    }
)

import gc  # noqa: E402

gc.collect()
gc.freeze()
gc.set_threshold(20_000, 20, 50)
