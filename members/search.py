"""The text the member directory and the @mention lookup search in, kept on each member
(User.search_name, User.search_profile) and normalised by cityhall.text, with the normalised
forms and readings of search.text (申込み → 申し込み, もうしこみ), and the keys a query is looked
for by. Plain functions of the values, so that the migrations that fill the columns compute them
the same way."""

import re

from cityhall import text
from search.text import MAX_QUERY_CHARS, MAX_TERMS, directory_forms

# The member's own fields the two columns are made from (saving only others leaves them be);
# saving one of the columns themselves refreshes them (after the work fields changed).
SOURCE_FIELDS = frozenset({
    "search_name", "search_profile",
    "display_name", "display_name_kana", "handle", "organization", "organization_id",
    "department", "section", "team", "bio", "hide_department", "hide_work_fields", "hide_bio",
})  # fmt: skip


def name_text(member, organization) -> str:
    """Name, reading (kana, romaji with and without long vowels: satou and sato), handle and
    organization (name, reading, the romaji label of its mail domain)."""
    spelled = text.romaji(member.display_name_kana)
    parts = [
        member.display_name,
        member.display_name_kana,
        spelled,
        re.sub(r"oo|ou|uu", lambda m: m.group(0)[0], spelled),
        member.handle or "",
    ]
    if organization is not None:
        parts += [organization.name, organization.kana, organization.domain_label]
    names = [member.display_name, organization.name if organization is not None else ""]
    return text.joined(*parts, *(directory_forms(name).normalised for name in names))


def profile_text(member, work_field_names) -> str:
    """Department, work fields and bio, each only while the member shows it to others."""
    parts = []
    if not member.hide_department:
        parts += [member.department, member.section, member.team]
    parts += list(work_field_names)
    if not member.hide_bio:
        parts.append(member.bio)
    forms = [directory_forms(part) for part in parts]
    return text.joined(*parts, *(f.normalised for f in forms), *(f.reading for f in forms))


def query_words(q: str) -> list[tuple[str, list[str]]]:
    """Each word of a query with the keys it is looked for by in the columns: its plain form
    and the normalised forms of its words (申込 → 申し込み, サーバ → さーばー). A word in kana is
    its own reading, so 「もうしこみ」 meets the stored reading of 申し込み; a word in kanji is
    not looked for by its reading (市長 is not 支庁)."""
    found = []
    for word in q[:MAX_QUERY_CHARS].split()[:MAX_TERMS]:
        keys = [text.normalize(word), directory_forms(word).normalised]
        if any(keys):
            found.append((word, list(dict.fromkeys(filter(None, keys)))))
    return found
