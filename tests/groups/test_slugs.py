import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import path

from cityhall import urls as project_urls
from groups import services
from groups.models import Group
from groups.slugs import reserved_slugs
from tests.factories import MemberFactory
from tests.groups.conftest import make_group


def _propose(name: str) -> Group:
    return services.group_propose(
        proposer=MemberFactory(), name=name, description="説明", kind="open", reason=""
    )


def _shape(slug: str) -> str:
    return re.sub(r"[a-z0-9]", "x", slug)


def test_a_proposed_slug_looks_the_same_whether_or_not_a_secret_group_has_the_name(db):
    alone = _propose("極秘プロジェクト")
    alone.delete()
    secret = make_group(MemberFactory(), kind="secret", slug=alone.slug.rsplit("-", 1)[0],
                        name="極秘プロジェクト")  # fmt: skip
    beside_secret = _propose("極秘プロジェクト")
    assert _shape(beside_secret.slug) == _shape(alone.slug)
    assert beside_secret.slug != secret.slug
    assert beside_secret.slug.startswith("gokuhi")


@pytest.mark.parametrize("slug", ["new", "proposals", "moderation"])
def test_a_fixed_route_cannot_be_a_group_slug(db, slug):
    group = Group(slug=slug, name="x", description="x", proposed_by=MemberFactory())
    with pytest.raises(ValidationError) as error:
        group.full_clean()
    assert error.value.message_dict["slug"] == ["このURL名はサイトのページと重なるため使えません。"]


def test_a_fixed_route_added_later_is_reserved_without_editing_a_list(settings):
    class LaterURLconf:
        urlpatterns = [path("groups/archive/", lambda request: None), *project_urls.urlpatterns]

    settings.ROOT_URLCONF = LaterURLconf
    assert {"new", "proposals", "moderation", "archive"} <= reserved_slugs()
    assert not reserved_slugs() & {"chat", "t", "p", "members"}
