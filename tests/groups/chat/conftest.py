"""The chat tests use the ``channel_layer`` fixture of tests/conftest.py, and ``room_kind`` to
run a test on a group's room and on an event occurrence's room (a room without a group)."""

import pytest


@pytest.fixture(params=["group", "occurrence"])
def room_kind(request):
    return request.param
