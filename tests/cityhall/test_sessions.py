"""Sessions are Django's database sessions read by a query compiled once (cityhall.sessions):
a live session loads, an expired or unknown one does not and starts anew."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from cityhall.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def test_a_live_session_loads_its_own_data():
    first, second = _saved(name="一郎"), _saved(name="二郎")
    assert SessionStore(first).load() == {"name": "一郎"}
    assert SessionStore(second)["name"] == "二郎"


def test_an_expired_session_is_not_loaded_and_starts_anew():
    key = _saved(name="一郎")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


@pytest.mark.parametrize("key", ["x" * 32, "短い", "' OR 1=1 --" + "x" * 20, None])
def test_an_unknown_or_odd_key_loads_nothing(key):
    _saved(name="一郎")
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None


def test_a_signed_in_member_stays_signed_in(member_client):
    assert member_client.get("/").status_code == 200
    assert member_client.get("/profile/").status_code == 200
