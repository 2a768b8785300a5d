import factory
from allauth.account.models import EmailAddress

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
