"""The English catalogue is complete and current, and pages follow the visitor's language.

Source strings are Japanese (LANGUAGE_CODE = "ja"), so locale/ja needs no translations; every
string must have an English translation in locale/en. After adding or changing strings run

    .venv/bin/python manage.py makemessages -l ja -l en --ignore=.venv --ignore=.tools \
        --ignore=node_modules --ignore=var --no-obsolete

translate the new entries in locale/en/LC_MESSAGES/django.po and run compilemessages.
"""

import ast
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from members.models import Organization, Posting

ROOT = Path(settings.BASE_DIR)
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
EN_MO = EN_PO.with_suffix(".mo")

# What the project's makemessages command leaves out (its --ignore options), and the file
# types Django's makemessages reads for the "django" domain.
MAKEMESSAGES_IGNORE = [".venv", ".tools", "node_modules", "var"]
SOURCE_SUFFIXES = {".py", ".html", ".txt"}

# gettext tools print their statistics in the C locale's English only if told to.
C_LOCALE = {**os.environ, "LC_ALL": "C", "LANG": "C", "LANGUAGE": ""}


@pytest.fixture(autouse=True)
def _restore_language():
    """LocaleMiddleware activates the request's language on this thread; don't leak it."""
    yield
    translation.deactivate()


# --- a small .po reader -------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def untranslated(self) -> bool:
        return not self.msgstr or any(not text for text in self.msgstr.values())

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def __str__(self) -> str:
        where = f" ({', '.join(self.references)})" if self.references else ""
        return f"{self.msgid!r}{where}"


_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    match = _QUOTED.fullmatch(text.strip())
    assert match, f"not a quoted .po string: {text!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), match[1])


