"""Dates and times read one way everywhere: 「2026年12月2日(水) 10:00」 on the Japanese site,
"Dec 2, 2026, 10:00" on the English one, through the named formats of cityhall/formats/."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from groups import services
from groups.models import Post, Topic
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

ROOT = Path(settings.BASE_DIR)
PRODUCT_DIRS = ["cityhall", "members", "groups", "search", "templates"]

# A date format written out in a template or in Python: 「Y年n月j日」, 「n月j日 H:i」,
# _("Y年n月j日") (a translated literal), strftime("%Y年%m月").
HARD_CODED = re.compile(r"(?:[YynjmdN]|%[Yymd-]+)\s*[年月日]|\|date:\s*_\(")

# 2026-12-02 10:00 in Tokyo, a Wednesday.
WHEN = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    translation.deactivate()


def product_files():
    for top in PRODUCT_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in {".html", ".txt", ".py"}:
                continue
            if "formats" in path.relative_to(ROOT).parts or "migrations" in path.parts:
                continue
            yield path


def test_no_template_or_module_hard_codes_a_japanese_date_format():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in product_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HARD_CODED.search(line)
    ]
    assert found == [], 'use |date:"DATETIME_FORMAT" (or DATE_FORMAT, SHORT_DATETIME_FORMAT)'


def test_the_check_finds_a_hard_coded_format():
    assert HARD_CODED.search('{{ p.created_at|date:"Y年n月j日 H:i" }}')
    assert HARD_CODED.search('{{ t.last_posted_at|date:"n月j日 H:i" }}')
    assert HARD_CODED.search('{{ d|date:_("M j, Y") }}')
    assert not HARD_CODED.search('{{ p.created_at|date:"DATETIME_FORMAT" }}')
    assert not HARD_CODED.search("予算編成を担当して3年目です。")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ja",
            {
                "DATETIME_FORMAT": "2026年12月2日(水) 10:00",
                "DATE_FORMAT": "2026年12月2日",
                "SHORT_DATETIME_FORMAT": "12月2日(水) 10:00",
            },
        ),
        (
            "en",
            {
                "DATETIME_FORMAT": "Wed, Dec 2, 2026, 10:00",
                "DATE_FORMAT": "Dec 2, 2026",
                "SHORT_DATETIME_FORMAT": "Wed, Dec 2, 10:00",
            },
        ),
    ],
)
def test_named_formats(language, expected):
    with translation.override(language):
        local = timezone.localtime(WHEN)
        for name, text in expected.items():
            assert formats.date_format(local, name) == text
        assert formats.date_format(date(2026, 12, 2), "DATE_FORMAT") == expected["DATE_FORMAT"]


def test_topic_and_group_pages_show_dates_in_the_visitors_language(db):
    owner = MemberFactory()
    group = make_group(owner)
    topic = services.topic_create(author=owner, group=group, title="滞納の相談", body="本文")
    Post.objects.filter(topic=topic).update(created_at=WHEN)
    Topic.objects.filter(pk=topic.pk).update(last_posted_at=WHEN)
    client = client_for(owner)
    topic_url = reverse("groups:topic", args=[group.slug, topic.pk])
    group_url = reverse("groups:detail", args=[group.slug])

    page = client.get(topic_url, headers={"accept-language": "ja"}).content.decode()
    assert "2026年12月2日(水) 10:00" in page
    page = client.get(group_url, headers={"accept-language": "ja"}).content.decode()
    assert "12月2日(水) 10:00" in page

    page = client.get(topic_url, headers={"accept-language": "en"}).content.decode()
    assert "Dec 2, 2026, 10:00" in page
    assert "2026年" not in page
    page = client.get(group_url, headers={"accept-language": "en"}).content.decode()
    assert "Dec 2, 10:00" in page
    assert "12月2日" not in page
