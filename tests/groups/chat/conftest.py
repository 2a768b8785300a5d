import pytest

from groups.chat import services


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Ids are reused between tests; so are rate-limit windows keyed by them, unless cleared."""
    services._limit_storage.reset()
    yield
    services._limit_storage.reset()


@pytest.fixture(params=["memory", "redis"])
def channel_layer(request, settings):
    """Each consumer test runs on the in-memory layer and on the Redis layer."""
    if request.param == "memory":
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "cityhall.layers.InMemoryChannelLayer"}}
    else:
        url = settings.REDIS_URL or "redis://127.0.0.1:6379/2"
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": url, "socket_timeout": 30}],
                    "prefix": f"chat-test-{request.node.name[-40:]}",
                },
            }
        }
    return request.param