def read_po(path: Path) -> list[Entry]:
    """The live (non-obsolete) entries of a .po file, header first."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None

    def append(keyword: str, index: int | None, text: str) -> None:
        if keyword == "msgstr":
            entry.msgstr[index or 0] = entry.msgstr.get(index or 0, "") + text
        else:
            setattr(entry, keyword, (getattr(entry, keyword) or "") + text)

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, target = None, None
            continue
        if line.startswith("#~"):  # obsolete
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target, f"continuation line without a keyword in {path}: {raw!r}"
            append(*target, _unquote(line))
        else:
            keyword, _, rest = line.partition(" ")
            index = None
            if plural := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
                keyword, index = "msgstr", int(plural[1])
            assert keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}, raw
            target = (keyword, index)
            if keyword != "msgstr":
                setattr(entry, keyword, "")
            append(keyword, index, _unquote(rest))
    return entries


def problems(entries: list[Entry]) -> list[str]:
    return [
        f"{'fuzzy' if entry.fuzzy else 'untranslated'}: {entry}"
        for entry in entries
        if not entry.is_header and (entry.untranslated or entry.fuzzy)
    ]


_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def placeholders(text: str) -> list[str]:
    return sorted(m[0] for m in _PLACEHOLDER.finditer(text) if m[0] != "%%")


# --- the catalogue ------------------------------------------------------------------------


def test_msgfmt_check_passes_with_nothing_untranslated_or_fuzzy():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(EN_PO)],
        capture_output=True, text=True, env=C_LOCALE, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics


def test_every_english_entry_is_translated_and_keeps_its_placeholders():
    entries = read_po(EN_PO)
    header = entries[0]
    assert header.is_header and not header.fuzzy
    assert "Language: en\n" in header.msgstr[0]
    assert len(entries) > 100

    assert problems(entries) == []
    mismatched = [
        f"{entry}: {placeholders(entry.msgid)} != {placeholders(text)}"
        for entry in entries[1:]
        for text in entry.msgstr.values()
        if entry.msgid_plural is None and placeholders(entry.msgid) != placeholders(text)
    ]
    assert mismatched == []


def test_every_translatable_string_in_the_code_is_in_the_english_catalogue(
    tmp_path, settings, monkeypatch
):
    """Run makemessages on a copy of the source tree against a copy of the catalogue: a string
    the catalogue lacks comes back untranslated (or fuzzy, when msgmerge guesses)."""
    tree = tmp_path / "tree"
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [
            name for name in dirnames
            if name not in MAKEMESSAGES_IGNORE and name != "locale" and not name.startswith(".")
        ]  # fmt: skip
        relative = Path(dirpath).relative_to(ROOT)
        for name in filenames:
            if Path(name).suffix in SOURCE_SUFFIXES and not name.startswith("."):
                (tree / relative).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(dirpath) / name, tree / relative / name)
    po = tree / "locale" / "en" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    shutil.copyfile(EN_PO, po)

    settings.LOCALE_PATHS = [str(tree / "locale")]
    monkeypatch.chdir(tree)
    call_command(
        "makemessages", locale=["en"], ignore_patterns=list(MAKEMESSAGES_IGNORE),
        no_obsolete=True, verbosity=0,
    )  # fmt: skip

    entries = read_po(po)
    assert len(entries) > 100
    missing = problems(entries)
    assert missing == [], (
        "Strings without an English translation; run makemessages, translate them in "
        "locale/en/LC_MESSAGES/django.po and run compilemessages:\n" + "\n".join(missing)
    )


GETTEXT_CALLS = {"gettext", "gettext_lazy", "_", "ngettext", "ngettext_lazy", "pgettext",
                 "pgettext_lazy", "npgettext", "npgettext_lazy"}  # fmt: skip


def _python_sources():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [
            name for name in dirnames
            if name not in MAKEMESSAGES_IGNORE and name != "locale" and not name.startswith(".")
        ]  # fmt: skip
        yield from (Path(dirpath) / name for name in filenames if name.endswith(".py"))


def _called(node) -> str:
    return getattr(node, "id", None) or getattr(node, "attr", "")


def test_no_translatable_string_stands_inside_an_f_string():
    """makemessages (xgettext) does not read inside an f-string: a gettext("...") there never
    reaches the catalogue, and its words stay Japanese on English pages."""
    hidden = [
        f"{path.relative_to(ROOT)}:{inner.lineno}"
        for path in _python_sources()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.JoinedStr)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Call) and _called(inner.func) in GETTEXT_CALLS
    ]
    assert hidden == []


def test_compiled_catalogue_matches_the_po_file(tmp_path):
    assert EN_MO.exists(), "run: .venv/bin/python manage.py compilemessages (scripts/setup does)"
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(EN_PO)], check=True, env=C_LOCALE
    )
    assert fresh.read_bytes() == EN_MO.read_bytes(), (
        "locale/en/LC_MESSAGES/django.mo is out of date: run "
        ".venv/bin/python manage.py compilemessages --ignore=.venv --ignore=.tools "
        "--ignore=node_modules"
    )


# --- pages --------------------------------------------------------------------------------


def test_login_page_follows_accept_language(client, db):
    english = client.get(reverse("account_login"), headers={"accept-language": "en"})
    page = english.content.decode()
    assert english.status_code == 200
    assert '<html lang="en">' in page
    assert "Skip to main content" in page
    assert "Online City Hall is a community open only to staff of" in page
    assert "本文へ移動" not in page

    japanese = client.get(reverse("account_login"), headers={"accept-language": "ja"})
    page = japanese.content.decode()
    assert '<html lang="ja">' in page
    assert "本文へ移動" in page
    assert "オンライン市役所は、自治体・省庁の職員だけが参加できるコミュニティです。" in page
    assert "Skip to main content" not in page


def test_language_switcher_sets_the_cookie(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("account_login")}
    )
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The cookie wins over the browser's Accept-Language.
    page = client.get(reverse("account_login"), headers={"accept-language": "ja"})
    assert "Skip to main content" in page.content.decode()


def test_home_page_in_english_and_japanese(member_client, member):
    page = member_client.get(reverse("home"), headers={"accept-language": "en"}).content.decode()
    assert f"Welcome, {member.display_name}" in page
    assert '/notifications/">Notifications' in page  # navigation label from Python (gettext_lazy)
    assert "Edit profile" in page
    assert "ようこそ" not in page

    page = member_client.get(reverse("home"), headers={"accept-language": "ja"}).content.decode()
    assert f"ようこそ、{member.display_name}さん" in page
    assert '/notifications/">通知' in page
    assert "プロフィールを編集" in page


def test_history_dates_follow_the_language(member_client, member):
    earlier = Organization.objects.create(name="テスト市", kind=Organization.Kind.CITY)
    Posting.objects.create(
        member=member, organization=earlier, started_on=date(2019, 4, 1),
        ended_on=date(2023, 3, 31),
    )  # fmt: skip
    url = reverse("members:detail", args=[member.pk])
    page = member_client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Apr 1, 2019" in page and "Mar 31, 2023" in page
    page = member_client.get(url, headers={"accept-language": "ja"}).content.decode()
    assert "2019年4月1日" in page and "2023年3月31日" in page


def test_form_errors_from_python_are_translated(client, db):
    data = {
        "email": "hanako@gmail.com", "password1": "kobe-zeimu-2026!",
        "password2": "kobe-zeimu-2026!", "display_name": "Hanako", "display_name_kana": "はなこ",
    }  # fmt: skip
    page = client.post(reverse("account_signup"), data, headers={"accept-language": "en"})
    assert "Only local-government or ministry email addresses can register." in (
        page.content.decode()
    )


def test_the_remembered_gettext_follows_the_active_language():
    from cityhall import translating

    with translation.override("ja"):
        assert translating.gettext("通報") == "通報"
    with translation.override("en"):
        assert translating.gettext("通報") == "Flag"
    with translation.override("ja"):
        assert translating.gettext("通報") == "通報"


def test_the_remembered_gettext_forgets_when_the_catalogues_change(settings):
    from cityhall import translating

    with translation.override("en"):
        translating.gettext("通報")
        assert translating._translated.cache_info().currsize > 0
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
        assert translating._translated.cache_info().currsize == 0


def test_a_remembered_choice_label_is_that_of_the_active_language():
    from cityhall.translating import choice_label
    from knowledge.models import KnowledgePage

    with translation.override("ja"):
        assert choice_label(KnowledgePage.Kind, "article") == "業務ノウハウ"
        assert choice_label(KnowledgePage.Kind, "unknown") == "unknown"
    with translation.override("en"):
        assert choice_label(KnowledgePage.Kind, "article") == "How-to article"
