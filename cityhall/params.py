"""Numbers typed into URLs, query strings and socket parameters, read one way everywhere.

``str.isdigit()`` accepts '²' (which ``int()`` refuses) and ``int()`` accepts numbers no
database column holds, so neither is a check on its own."""

import re

from django.utils.translation import gettext as _

BIGINT_MAX = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,20}")


class BadNumber(ValueError):
    """A parameter that must be a whole number was something else (``message`` says what)."""

    def __init__(self, name: str, minimum: int, maximum: int):
        self.message = _("%(name)s は%(minimum)d以上%(maximum)d以下の整数で指定してください。") % {
            "name": name, "minimum": minimum, "maximum": maximum,
        }  # fmt: skip
        super().__init__(self.message)


def int_param(value, *, default=None, minimum: int = 0, maximum: int = BIGINT_MAX):
    """``value`` (a str, or None when the parameter is absent) as an int between ``minimum``
    and ``maximum``; ``default`` when it is absent, empty or anything else."""
    if not isinstance(value, str) or not _WHOLE_NUMBER.fullmatch(value):
        return default
    number = int(value)
    return number if minimum <= number <= maximum else default


def strict_int_param(params, name: str, *, minimum: int = 0, maximum: int = BIGINT_MAX):
    """``params[name]`` (a QueryDict or dict of str) as an int, None when absent or empty;
    raises BadNumber when it is there but is not such a number (for a 400)."""
    value = params.get(name)
    if value in (None, ""):
        return None
    number = int_param(value, minimum=minimum, maximum=maximum)
    if number is None:
        raise BadNumber(name, minimum, maximum)
    return number


# NUL, which PostgreSQL refuses in text, and UTF-16 surrogates, which only come alone (JSON's
# "\ud800") and which no UTF-8 database or page can hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def has_unstorable_text(value) -> bool:
    """Whether ``value`` (a str, or lists and dicts of them, keys included, however deep, as
    JSON gives) holds a character no database column or page can take."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple)):
            pending += item
    return False
