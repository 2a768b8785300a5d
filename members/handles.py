"""@handles: how members mention each other. Made from the email's local part at sign-up."""

import re

HANDLE_MAX = 40


def handle_base(email: str) -> str:
    local = email.partition("@")[0].lower()
    base = re.sub(r"[^a-z0-9_.-]+", "-", local).strip(".-_") or "member"
    return base[: HANDLE_MAX - 4]


def unique_handle(email: str, taken) -> str:
    """The first of base, base-2, base-3 … for which ``taken(handle)`` is False."""
    base = handle_base(email)
    candidate, number = base, 1
    while taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
