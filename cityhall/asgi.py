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

# What start-up made stays out of every collection. A request leaves about 200 objects in
# reference cycles (Django's request, its session, a form's fields) for the collector, which
# takes 0.2-0.3 microseconds an object: a collection every 5,000 new objects costs about 1 ms
# every dozen pages. Every 20,000, it cost 6.5 ms every 50 pages, which made every page's p99
# its p50 plus 7 ms (in-process, 1,000 rounds of six pages: the topic page's p99 11.75 -> 5.81
# ms; the time spent collecting is the same).
gc.collect()
gc.freeze()
gc.set_threshold(5_000, 20, 50)
