"""Is an email address a government address, and which organization does it belong to?

The rules are rows of ``DomainRule`` (admin-editable); this module normalises an address,
applies them, and maps the domain to an ``Organization`` where the directory knows it.
"""

import re
import string
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cityhall.compiled import FixedQuerySet

# JPRS geographic-type labels of the 47 prefectures, keyed by the first two digits of the
# 全国地方公共団体コード.
PREFECTURE_LABELS = {
    "01": "hokkaido", "02": "aomori", "03": "iwate", "04": "miyagi", "05": "akita",
    "06": "yamagata", "07": "fukushima", "08": "ibaraki", "09": "tochigi", "10": "gunma",
    "11": "saitama", "12": "chiba", "13": "tokyo", "14": "kanagawa", "15": "niigata",
    "16": "toyama", "17": "ishikawa", "18": "fukui", "19": "yamanashi", "20": "nagano",
    "21": "gifu", "22": "shizuoka", "23": "aichi", "24": "mie", "25": "shiga", "26": "kyoto",
    "27": "osaka", "28": "hyogo", "29": "nara", "30": "wakayama", "31": "tottori",
    "32": "shimane", "33": "okayama", "34": "hiroshima", "35": "yamaguchi", "36": "tokushima",
    "37": "kagawa", "38": "ehime", "39": "kochi", "40": "fukuoka", "41": "saga",
    "42": "nagasaki", "43": "kumamoto", "44": "oita", "45": "miyazaki", "46": "kagoshima",
    "47": "okinawa",
}  # fmt: skip

# The 20 designated cities (政令指定都市) by 全国地方公共団体コード; each has its own
# geographic-type name, city.<label>.jp.
DESIGNATED_CITY_LABELS = {
    "011002": "sapporo", "041009": "sendai", "111007": "saitama", "121002": "chiba",
    "141003": "yokohama", "141305": "kawasaki", "141500": "sagamihara", "151009": "niigata",
    "221007": "shizuoka", "221309": "hamamatsu", "231002": "nagoya", "261009": "kyoto",
    "271004": "osaka", "271403": "sakai", "281000": "kobe", "331007": "okayama",
    "341002": "hiroshima", "401005": "kitakyushu", "401307": "fukuoka", "431001": "kumamoto",
}  # fmt: skip

# Designated cities whose geographic-type name is city.<label>.jp: the seven with a
# second-level label of their own (the public suffix list's *.kobe.jp etc.) and the ones named
# like their prefecture (city.chiba.jp under chiba.jp). Sakai, Hamamatsu and Sagamihara became
# designated later and got no such label: sakai.jp is a general-use name anyone may hold, so
# city.sakai.jp proves nothing; their names are city.<label>.<prefecture>.jp like other cities.
_OWN_SECOND_LEVEL = {"sapporo", "sendai", "yokohama", "kawasaki", "nagoya", "kobe", "kitakyushu"}
GEOGRAPHIC_DESIGNATED_CITIES = {
    label: PREFECTURE_LABELS[code[:2]]
    for code, label in DESIGNATED_CITY_LABELS.items()
    if label in _OWN_SECOND_LEVEL or label == PREFECTURE_LABELS[code[:2]]
}

KIND_LABELS = {"pref", "metro", "city", "town", "vill", "village"}
_MUNICIPAL_KIND_LABELS = {"city", "town", "vill"}

