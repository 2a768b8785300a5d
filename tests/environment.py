"""A pytest plugin, loaded by ``-p`` in pyproject.toml before pytest-django reads the settings:
the suite runs with the development shape of the settings (``DEBUG`` is off unless set, and off
means HTTPS redirects and manifest static files, which need a proxy and collectstatic). Tests of
the production shape start ``manage.py`` or daphne with ``DEBUG=false`` themselves. Django still
runs each test with ``settings.DEBUG = False``."""

import os

os.environ.setdefault("DEBUG", "true")
