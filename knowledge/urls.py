from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from knowledge import feeds, media, serving, views

# The reader's own pages; everything else under /knowledge/ is a Wagtail page.
reader_patterns = [
    path("", serving.serve, name="index"),
    path("-/tags/<str:slug>/", views.tag, name="tag"),
    path("-/kind/<str:kind>/", views.kind, name="kind"),
    path("-/archive/<id:year>/", views.archive_year, name="archive_year"),
    path("-/archive/<id:year>/<id:month>/", views.archive_month, name="archive_month"),
    path("-/feed/", feeds.feed, name="feed"),
    path("-/feed/<str:slug>/", feeds.section_feed, name="section_feed"),
    # An event organizer's 「ナレッジに記録を残す」 (knowledge.from_events)
    path("-/from-event/<id:occurrence_id>/", views.from_event, name="from_event"),
]

urlpatterns = [
    path("cms/", include(wagtailadmin_urls)),
    path("media/<path:name>", media.serve, name="knowledge_media"),
    path("knowledge/", include((reader_patterns, "knowledge"))),
    path("knowledge/-/recordings/", include("knowledge.upload_urls")),
    path("knowledge/documents/", include(wagtaildocs_urls)),
    # Pages: knowledge.serving answers; Wagtail's patterns stay for its URLs and _util views
    # (its privacy setting's password form posts to _util/authenticate_with_password/).
    re_path(r"^knowledge/((?!_util/)(?:[\w\-]+/)*)$", serving.serve),
    path("knowledge/", include(wagtail_urls)),
]
