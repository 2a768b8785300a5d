"""The site's ``date`` filter (cityhall/templatetags/dates.py) writes what Django's writes, for
every kind of value, format and language; only faster for datetimes."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from django.template import Context, Template, engines
from django.template.defaultfilters import date as django_date
from django.utils import translation

from cityhall.templatetags.dates import date as site_date

FORMATS = [
    None, "c", "DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT",
    "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT", "D", "Y-m-d", r"\Y\e\s Y年", "jS F Y H:i:s.u",
    "N j, Y, P", "U", "r", "e O T Z I", "l \\\\ w W t L o y n", "a A b B f g G h", "E",
    "{Y}年{n}月 {0} G:i d/m", "D j",
]  # fmt: skip
JST = timezone(timedelta(hours=9))
VALUES = [
    datetime(2026, 12, 4, 9, 5, 7, 123456, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, tzinfo=JST),
    datetime(2019, 5, 1, 23, 59, 59),  # naive
    date(2026, 12, 4),
    time(9, 5),
    None,
    "",
    "文字",
    0,
]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_same_text_as_djangos_filter(language):
    with translation.override(language):
        for value in VALUES:
            for format_string in FORMATS:
                try:
                    expected = django_date(value, format_string)
                except TypeError:  # a time-related format for a date: an error in both
                    with pytest.raises(TypeError):
                        site_date(value, format_string)
                    continue
                assert site_date(value, format_string) == expected, (value, format_string)


def test_the_site_templates_use_it_in_japan_time():
    builtins = engines["django"].engine.template_builtins
    assert [lib.filters["date"] for lib in builtins if "date" in lib.filters][-1] is site_date
    moment = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    source = "{{ moment|date:'c' }} {{ moment|date:'SHORT_DATETIME_FORMAT' }}"
    with translation.override("ja"):
        shown = engines["django"].from_string(source).render({"moment": moment})
    assert shown == "2026-12-05T00:30:00+09:00 12月5日(土) 00:30"
    assert Template(source).render(Context({"moment": moment})) == shown


def test_a_time_element_is_in_tokyo_time_as_the_template_writes_it():
    from cityhall.templatetags.dates import time_element

    late = datetime(2026, 3, 1, 20, 5, tzinfo=UTC)  # 2026-03-02 05:05 in Tokyo
    template = Template(
        '<time datetime="{{ m|date:\'c\' }}">{{ m|date:"SHORT_DATETIME_FORMAT" }}</time>'
    )
    with translation.override("ja"):
        assert time_element(late, "SHORT_DATETIME_FORMAT") == template.render(Context({"m": late}))
        assert time_element(late, "DATE_FORMAT").endswith('+09:00">2026年3月2日</time>')
