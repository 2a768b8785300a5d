"""@handles: how members mention each other. Suggested from the reading of the name
(やまだ はなこ → yamada-hanako), never from the email address: a handle equal to the address's
local part, next to the organization on the profile, gave the hidden address away."""

import re

from django.core.exceptions import ValidationError
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from members.directory import romanize

HANDLE_MIN, HANDLE_MAX = 3, 40
# Ends in a letter, digit or "_": a mention stops before a trailing "." or "-" ("@sato.").
PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9_.-]*[a-z0-9_])?")
SUFFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
RESERVED = frozenset({
    "admin", "administrator", "all", "anonymous", "channel", "cityhall", "everyone", "here",
    "help", "info", "me", "member", "members", "moderator", "moderators", "no-reply", "noreply",
    "null", "official", "postmaster", "root", "security", "staff", "support", "system",
    "webmaster", "shiyakusho", "unei", "jimukyoku",
})  # fmt: skip


def normalize(handle: str) -> str:
    """What a member typed, as stored: without a leading @ and in lower case."""
    return handle.strip().lstrip("@＠").lower()


def email_local_part(email: str) -> str:
    """The part before @ as a handle would write it (the old handles were exactly this)."""
    local = email.partition("@")[0].lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", local).strip(".-_")


def made_from_email(handle: str, email: str) -> bool:
    """The address's local part, or it with a number (the old rule: local, local-2, …)."""
    local = email_local_part(email)
    return bool(local) and re.fullmatch(rf"{re.escape(local)}(-\d+)?", handle) is not None


def validate(handle: str, *, email: str) -> None:
    """Japanese errors for a handle a member chose; uniqueness is the service's check."""
    if not PATTERN.fullmatch(handle):
        raise ValidationError(
            _(
                "ハンドル名に使えるのは半角の英小文字・数字と「_」「.」「-」です。"
                "先頭は英数字、末尾は「.」「-」以外にしてください。"
            ),
            code="characters",
        )
    if not HANDLE_MIN <= len(handle) <= HANDLE_MAX:
        raise ValidationError(
            _("ハンドル名は%(min)d〜%(max)d文字にしてください。"),
            code="length",
            params={"min": HANDLE_MIN, "max": HANDLE_MAX},
        )
    if handle in RESERVED:
        raise ValidationError(_("このハンドル名は予約されているため使えません。"), code="reserved")
    if made_from_email(handle, email):
        raise ValidationError(
            _("メールアドレスの@より前と同じハンドル名は、アドレスが推測されるため使えません。"),
            code="email",
        )


def suggest(reading: str, taken) -> str:
    """yamada-hanako from the reading やまだ はなこ; with a random ending when that is taken
    (``taken(handle)`` is True) or too short, and member-xxxxxx when there is no reading."""
    parts = [romanize(part) for part in reading.split()]
    base = "-".join(part for part in parts if part)[: HANDLE_MAX - 8].strip("-")
    if len(base) >= HANDLE_MIN and base not in RESERVED and not taken(base):
        return base
    base = base or "member"
    while True:
        candidate = f"{base}-{get_random_string(6, SUFFIX_ALPHABET)}"
        if not taken(candidate):
            return candidate
