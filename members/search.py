"""The text the member directory and the @mention lookup search in, kept on each member
(User.search_name, User.search_profile) and normalised by cityhall.text. Plain functions of
the values, so that the migration that fills the columns computes them the same way."""

import re

from cityhall import text

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
    return text.joined(*dict.fromkeys(parts))


def profile_text(member, work_field_names) -> str:
    """Department, work fields and bio, each only while the member shows it to others."""
    parts = []
    if not member.hide_department:
        parts += [member.department, member.section, member.team]
    parts += list(work_field_names)
    if not member.hide_bio:
        parts.append(member.bio)
    return text.joined(*parts)
