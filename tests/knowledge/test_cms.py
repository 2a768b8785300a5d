"""The editor at /cms/: behind the members' gate, with Wagtail permissions that follow topic
groups section by section, and no restricted page shown to those outside its groups."""

import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from modelsearch.index import insert_or_update_object
from PIL import Image as PILImage
from wagtail.images.models import Image

from groups.models import Membership
from knowledge import editors
from knowledge.models import SectionPage
from members import services as member_services
from tests.factories import GroupFactory, MemberFactory, MembershipFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import add_page


def _names(member) -> set[str]:
    return set(member.groups.values_list("name", flat=True))


def _add_url(parent) -> str:
    return reverse("wagtailadmin_pages:add", args=["knowledge", "articlepage", parent.pk])


# --- the gate ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/cms/", "/cms/login/", "/cms/password_reset/", "/cms/pages/"])
def test_anonymous_visitors_go_to_the_sites_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_wagtails_login_form_hands_a_member_on(member_client):
    response = member_client.get("/cms/login/?next=/cms/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/cms/pages/"
    assert member_client.get("/cms/login/?next=https://evil.example/")["Location"] == "/cms/"


def test_wagtails_password_reset_does_not_exist_for_members(member_client):
    assert member_client.get("/cms/password_reset/").status_code == 404


def test_an_unverified_account_is_turned_away(client, unverified_member):
    client.force_login(unverified_member)
    response = client.get("/cms/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_suspended_member_is_told_why(member):
    moderator = MemberFactory(is_site_moderator=True)
    member_services.member_suspend(
        actor=moderator, member=member, until=timezone.now() + timedelta(days=3), reason="荒らし"
    )
    response = client_for(member).get("/cms/login/")
    assert response.status_code == 403
    assert "荒らし" in response.content.decode()


def test_logging_out_of_the_editor_logs_out_of_the_site(member_client):
    assert member_client.get("/cms/").status_code == 200
    response = member_client.post(reverse("wagtailadmin_logout"))
    assert response["Location"].startswith("/accounts/login/")
    assert member_client.get("/").status_code == 302


def test_the_editor_may_frame_its_own_preview_and_nothing_else(member_client):
    response = member_client.get("/cms/")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    elsewhere = member_client.get("/")
    assert elsewhere["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in elsewhere["Content-Security-Policy"]


# --- permissions per section ---------------------------------------------------------------


def test_opening_the_editor_gives_a_member_the_sections_of_their_groups(world):
    owner = world.group.proposed_by
    assert client_for(world.insider).get("/cms/").status_code == 200
    client_for(world.outsider).get("/cms/")
    client_for(owner).get("/cms/")
    finance, salon = world.section.pk, world.secret_section.pk
    assert _names(world.insider) == {
        editors.EVERYONE, f"knowledge-{finance}-editors", f"knowledge-{salon}-editors"
    }  # fmt: skip
    assert _names(world.outsider) == {editors.EVERYONE, f"knowledge-{finance}-editors"}
    assert f"knowledge-{salon}-reviewers" in _names(owner)
    assert f"knowledge-{finance}-reviewers" not in _names(owner)  # site moderators review there


def test_leaving_the_group_takes_the_section_away(world, django_capture_on_commit_callbacks):
    client_for(world.insider).get("/cms/")
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(member=world.insider, group=world.group).delete()
    assert f"knowledge-{world.secret_section.pk}-editors" not in _names(world.insider)
    assert client_for(world.insider).get(_add_url(world.secret_section)).status_code == 404


def test_a_member_writes_only_in_the_sections_of_their_groups(world):
    other = GroupFactory(slug="other", name="別のグループ")
    other_section = add_page(world.secret_section.get_parent(), SectionPage(
        title="別のグループ", slug="other", group=other))  # fmt: skip
    insider = client_for(world.insider)
    assert insider.get(_add_url(world.secret_section)).status_code == 200
    assert insider.get(_add_url(world.section)).status_code == 200  # a field: anyone
    assert insider.get(_add_url(other_section)).status_code in {302, 403}
    outsider = client_for(world.outsider)
    assert outsider.get(_add_url(world.secret_section)).status_code == 404
    assert (
        outsider.get(
            reverse("wagtailadmin_pages:edit", args=[world.page_in_secret_section.pk])
        ).status_code
        == 404
    )


@pytest.fixture
def indexed(world):
    """The restricted page in the search index (the index is updated by a background task)."""
    insert_or_update_object(world.secret_page)
    return world


def test_a_restricted_page_in_an_open_section_stays_hidden_from_outsiders(world, indexed):
    outsider = client_for(world.outsider)
    outsider.get("/cms/")
    secret = world.secret_page
    for url in [
        reverse("wagtailadmin_pages:edit", args=[secret.pk]),
        reverse("wagtailadmin_pages:history", args=[secret.pk]),
        reverse("wagtailadmin_pages:revisions_compare", args=[secret.pk, "earliest", "latest"]),
        reverse("wagtailadmin_api:pages:detail", args=[secret.pk]),
    ]:
        assert outsider.get(url).status_code == 404, url
    listings = [
        reverse("wagtailadmin_explore", args=[world.section.pk]),
        reverse("wagtailadmin_choose_page_child", args=[world.section.pk]),
        reverse("wagtailadmin_api:pages:listing") + f"?child_of={world.section.pk}",
        reverse("wagtailadmin_api:pages:listing") + "?search=サロンの内部メモ",
    ]
    for url in listings:
        response = outsider.get(url)
        assert response.status_code == 200, url
        assert secret.title not in _text(response), url
    searches = [  # they repeat the words searched for: look for the page's link instead
        reverse("wagtailadmin_pages:search"),
        reverse("wagtailadmin_pages:search_results"),
        reverse("wagtailadmin_choose_page_search"),
    ]
    for url in searches:
        response = outsider.get(url, {"q": secret.title})
        assert response.status_code == 200, url
        assert f"/cms/pages/{secret.pk}/" not in _text(response), url


def _text(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def test_insiders_see_the_restricted_page_in_the_editor(world, indexed):
    insider = client_for(world.insider)
    insider.get("/cms/")
    listing = insider.get(reverse("wagtailadmin_explore", args=[world.section.pk]))
    assert world.secret_page.title in listing.content.decode()
    search = insider.get(reverse("wagtailadmin_pages:search"), {"q": world.secret_page.title})
    assert f"/cms/pages/{world.secret_page.pk}/" in _text(search)
    chooser = insider.get(reverse("wagtailadmin_choose_page_child", args=[world.section.pk]))
    assert world.secret_page.title in _text(chooser)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile("pic.png", buffer.getvalue(), content_type="image/png")


def test_images_stay_in_the_collection_of_their_section(world):
    client_for(world.insider).get("/cms/")
    salon = editors.group_name(world.secret_section.pk, editors.EDITORS)
    collection = AuthGroup.objects.get(name=salon).collection_permissions.first().collection
    Image.objects.create(title="サロンの写真", file=_png(), collection=collection)
    chooser = reverse("wagtailimages_chooser:choose")
    assert "サロンの写真" in client_for(world.insider).get(chooser).json()["html"]
    outsider = client_for(world.outsider)
    outsider.get("/cms/")
    assert "サロンの写真" not in outsider.get(chooser).json()["html"]


def test_a_new_section_is_set_up_when_someone_next_opens_the_editor(world):
    group = GroupFactory(slug="new", name="新しいグループ")
    MembershipFactory(group=group, member=world.outsider)
    section = add_page(world.section.get_parent(), SectionPage(
        title="新しいグループ", slug="new", group=group))  # fmt: skip
    outsider = client_for(world.outsider)
    assert outsider.get("/cms/").status_code == 200
    assert f"knowledge-{section.pk}-editors" in _names(world.outsider)
    assert outsider.get(_add_url(section)).status_code == 200


def test_opening_the_editor_costs_few_queries_once_set_up(world, django_assert_max_num_queries):
    client = client_for(world.insider)
    client.get("/cms/")
    member = type(world.insider).objects.get(pk=world.insider.pk)
    with django_assert_max_num_queries(6):
        editors.sync(member)
