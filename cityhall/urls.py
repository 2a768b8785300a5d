from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from cityhall import health, views

admin.site.site_header = _("オンライン市役所 管理")
admin.site.site_title = _("オンライン市役所")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("moderation/", views.moderation, name="moderation"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("groups.urls")),
    path("", include("groups.chat.urls")),
]
