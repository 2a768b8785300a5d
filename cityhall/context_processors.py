import functools

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from cityhall import moderation, policies
from cityhall import navigation as nav_counts

# The main navigation; a section appears once its app provides the URL.
NAVIGATION = [
    ("home", _("ホーム"), "home"),
    ("groups", _("グループ"), "groups:index"),
    ("events", _("イベント"), "events:index"),
    ("knowledge", _("ナレッジ"), "knowledge:index"),
    ("search", _("検索"), "search:index"),
    ("people", _("人を探す"), "members:directory"),
    ("notifications", _("通知"), "members:notifications"),
    ("moderation", _("モデレーション"), "moderation"),
    ("profile", _("プロフィール"), "members:profile"),
]


def _links():
    where = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return [{"key": key, "label": label, "url": url} for key, label, url in _reversed(*where)]


@functools.cache
def _reversed(script_prefix: str, urlconf: str) -> tuple:
    """The navigation's URLs, reversed once per process (for each script prefix and URLconf)."""
    found = []
    for key, label, url_name in NAVIGATION:
        try:
            found.append((key, label, reverse(url_name)))
        except NoReverseMatch:
            continue
    return tuple(found)


def navigation(request):
    if not policies.is_verified_member(getattr(request, "user", None)):
        return {"nav_links": []}
    waiting = moderation.waiting(request.user)  # remembered on the member for the request
    links = [
        link for link in _links() if link["key"] != "moderation" or waiting
    ]  # only members who moderate something see the moderation entry
    counts = nav_counts.by_link(request.user)
    for link in links:
        link["counts"] = counts.get(link["key"], [])
        link["current"] = (
            request.path == link["url"]
            if link["url"] == "/"
            else request.path.startswith(link["url"])
        )
    if request.user.is_staff:
        links.append({"key": "admin", "label": _("管理画面"), "url": reverse("admin:index"),
                      "current": request.path.startswith(reverse("admin:index"))})  # fmt: skip
    return {"nav_links": links, "moderation_total": sum(item.count for item in waiting)}
