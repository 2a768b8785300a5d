from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from taggit.models import Tag

from cityhall.params import int_param
from knowledge import selectors
from knowledge.reading import PAGE_SIZE


def tag(request, slug: str):
    """Visible pages with this tag; a tag only restricted pages carry is a 404 like any other."""
    found = Tag.objects.filter(slug=slug).first()
    pages = selectors.visible_pages(request.user).filter(tagged_items__tag=found) if found else None
    if pages is None or not pages.exists():
        raise Http404
    listing = Paginator(pages, PAGE_SIZE).get_page(
        int_param(request.GET.get("page"), default=1, minimum=1)
    )
    return render(request, "knowledge/tag.html", {"tag": found, "pages": listing})
