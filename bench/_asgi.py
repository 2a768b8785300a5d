"""Bench-only ASGI entry point: the site's own application, plus a bare Django view at
/__bench__/bare that serves as the baseline of bench/pages.py; /__bench__/frame, the cheapest
page a member can open (signed in, the site's frame of base.html around nothing: what every
page pays before its own content); and /__bench__/forget, which empties this process's
fragment cache (cityhall.fragments) so that the next page is rendered cold, as a page nobody
has opened since the process started.

The bare view runs through a second handler of the site's own kind (cityhall.handlers), with
the same settings and the same middleware; only its URLconf differs (this module). So the
baseline is daphne + Django's request cycle + every middleware, with a view that does
nothing: what each page adds on top of it is the page's own cost."""

from cityhall.asgi import application as site  # noqa: I001 (sets up Django first)

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.template import engines

from cityhall import fragments
from django.urls import include, path

from cityhall.handlers import SyncChainASGIHandler

BARE_PATH = "/__bench__/bare"
FORGET_PATH = "/__bench__/forget"
FRAME_PATH = "/__bench__/frame"
BENCH_PATHS = (BARE_PATH, FORGET_PATH, FRAME_PATH)
_FRAME = engines["django"].from_string("{% extends 'base.html' %}")


@login_not_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def frame(request):
    return HttpResponse(_FRAME.render({}, request))


@login_not_required
def forget(request):
    fragments.cache().clear()
    return HttpResponse("forgotten", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path(BARE_PATH.lstrip("/"), bare, name="bench_bare"),
    path(FORGET_PATH.lstrip("/"), forget, name="bench_forget"),
    path(FRAME_PATH.lstrip("/"), frame, name="bench_frame"),
    # the site's own names, for the frame's links ({% url %})
    path("", include("cityhall.urls")),
]


class BareHandler(SyncChainASGIHandler):
    """The site's HTTP handler, resolving every request against this module's URLconf."""

    def create_request(self, scope, body_file):
        request, error = super().create_request(scope, body_file)
        if request is not None:
            request.urlconf = __name__
        return request, error


bare_application = BareHandler()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] in BENCH_PATHS:
        return await bare_application(scope, receive, send)
    return await site(scope, receive, send)
