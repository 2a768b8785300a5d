"""The site's HTTP handler (cityhall.handlers) runs the middleware and the view in one thread:
what a page does reaches the member as with Django's own handler, async views included."""

import asyncio
import threading

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from cityhall.handlers import SyncChainASGIHandler
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


@login_not_required
async def async_view(request):
    return HttpResponse(f"async {request.user.is_authenticated}")


urlpatterns = [path("async/", async_view)]


class Handler(SyncChainASGIHandler):
    def __init__(self, urlconf=None):
        super().__init__()
        self.urlconf = urlconf

    def create_request(self, scope, body_file):
        request, error = super().create_request(scope, body_file)
        if request is not None and self.urlconf:
            request.urlconf = self.urlconf
        return request, error


async def _get(handler, url, **kwargs):
    transport = httpx.ASGITransport(app=handler)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(url, **kwargs)


@pytest.mark.asyncio
async def test_a_member_page_passes_every_middleware(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    member = await sync_to_async(MemberFactory)()
    anonymous = await _get(Handler(), f"/members/{member.pk}/")

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["location"]
    assert anonymous.headers["x-frame-options"] == "DENY"


@pytest.mark.asyncio
async def test_an_async_view_still_answers(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    response = await _get(Handler(__name__), "/async/")

    assert response.status_code == 200 and response.text == "async False"


_release = threading.Event()


@login_not_required
def thread_view(request):
    return HttpResponse(threading.current_thread().name)


@login_not_required
def slow_view(request):
    _release.wait(10)
    return HttpResponse(threading.current_thread().name)


urlpatterns += [path("thread/", thread_view), path("slow/", slow_view)]


@pytest.mark.asyncio
async def test_requests_one_after_another_reuse_one_thread(settings):
    """No thread started and stopped for every request; each still runs on one thread."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    handler = Handler(__name__)
    names = [(await _get(handler, "/thread/")).text for _ in range(3)]
    assert names[0].startswith("request-") and names == [names[0]] * 3


@pytest.mark.asyncio
async def test_a_request_cut_short_gives_its_thread_back_only_once_its_view_ended(settings):
    """The member goes away while the view runs: the request ends when the view does (asgiref
    waits for a sync call), so the next request never waits behind it on the same thread."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    handler = Handler(__name__)
    _release.clear()
    sent = asyncio.Event()

    async def receive():
        if not sent.is_set():
            sent.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(0.1)
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    scope = {"type": "http", "method": "GET", "path": "/slow/", "query_string": b"",
             "headers": [(b"host", b"testserver")], "server": ("testserver", 80),
             "client": ("127.0.0.1", 1), "scheme": "http", "root_path": "",
             "asgi": {"version": "3.0"}, "http_version": "1.1"}  # fmt: skip
    cut_short = asyncio.create_task(handler(scope, receive, send))
    await asyncio.sleep(0.3)
    assert not cut_short.done()  # the view still runs
    second = await asyncio.wait_for(_get(handler, "/thread/"), 2)  # on another thread
    _release.set()
    await asyncio.wait_for(cut_short, 5)
    third = await _get(handler, "/thread/")
    assert second.status_code == third.status_code == 200
