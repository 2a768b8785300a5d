from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cityhall import navigation as nav_counts
from cityhall import policies
from members.selectors import unread_notification_count

# The main navigation; a section appears once its app provides the URL.
NAVIGATION = [
    ("home", _("ホーム"), "home"),
    ("groups", _("グループ"), "groups:index"),
    ("events", _("イベント"), "events:index"),
    ("knowledge", _("ナレッジ"), "knowledge:index"),
    ("search", _("検索"), "search:index"),
    ("people", _("人を探す"), "members:directory"),
    ("notifications", _("通知"), "members:notifications"),
    ("profile", _("プロフィール"), "members:profile"),
]


def _links():
    for key, label, url_name in NAVIGATION:
        try:
            yield {"key": key, "label": label, "url": reverse(url_name)}
        except NoReverseMatch:
            continue


def navigation(request):
    if not policies.is_verified_member(getattr(request, "user", None)):
        return {"nav_links": []}
    links = list(_links())
    counts = nav_counts.counts_by_link(request.user)
    for link in links:
        link["counts"] = counts.get(link["key"], [])
        link["current"] = (
            request.path == link["url"]
            if link["url"] == "/"
            else request.path.startswith(link["url"])
        )
    return {"nav_links": links, "unread_count": unread_notification_count(request.user)}
