"""The HTTP side of the ASGI application: Django's ASGI handler, running the middleware and
the view in one worker thread, and the same few worker threads from one request to the next.

Django's own handler builds its middleware chain for async use. With a chain of sync
middleware (ours, Django's, allauth's, Wagtail's) that means switching threads several times
per request: into a thread for the middleware, back to the event loop at the end of the
chain, into the thread again for each process_view and once more for the view. Here the chain
is built as WSGI builds it, all sync, and entered once from the event loop; async views still
work (Django runs them with async_to_sync).

Django gives each request a thread of its own (ThreadSensitiveContext), started for it and
stopped after it. Here a request takes an idle one-thread executor from a pool and gives it
back when it is done, so its sync code still runs on one thread, as Django wants, without a
thread started and joined for every request (through daphne: the bare view 2.0-2.3 → 1.9 ms,
a member's empty page 4.1-4.4 → 3.7 ms)."""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

IDLE_THREADS = 16
_numbers = itertools.count(1)


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = _idle.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            _idle.give_back(executor)


def _request_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"request-{next(_numbers)}")


class _Idle:
    """One-thread executors between requests. A request gives its own back idle: asgiref
    waits for a sync call to end even when the request is cancelled (the member went away)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._threads: list[ThreadPoolExecutor] = []

    def take(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads:
                return self._threads.pop()
        return _request_thread()

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if len(self._threads) < IDLE_THREADS:
                self._threads.append(executor)
                return
        executor.shutdown(wait=False)


_idle = _Idle()
