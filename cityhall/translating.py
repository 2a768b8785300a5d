"""``gettext`` and choice labels, remembered per language. Django looks each message up
through every app's catalogue (about 9 µs here), and a topic's fifty posts or a list's thirty
rows ask for the same few words hundreds of times. Named ``gettext`` so that makemessages finds
the strings."""

import functools

from django.core.signals import setting_changed
from django.utils import translation


def gettext(message: str) -> str:
    return _translated(message, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _translated(message: str, language) -> str:
    return translation.gettext(message)  # the active language: ``language``


def ngettext(singular: str, plural: str, number: int) -> str:
    return _translated_plural(singular, plural, number, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _translated_plural(singular: str, plural: str, number: int, language) -> str:
    return translation.ngettext(singular, plural, number)


def choice_label(choices, value) -> str:
    """``value``'s label among ``choices`` (a TextChoices class), as get_FOO_display() gives it
    (which hashes every translated label each time); the value itself when it has none."""
    return _label(choices, value, translation.get_language())


@functools.lru_cache(maxsize=1024)
def _label(choices, value, language) -> str:
    return str(dict(choices.choices).get(value, value))


def _forget(*, setting, **kwargs) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _translated.cache_clear()
        _translated_plural.cache_clear()
        _label.cache_clear()


setting_changed.connect(_forget)
