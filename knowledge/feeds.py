"""Atom feeds of the knowledge base: the whole of it and one section. Members-only like every
page (the session's member, cityhall.middleware.MembersOnlyMiddleware), and filtered by the same
selectors as the listings, so a restricted page never appears to whoever may not see it.

A Feed instance is made per request (the views below): what it reads for the member is kept on
the object get_object returns, never on the shared instance."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from knowledge import selectors

FEED_ITEMS = 30


@dataclass(frozen=True)
class Reading:
    """Whose feed it is and of what (a section, or None for the whole knowledge base)."""

    request: object
    section: object = None


class KnowledgeFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, section_slug: str | None = None):
        self._request = request  # this instance is the request's own (see the module)
        if section_slug is None:
            return Reading(request)
        section = selectors.visible_sections(request.user).filter(slug=section_slug).first()
        if section is None:
            raise Http404(_("このセクションはありません。"))
        return Reading(request, section)

    def title(self, obj: Reading) -> str:
        if obj.section is not None:
            return _("%(section)s — オンライン市役所のナレッジ") % {"section": obj.section.title}
        return _("オンライン市役所のナレッジ")

    def subtitle(self, obj: Reading) -> str:
        return _("勉強会の記録、業務ノウハウ、ライブ配信のアーカイブの新着。")

    def link(self, obj: Reading) -> str:
        if obj.section is not None:
            return obj.section.get_url(obj.request)
        return reverse("knowledge:index")

    def feed_url(self, obj: Reading) -> str:
        return obj.request.path

    def items(self, obj: Reading) -> list:
        pages = selectors.visible_pages(obj.request.user)
        if obj.section is not None:
            pages = pages.child_of(obj.section)
        return list(pages.defer("body")[:FEED_ITEMS])

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return item.summary

    def item_link(self, item) -> str:
        return item.get_url(self._request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item) -> list[str]:
        return [item.get_kind_display()]


def feed(request):
    return KnowledgeFeed()(request)


def section_feed(request, slug: str):
    return KnowledgeFeed()(request, section_slug=slug)
