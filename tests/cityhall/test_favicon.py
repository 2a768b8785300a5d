"""The site has its own icon: named by every page, and /favicon.ico leads to it."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse


def test_every_page_names_the_icon_and_the_files_exist(client, db):
    page = client.get(reverse("account_login")).content.decode()
    for name in ["img/favicon.svg", "img/favicon-32.png", "img/apple-touch-icon.png"]:
        assert f'href="{static(name)}"' in page
        assert finders.find(name)
    assert '<link rel="icon"' in page


def test_favicon_ico_redirects_to_the_icon_for_anyone(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url == static("img/favicon-32.png")
