"""The Meilisearch backend (used when MEILISEARCH_URL is set), through the official client."""


class MeilisearchBackend:
    name = "meilisearch"

    def __init__(self, url: str, api_key: str, index: str):
        import meilisearch

        self.client = meilisearch.Client(url, api_key or None, timeout=3)
        self.index_name = index

    def health(self) -> dict:
        status = self.client.health().get("status")
        return {"ok": status == "available", "backend": self.name, "status": status}
