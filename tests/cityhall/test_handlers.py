"""The site's HTTP handler (cityhall.handlers) runs the middleware and the view in one thread:
what a page does reaches the member as with Django's own handler, async views included."""

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
