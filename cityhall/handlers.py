"""The HTTP side of the ASGI application: Django's ASGI handler, running the middleware and
the view in one worker thread.

Django's own handler builds its middleware chain for async use. With a chain of sync
middleware (ours, Django's, allauth's, Wagtail's) that means switching threads several times
per request: into a thread for the middleware, back to the event loop at the end of the
chain, into the thread again for each process_view and once more for the view. Here the chain
is built as WSGI builds it, all sync, and entered once from the event loop; async views still
work (Django runs them with async_to_sync)."""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)
