"""factory_boy factories: members, groups, topics and posts, and event occurrences. Topics,
posts and occurrences are made by the services (so numbering, counters and read state are as
the site makes them); what a test needs beyond that (hidden, locked, deleted, an occurrence's
time) is set on the row afterwards."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from events import services as event_services
from events.models import Occurrence, Series
from groups import services as group_services
from groups.models import Group, Membership, Post, Topic
from members.models import Organization, User


def organization(name: str) -> Organization:
    return Organization.objects.filter(name=name).order_by("lg_code").first()


class MemberFactory(factory.django.DjangoModelFactory):
    """A verified member; pass ``verified=False`` for an account whose address is unconfirmed."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@city.kobe.lg.jp")
    display_name = factory.Sequence(lambda n: f"神戸 太郎{n}")
    display_name_kana = "こうべ たろう"
    organization = factory.LazyFunction(lambda: organization("神戸市"))
    organization_confirmed = True
    department = "行財政局"
    section = "税務部 市民税課"
    password = factory.django.Password("correct-horse-battery-9")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            verified = True if extracted is None else extracted
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=verified)


class GroupFactory(factory.django.DjangoModelFactory):
    """An active open group whose ``owner`` (a new member unless given) proposed it and owns
    it: ``GroupFactory(owner=me, kind="secret")``."""

    class Meta:
        model = Group
        skip_postgeneration_save = True
        exclude = ("owner",)

    owner = factory.SubFactory(MemberFactory)
    proposed_by = factory.SelfAttribute("owner")
    slug = factory.Sequence(lambda n: f"group-{n}")
    name = "債権回収"
    description = "滞納整理・債権回収の相談"
    kind = Group.Kind.OPEN
    status = Group.Status.ACTIVE

    @factory.post_generation
    def owned(obj, create, extracted, **kwargs):
        """The owner's membership (``owned=False``: nobody's group, e.g. a proposal)."""
        if create and extracted is not False:
            Membership.objects.create(group=obj, member=obj.proposed_by, role=Membership.Role.OWNER)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    member = factory.SubFactory(MemberFactory)
    role = Membership.Role.MEMBER


class _MadeByService(factory.django.DjangoModelFactory):
    """Created by a service; ``_after`` fields are then written onto the row as they are."""

    class Meta:
        abstract = True

    _after: tuple[str, ...] = ()

    @classmethod
    def _create(cls, model_class, **kwargs):
        later = {name: kwargs.pop(name) for name in cls._after if name in kwargs}
        made = cls.make(**kwargs)
        if later:
            model_class.objects.filter(pk=made.pk).update(**later)
            for name, value in later.items():
                setattr(made, name, value)
        return made


class TopicFactory(_MadeByService):
    """A topic with its first post, by the group's owner unless ``author`` is given (who must
    be able to post there). ``is_hidden=True`` etc. are set afterwards."""

    class Meta:
        model = Topic

    _after = ("is_hidden", "is_locked", "is_pinned")

    group = factory.SubFactory(GroupFactory)
    author = factory.SelfAttribute("group.proposed_by")
    title = factory.Sequence(lambda n: f"差押えの順序について{n}")
    body = "滞納処分の順序を教えてください。"
    is_question = False

    @staticmethod
    def make(**kwargs):
        return group_services.topic_create(**kwargs)


class PostFactory(_MadeByService):
    """A reply, by the topic's author unless ``author`` is given. ``is_hidden=True`` or
    ``deleted=True`` are set afterwards (a deleted post keeps its row, as post_delete does)."""

    class Meta:
        model = Post

    class Params:
        deleted = factory.Trait(deleted_at=factory.LazyFunction(timezone.now))

    _after = ("is_hidden", "deleted_at")

    topic = factory.SubFactory(TopicFactory)
    author = factory.SelfAttribute("topic.author")
    body = factory.Sequence(lambda n: f"返信です({n})")

    @staticmethod
    def make(**kwargs):
        return group_services.post_create(**kwargs)


def make_occurrence(*, group=None, organizer=None, starts_in=timedelta(minutes=10),
                    minutes: int = 90, capacity: int = 100, lottery: bool = False,
                    title: str = "データ活用勉強会") -> Occurrence:  # fmt: skip
    """The one occurrence of a new series in ``group`` (a new open group unless given) made by
    ``organizer`` (a new plain member of the group unless given), starting ``starts_in`` from
    now (its chat room opens 30 minutes before), with its chat room. A lottery closes at the
    start."""
    group = group or GroupFactory()
    if organizer is None:
        organizer = MembershipFactory(group=group).member
    mode = Series.Mode.LOTTERY if lottery else Series.Mode.FIRST_COME
    series = event_services.series_create(
        author=organizer, group=group, title=title, capacity=capacity, mode=mode,
        first_start=timezone.now() + timedelta(days=3), duration_minutes=minutes,
    )  # fmt: skip
    starts_at = timezone.now() + starts_in
    series.occurrences.update(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
        lottery_closes_at=starts_at if lottery else None,
    )  # fmt: skip
    occurrence = series.occurrences.select_related("series__group").get()
    event_services.room_for_occurrence(occurrence)
    return occurrence


def register(member, occurrence: Occurrence):
    """``member``'s registration for ``occurrence``, as registering on its page makes it."""
    return event_services.registration_create(member=member, occurrence=occurrence)[0]
