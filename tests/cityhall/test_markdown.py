from html.parser import HTMLParser

import pytest

from cityhall.markdown import rename_mentions, render


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[クリック](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
        '![x](x" onerror="alert(1))',
    ],
)
def test_xss_payloads_come_out_inert(payload):
    elements = _elements(render(payload).html)
    assert not {tag for tag, _attrs in elements} & {"script", "iframe", "object", "embed"}
    for _tag, attrs in elements:
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").strip().lower().startswith("javascript:")


def _elements(html: str) -> list:
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_quotes_code_tables_links_and_images_survive():
    html = render(
        "> 引用\n\n```\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[資料](https://example.lg.jp) ![図](/attachments/1/a.png)"
    ).html
    for tag in (
        "<blockquote>",
        "<pre><code>",
        "<table>",
        '<a href="https://example.lg.jp"',
        "<img",
    ):
        assert tag in html


def test_mentions_are_found_once_each_and_not_in_code_or_addresses():
    rendered = render("@yamada.taro さん、@sato と @yamada.taro へ。`@nobody` mail@city.kobe.lg.jp")
    assert rendered.mentions == ["yamada.taro", "sato"]
    assert 'href="/members/@sato"' in rendered.html


def test_a_mention_in_capitals_links_the_lower_case_handle():
    rendered = render("@Yamada-Hanako さん")
    assert rendered.mentions == ["yamada-hanako"]
    assert 'href="/members/@yamada-hanako"' in rendered.html
    assert ">@Yamada-Hanako</a>" in rendered.html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("@Hanako.Yamada さん", "@yamada-hanako さん"),
        ("(@hanako.yamada)、@hanako.yamada. と*@hanako.yamada*",
         "(@yamada-hanako)、@yamada-hanako. と*@yamada-hanako*"),
        ("@hanako.yamada-2 さん、@hanako.yamadax さん",
         "@hanako.yamada-2 さん、@hanako.yamadax さん"),
        ("hanako.yamada@city.kobe.lg.jp、x@hanako.yamada、さん@hanako.yamada",
         "hanako.yamada@city.kobe.lg.jp、x@hanako.yamada、さん@hanako.yamada"),
        ("`@hanako.yamada`", "`@yamada-hanako`"),
    ],
)  # fmt: skip
def test_renaming_mentions_changes_exactly_what_the_renderer_links(source, expected):
    renames = {"hanako.yamada": "yamada-hanako"}
    assert rename_mentions(source, renames) == expected
    # The stored HTML, renamed alike, is what the renamed source renders to.
    assert rename_mentions(render(source).html, renames) == render(expected).html
    assert "hanako.yamada" not in render(expected).mentions
