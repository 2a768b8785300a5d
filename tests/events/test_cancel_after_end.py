"""A cancellation after the session has ended is refused like a registration (found while
writing tests/events/test_rush.py): otherwise a confirmed member who "cancels" a past session
leaves its attendance list, and the first waitlisted member is promoted to a session that is
over and told 「空きが出たため、参加が確定しました。」."""

import contextlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Occurrence, Registration
from events.notifications import REGISTRATION
from members.models import Notification
from tests.factories import GroupFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended():
    """A session with one seat that ended an hour ago: one confirmed member, one waiting."""
    organizer = MemberFactory()
    series = services.series_create(
        author=organizer, group=GroupFactory(owner=organizer), title="滞納整理の実務勉強会",
        first_start=timezone.now() + timedelta(days=1), rule="", capacity=1,
    )  # fmt: skip
    occurrence = series.occurrences.get()
    confirmed, waiting = MemberFactory(), MemberFactory()
    for member in (confirmed, waiting):
        services.registration_create(member=member, occurrence=occurrence)
    back = occurrence.ends_at - timezone.now() + timedelta(hours=1)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        starts_at=F("starts_at") - back, ends_at=F("ends_at") - back
    )
    occurrence.refresh_from_db()
    return occurrence, confirmed, waiting


def test_registering_after_the_end_is_refused(ended):
    occurrence, _confirmed, _waiting = ended
    with pytest.raises(ValidationError, match="この回は終了しました。"):
        services.registration_create(member=MemberFactory(), occurrence=occurrence)


def test_cancelling_after_the_end_promotes_nobody(ended):
    occurrence, confirmed, waiting = ended
    with contextlib.suppress(ValidationError):  # refusing it is one right answer
        services.registration_cancel(member=confirmed, occurrence=occurrence)
    statuses = dict(occurrence.registrations.values_list("member_id", "status"))
    assert statuses == {confirmed.pk: Registration.Status.CONFIRMED,
                        waiting.pk: Registration.Status.WAITLISTED}  # fmt: skip
    assert not Notification.objects.filter(recipient=waiting, kind=REGISTRATION,
                                           params__event="promoted").exists()  # fmt: skip


def test_the_cancel_button_is_gone_and_so_is_the_route(ended, client):
    occurrence, confirmed, waiting = ended
    client.force_login(confirmed)
    page = client.get(reverse("events:occurrence", args=[occurrence.pk]))
    assert "申込を取り消す" not in page.content.decode()
    client.post(reverse("events:cancel", args=[occurrence.pk]))
    assert occurrence.registrations.get(member=waiting).status == Registration.Status.WAITLISTED
