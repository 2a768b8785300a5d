"""What a member sees of search: the page (/search/), the same query as JSON (?format=json), the
header's results as you type (/search/suggest) and similar questions while a new topic's title
is written (/search/similar). Every one asks search.services for this member, so each result,
count and facet comes only from what the member may see."""

from dataclasses import replace
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from search import services, text
from search.forms import PER_PAGE, SearchForm
from search.services import Filters, Result, Results

SUGGESTIONS = 8
SIMILAR = 5
SIMILAR_KINDS = ("topic",)
SIMILAR_MIN_CHARS = 2
# Options a facet shows on the page (most results first; the chosen one always): a common word
# spreads over hundreds of organizations. ?all=<facet parameter> shows every one of that facet.
FACET_SHOWN = 10
# (facet, query parameter, heading)
FACETS = [
    ("kind", "kind", _("種類")),
    ("group_id", "group", _("グループ")),
    ("organization_id", "organization", _("組織")),
]


@require_safe
def index(request):
    form = SearchForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    as_json = request.GET.get("format") == "json"
    if not valid and as_json:
        errors = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return _json({"errors": errors}, status=400)
    filters = form.filters()
    every = request.GET.get("all")
    named = None if as_json or every else FACET_SHOWN
    results = services.search(request.user, filters, named=named) if valid and filters.q else None
    if as_json:
        return _json(_payload(filters, results))
    context = {"form": form, "filters": filters, "results": results,
               "dropped": _dropped_terms(filters.q) if results else 0, "max_terms": text.MAX_TERMS,
               "facets": _facets(filters, results, every),
               "pager": _pager(filters, results),
               "chosen": _chosen(filters, results), "unfiltered": _unfiltered(filters)}  # fmt: skip
    return render(request, "search/index.html", context)


def _dropped_terms(q: str) -> int:
    """Words past the first MAX_TERMS, which the search left out (read again only when the
    query has that many)."""
    return text.dropped_terms(q) if len(q.split()) > text.MAX_TERMS else 0


@require_safe
def suggest(request):
    """The header box's results as the member types: a few, no facets. Only the first
    MAX_QUERY_CHARS characters are words (search.text.parse), and only they are sent back."""
    q = request.GET.get("q", "").strip()[: text.MAX_QUERY_CHARS]
    filters = Filters(q=q, per_page=SUGGESTIONS)
    results = services.search(request.user, filters, facets=False) if q else None
    return _json({
        "query": q, "total": results.total if results else 0,
        "more": results.more if results else False,
        "results": [_result(r) for r in results.results] if results else [],
        "url": f"{reverse('search:index')}?{urlencode({'q': q})}",
    })  # fmt: skip


@require_safe
def similar(request):
    """Topics like the title being written (any of its words), solved ones first."""
    title = request.GET.get("title", "").strip()[: text.MAX_QUERY_CHARS]
    found = []
    if len(title) >= SIMILAR_MIN_CHARS:
        found = services.similar(request.user, title, kinds=SIMILAR_KINDS, limit=SIMILAR)
    return _json({"title": title, "results": [_result(r) for r in found]})


# --- JSON ---------------------------------------------------------------------------------


def _json(data: dict, status: int = 200) -> JsonResponse:
    """JSON with the Japanese as written (UTF-8), not as escape sequences."""
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _result(result: Result) -> dict:
    hit = result.hit
    return {
        "kind": hit.kind, "kind_label": str(result.kind_label), "title_html": result.title,
        "snippet_html": result.snippet, "url": hit.url,
        "date": timezone.localtime(hit.date).isoformat(), "group": result.group,
        "solved": hit.solved,
    }  # fmt: skip


def _payload(filters: Filters, results: Results | None) -> dict:
    facets = results.facets if results else {}
    return {
        "query": filters.q, "total": results.total if results else 0,
        "more": results.more if results else False, "page": filters.page,
        "pages": results.pages if results else 1,
        "broadened": results.broadened if results else False,
        "results": [_result(r) for r in results.results] if results else [],
        "facets": {param: [{"value": value, "label": label, "count": count}
                           for value, label, count in facets.get(name, [])]
                   for name, param, _heading in FACETS},
    }  # fmt: skip


