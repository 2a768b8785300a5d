"""The demo events: the weekly Saturday session in natural Japanese with registrations, the
lottery study session, the daily broadcast and a past session with its attendance."""

from datetime import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.models import Occurrence, Registration, Series
from members.models import User
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_the_events_once():
    call_command("seed_demo", verbosity=0)
    count = Occurrence.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Occurrence.objects.count() == count and Series.objects.count() == 3
    weekly = Series.objects.get(title="ワクチン接種体制 情報交換会")
    upcoming = weekly.occurrences.filter(starts_at__gt=timezone.now())
    assert {(timezone.localtime(o.starts_at).weekday(), timezone.localtime(o.starts_at).time())
            for o in upcoming} == {(5, time(10))}  # fmt: skip
    assert Registration.objects.filter(occurrence=upcoming.first()).count() == 8
    past = weekly.occurrences.get(ends_at__lt=timezone.now())
    assert past.registrations.filter(attended=True).count() == 5
    assert Series.objects.get(mode="lottery").occurrences.first().is_lottery
    member = User.objects.get(email="demo-member@city.kobe.lg.jp")
    page = client_for(member).get(reverse("events:index")).content.decode()
    assert "ワクチン接種体制 情報交換会" in page and "自治体DX 毎日ライブ配信" in page
    home = client_for(member).get(reverse("home")).content.decode()
    assert "次の参加予定" in home
