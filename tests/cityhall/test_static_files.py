"""Static files with DEBUG off (cityhall.storage): every module under a hashed name, the
imports between modules too, so that a browser keeps each one forever; compressed copies."""

import json
import re

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "cityhall.storage.StaticFiles"}}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
        yield root, manifest


def test_modules_import_each_other_by_their_hashed_names(collected):
    root, manifest = collected
    chat = (root / manifest["js/chat.js"]).read_text()
    site = (root / manifest["js/site.js"]).read_text()

    assert f'from "./{manifest["js/chat/composer.js"].removeprefix("js/")}"' in chat
    assert f'from "./{manifest["js/mentions.js"].removeprefix("js/")}"' in site
    assert not re.search(r'from "\./[\w/-]+\.js"', chat + site)  # no plain name is left


def test_a_hashed_module_is_cached_forever_and_sent_compressed(collected, settings):
    root, manifest = collected
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "cityhall.storage.StaticFiles"}}  # fmt: skip
    serve = WhiteNoiseMiddleware(lambda request: None)
    url = settings.STATIC_URL + manifest["js/chat/composer.js"]
    response = serve(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip"))

    assert response.status_code == 200
    assert (
        "immutable" in response["Cache-Control"]
        and "max-age=315360000" in response["Cache-Control"]
    )
    assert response["Content-Encoding"] == "gzip"


def test_static_urls_name_the_hashed_copies_every_time(collected, settings):
    from cityhall.storage import StaticFiles

    root, manifest = collected
    storage = StaticFiles(location=root)
    urls = [storage.url("css/site.css") for _ in range(2)]
    assert urls == [settings.STATIC_URL + manifest["css/site.css"]] * 2
    with pytest.raises(ValueError):  # a name the manifest lacks is an error each time
        storage.url("css/missing.css")
    with pytest.raises(ValueError):
        storage.url("css/missing.css")
