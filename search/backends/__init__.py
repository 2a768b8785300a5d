"""Search backends, one interface: ``write(documents, deleted_keys)``, ``search(query) ->
Page``, ``rebuild_start() / rebuild_write(target, documents, fields=None) / rebuild_swap(target)``,
``clear()`` and ``health()``. The embedded one keeps its index in the site's database; the
Meilisearch one talks to a Meilisearch server through the official client."""

from functools import cache

from django.conf import settings


@cache
def get_backend():
    if settings.SEARCH_BACKEND == "meilisearch":
        from search.backends.meili import MeilisearchBackend

        return MeilisearchBackend(
            settings.MEILISEARCH_URL, settings.MEILISEARCH_API_KEY, settings.MEILISEARCH_INDEX
        )
    from search.backends.embedded import EmbeddedBackend

    return EmbeddedBackend()