_LOCAL_CHARS = set(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~.")
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class EmailRejected(ValueError):
    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


@dataclass(frozen=True)
class EmailCheck:
    address: str
    allowed: bool
    code: str = ""
    reason: str = ""
    organization: object = None

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


NOT_GOVERNMENT = _("自治体・省庁のメールアドレスでのみ登録できます。")
DENIED = _("このドメインのメールアドレスは、管理者の設定により登録できません。")


def normalize_email(raw: str) -> str:
    """Return ``local@domain`` in lower-case ASCII, or raise EmailRejected with the reason."""
    address = (raw or "").strip()
    if not address:
        raise EmailRejected("empty", _("メールアドレスを入力してください。"))
    if any(dot in address for dot in "。．｡"):
        raise EmailRejected(
            "ideographic_dot", _("「。」や「．」ではなく半角の「.」を使ってください。")
        )
    if not address.isascii():
        raise EmailRejected(
            "non_ascii", _("全角文字や記号が含まれています。半角英数字で入力してください。")
        )
    address = address.lower()
    if address.count("@") != 1:
        raise EmailRejected("at_sign", _("「@」はちょうど1つだけ含めてください。"))
    local, domain = address.split("@")
    _check_local(local)
    _check_domain(domain)
    return f"{local}@{domain}"


def _check_local(local: str) -> None:
    if '"' in local:
        raise EmailRejected("quoted_local", _('引用符(")を含むアドレスは登録できません。'))
    if not local or not set(local) <= _LOCAL_CHARS:
        raise EmailRejected("bad_local", _("「@」の前に使えない文字が含まれています。"))
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise EmailRejected("bad_local", _("「@」の前のピリオドの位置が正しくありません。"))


def _check_domain(domain: str) -> None:
    if domain.startswith("[") or domain.endswith("]"):
        raise EmailRejected(
            "address_literal", _("IPアドレスを[ ]で囲んだ形式のアドレスは登録できません。")
        )
    if domain.endswith("."):
        raise EmailRejected("trailing_dot", _("ドメインの末尾にピリオドは付けられません。"))
    labels = domain.split(".")
    if not domain or "" in labels:
        raise EmailRejected("empty_label", _("ドメインに空の部分(「..」など)があります。"))
    if any(label.startswith("xn--") for label in labels):
        raise EmailRejected(
            "idn", _("国際化ドメイン名(日本語ドメイン・xn--)のアドレスは登録できません。")
        )
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise EmailRejected("bad_domain", _("ドメインに使えない文字が含まれています。"))


def check_email(raw: str) -> EmailCheck:
    """Normalise ``raw`` and apply the domain rules; never raises for bad input."""
    try:
        address = normalize_email(raw)
    except EmailRejected as rejected:
        return EmailCheck((raw or "").strip(), False, rejected.code, str(rejected.message))
    domain = address.rpartition("@")[2]
    verdict = rule_verdict(domain)
    if verdict == "deny":
        return EmailCheck(address, False, "denied", str(DENIED))
    if verdict != "allow":
        return EmailCheck(address, False, "not_government", str(NOT_GOVERNMENT))
    return EmailCheck(address, True, organization=resolve_organization(domain))


def rule_verdict(domain: str) -> str:
    """'allow', 'deny' or '' (no rule matched). Deny rules win."""
    from members.models import DomainRule

    matched = {
        rule.action
        for rule in DomainRule.objects.filter(is_active=True)
        if rule_matches(rule.match, rule.domain, domain)
    }
    if DomainRule.Action.DENY in matched:
        return "deny"
    return "allow" if DomainRule.Action.ALLOW in matched else ""


def rule_matches(match: str, pattern: str, domain: str) -> bool:
    if match == "exact":
        return domain == pattern
    if match == "suffix":
        return domain.endswith("." + pattern)
    if match == "tree":
        return domain == pattern or domain.endswith("." + pattern)
    if match == "geographic":
        return is_geographic_government(domain)
    return False


def is_geographic_government(domain: str) -> bool:
    """Is ``domain`` a geographic-type local-government name, or a name under one?

    city|town|vill.<label>.<prefecture>.jp counts only when the directory has a municipality of
    that kind and label in that prefecture: city.example.tokyo.jp sits under example.tokyo.jp,
    a prefecture-type name anyone may register."""
    key = geographic_key(domain)
    if key is None:
        return False
    if key[0] in {"pref", "metro", "designated"}:
        return True
    return _municipalities(*key).exists()


def geographic_key(domain: str):
    """For a geographic-type local-government name (or a name under one), return
    (kind label, name label, prefecture label); otherwise None. The kind label is "pref",
    "metro", "designated" (city.<designated city>.jp), "city", "town" or "vill"."""
    labels = domain.split(".")
    if labels[-1] != "jp" or len(labels) < 3:
        return None
    prefectures = set(PREFECTURE_LABELS.values())
    *rest, second, _jp = labels
    if rest[-1] == "pref" and second in prefectures and second != "tokyo":
        return ("pref", second, second)
    if rest[-1] == "metro" and second == "tokyo":
        return ("metro", "tokyo", "tokyo")
    if rest[-1] == "city" and second in GEOGRAPHIC_DESIGNATED_CITIES:
        return ("designated", second, GEOGRAPHIC_DESIGNATED_CITIES[second])
    if len(rest) >= 2 and rest[-2] in _MUNICIPAL_KIND_LABELS and second in prefectures:
        return (rest[-2], rest[-1], second)
    return None


def lg_key(domain: str):
    """For a name under lg.jp, return (kind label, name label, prefecture label or None)."""
    labels = domain.split(".")
    if labels[-2:] != ["lg", "jp"] or len(labels) < 4:
        return None
    rest = labels[:-2]
    prefectures = set(PREFECTURE_LABELS.values())
    if len(rest) >= 3 and rest[-3] in KIND_LABELS and rest[-1] in prefectures:
        return (rest[-3], rest[-2], rest[-1])
    if rest[-2] in KIND_LABELS:
        return (rest[-2], rest[-1], None)
    return None


def resolve_organization(domain: str):
    """The organization an allowed domain belongs to, or None when the directory can't tell."""
    candidates = organization_candidates(domain)
    return candidates[0] if candidates is not None and len(candidates) == 1 else None


def organization_candidates(domain: str) -> list | None:
    """The organizations ``domain`` can belong to: one when the directory knows it, several when
    the name is ambiguous (city.fuchu.lg.jp: 府中市 in 東京都 or in 広島県), None when it has no
    idea (the member may pick any organization)."""
    labels = domain.split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    known = sorted(_KNOWN_DOMAINS(*suffixes, shape=len(suffixes)), key=lambda row: -len(row.domain))
    if known:
        return [known[0].organization]
    key = lg_key(domain) or geographic_key(domain)
    if key is None:
        return None
    kind, name, prefecture = key
    if not _kind_fits(kind, name):
        return None
    found = _MUNICIPALITIES(
        name, label_spelling(name), prefecture or "", shape=(kind, bool(prefecture))
    )
    return found or None


def _known_domains(*suffixes, shape):
    from members.models import OrganizationDomain

    return OrganizationDomain.objects.filter(domain__in=suffixes).select_related("organization")


def _municipalities_named(name, spelling, prefecture, *, shape):
    kind, within = shape
    found = _named(kind, [name, spelling], prefecture if within else None)
    return found.select_related("prefecture")[:10]


_KNOWN_DOMAINS = FixedQuerySet(_known_domains)
_MUNICIPALITIES = FixedQuerySet(_municipalities_named)


def _municipalities(kind: str, name: str, prefecture):
    """Organizations that the name label ``name`` of kind ``kind`` can mean: prefectures for
    pref/metro (metro only for Tokyo, pref never for Tokyo), municipalities otherwise, within
    ``prefecture`` when given."""
    from members.models import Organization

    if not _kind_fits(kind, name):
        return Organization.objects.none()
    return _named(kind, [name, label_spelling(name)], prefecture)


def _kind_fits(kind: str, name: str) -> bool:
    return kind not in {"pref", "metro"} or (kind == "metro") == (name == "tokyo")


def _named(kind: str, spellings: list[str], prefecture):
    from members.models import Organization

    candidates = Organization.objects.filter(kinds_for_label(kind)).filter(_label_query(spellings))
    if kind in {"pref", "metro"}:
        return candidates.filter(prefecture__isnull=True)
    if prefecture:
        candidates = candidates.filter(prefecture__domain_label=prefecture)
    return candidates


def kinds_for_label(kind: str):
    from django.db.models import Q

    from members.models import Organization

    kinds = {
        "pref": [Organization.Kind.PREFECTURE],
        "metro": [Organization.Kind.PREFECTURE],
        "city": [
            Organization.Kind.CITY,
            Organization.Kind.DESIGNATED_CITY,
            Organization.Kind.SPECIAL_WARD,
        ],
        "town": [Organization.Kind.TOWN],
        "designated": [Organization.Kind.DESIGNATED_CITY],
        "vill": [Organization.Kind.VILLAGE],
        "village": [Organization.Kind.VILLAGE],
    }[kind]
    return Q(kind__in=kinds)


def _label_query(spellings: list[str]):
    from django.db.models import Q

    return Q(domain_label__in=spellings) | Q(domain_label_alt__in=spellings)


def label_spelling(name: str) -> str:
    """The directory's spelling of a domain label written in another Hepburn style: n (not m)
    before b/m/p (gotemba → gotenba), no long vowels (ohta, oota → ota)."""
    name = re.sub(r"m(?=[bmp])", "n", name)
    name = re.sub(r"oh(?=[^aeiouy]|$)", "o", name)
    return re.sub(r"oo|ou|uu", lambda m: m.group(0)[0], name)


def registration_summary() -> tuple[list[str], bool]:
    """What the sign-up and login pages tell a visitor: the domains whose addresses may register
    (in the order the rules were added) and whether local governments' geographic-type names
    count too."""
    from members.models import DomainRule

    rules = DomainRule.objects.filter(is_active=True, action=DomainRule.Action.ALLOW)
    suffixes, geographic = [], False
    for match, domain in rules.order_by("pk").values_list("match", "domain"):
        if match == DomainRule.Match.GEOGRAPHIC:
            geographic = True
        elif domain not in suffixes:
            suffixes.append(domain)
    return suffixes, geographic


def organization_choice(raw: str) -> tuple[bool, list | None]:
    """Must someone signing up with ``raw`` pick their organization, and from which? (True,
    None): from all, the directory has no idea; (True, [...]): from these, the name is
    ambiguous; (False, None): no, the address names one (or is refused anyway)."""
    check = check_email(raw)
    if not check.allowed:
        return False, None
    candidates = organization_candidates(check.domain)
    if candidates is None:
        return True, None
    return (True, candidates) if len(candidates) > 1 else (False, None)
