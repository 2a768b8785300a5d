"""Search backends. The embedded one keeps its index in the site's database; the Meilisearch one
talks to a Meilisearch server through the official client."""

from functools import cache

from django.conf import settings


class EmbeddedBackend:
    name = "embedded"

    def health(self) -> dict:
        return {"ok": True, "backend": self.name}


class MeilisearchBackend:
    name = "meilisearch"

    def __init__(self, url: str, api_key: str):
        import meilisearch

        self.client = meilisearch.Client(url, api_key or None, timeout=3)

    def health(self) -> dict:
        status = self.client.health().get("status")
        return {"ok": status == "available", "backend": self.name, "status": status}


@cache
def get_backend():
    if settings.SEARCH_BACKEND == "meilisearch":
        return MeilisearchBackend(settings.MEILISEARCH_URL, settings.MEILISEARCH_API_KEY)
    return EmbeddedBackend()
