from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from cityhall import health, views, writing


@login_not_required
def favicon(request):
    """Browsers and feed readers that ask for /favicon.ico without reading the page's
    <link rel="icon"> get the site's icon, not a 404."""
    return HttpResponsePermanentRedirect(static("img/favicon-32.png"))


admin.site.site_header = _("オンライン市役所 管理")
admin.site.site_title = _("オンライン市役所")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("markdown/preview", writing.markdown_preview, name="markdown_preview"),
    path("moderation/", views.moderation, name="moderation"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("groups.urls")),
    path("", include("groups.chat.urls")),
    path("", include("events.urls")),
    path("", include("knowledge.urls")),
    path("", include("search.urls")),
]