# --- links on the page --------------------------------------------------------------------


def query_string(filters: Filters) -> str:
    """The query string of /search/ for these filters (the defaults left out)."""
    params = [("q", filters.q), *(("kind", kind) for kind in filters.kinds)]
    optional = [
        ("group", filters.group_id), ("organization", filters.organization_id),
        ("since", filters.since and filters.since.isoformat()),
        ("until", filters.until and filters.until.isoformat()),
        ("solved", "1" if filters.solved else None),
        ("sort", filters.sort if filters.sort != "relevance" else None),
        ("page", filters.page if filters.page > 1 else None),
        ("per_page", filters.per_page if filters.per_page != PER_PAGE else None),
    ]  # fmt: skip
    params += [(name, value) for name, value in optional if value]
    return "?" + urlencode(params)


def _toggled(filters: Filters, name: str, value, selected: bool) -> Filters:
    if name == "kind":
        kinds = [k for k in filters.kinds if k != value] if selected else [*filters.kinds, value]
        return replace(filters, kinds=tuple(kinds), page=1)
    return replace(filters, **{name: None if selected else value}, page=1)


def _chosen_value(filters: Filters, name: str, value) -> bool:
    return value in filters.kinds if name == "kind" else value == getattr(filters, name)


def _facets(filters: Filters, results: Results | None, every: str | None = None) -> list[dict]:
    """Each facet's options as links, the first FACET_SHOWN (and the chosen one) unless the
    member asked for all of this facet (``every``: its parameter), with a link to the rest."""
    if not results:
        return []
    shown = []
    for name, param, heading in FACETS:
        rows = results.facets.get(name, [])
        kept = [
            row for index, row in enumerate(rows) if row[1] is not None
            and (param == every or index < FACET_SHOWN or _chosen_value(filters, name, row[0]))
        ]  # fmt: skip
        options = []
        for value, label, count in kept:
            chosen = _chosen_value(filters, name, value)
            url = query_string(_toggled(filters, name, value, chosen))
            options.append({"label": label, "count": count, "selected": chosen, "url": url})
        hidden = len(rows) - len(kept)
        more = f"{query_string(filters)}&{urlencode({'all': param})}" if hidden else None
        if options:
            shown.append({"heading": heading, "options": options, "hidden": hidden, "more": more})
    return shown


def _chosen(filters: Filters, results: Results | None) -> list[dict]:
    """The group and organization chosen (they have no field of their own on the form), each
    with the link that lets go of it."""
    chosen = []
    for name, _param, heading in FACETS[1:]:
        value = getattr(filters, name)
        if value is None:
            continue
        names = {
            key: label for key, label, _count in (results.facets if results else {}).get(name, [])
        }
        chosen.append({"heading": heading, "label": names.get(value, ""),
                       "url": query_string(replace(filters, **{name: None}, page=1))})  # fmt: skip
    return chosen


def _pager(filters: Filters, results: Results | None) -> dict | None:
    """Links to the pages before and after; past the last page, "previous" is the last one
    (and no "2 / 1")."""
    page = filters.page
    if not results or (results.pages <= 1 and page <= 1):
        return None
    previous = min(page - 1, results.pages)
    return {
        "number": page if page <= results.pages else None, "pages": results.pages,
        "previous": query_string(replace(filters, page=previous)) if page > 1 else None,
        "next": query_string(replace(filters, page=page + 1)) if page < results.pages else None,
    }  # fmt: skip


def _unfiltered(filters: Filters) -> str | None:
    """The same words without any filter, when some filter is chosen: what to offer when the
    filters leave nothing."""
    plain = Filters(q=filters.q, sort=filters.sort, per_page=filters.per_page)
    return query_string(plain) if replace(filters, page=1) != plain else None
