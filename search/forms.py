from datetime import date

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from cityhall.params import BIGINT_MAX
from search import registry, text
from search.services import Filters

PER_PAGE = 20
MAX_PER_PAGE = 50
MAX_PAGE = 500
# Dates the index can hold, with room for a day's time zone either way.
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
SORTS = [("relevance", _("関連度")), ("date", _("新しい順"))]


def _formatted(message, **params) -> str:
    """``message % params`` when shown, in the language of that request (formatting a lazy
    message at import time would fix it in the default language)."""
    return str(message) % params


_lazy_formatted = lazy(_formatted, str)


def _id_field(name):
    message = _lazy_formatted(_("%(name)sの指定が正しくありません。"), name=name)
    return forms.IntegerField(
        required=False, min_value=1, max_value=BIGINT_MAX, widget=forms.HiddenInput,
        error_messages={key: message for key in ("invalid", "min_value", "max_value")},
    )  # fmt: skip


def _date_field(label):
    return forms.DateField(
        label=label, required=False, input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日付は 2026-04-01 のように年-月-日で入力してください。")},
    )  # fmt: skip


def _number_field(name, maximum):
    message = _lazy_formatted(
        _("%(name)sは1から%(maximum)dまでの数で指定してください。"), name=name, maximum=maximum
    )
    return forms.IntegerField(
        required=False, min_value=1, max_value=maximum, widget=forms.HiddenInput,
        error_messages={key: message for key in ("invalid", "min_value", "max_value")},
    )  # fmt: skip


class Checkbox(forms.CheckboxInput):
    """Django's checkbox, reading 0, off and no (typed into an address) as unchecked too."""

    def value_from_datadict(self, data, files, name):
        if str(data.get(name, "")).strip().lower() in {"0", "off", "no"}:
            return False
        return super().value_from_datadict(data, files, name)


class SearchForm(forms.Form):
    """What /search/ reads from its query string. Every value is only a value: it reaches the
    backend as a typed parameter, never as query syntax."""

    q = forms.CharField(
        label=_("検索語"), required=False, max_length=text.MAX_QUERY_CHARS,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={"max_length": _("検索語は%(limit_value)d文字以内にしてください。")},
    )  # fmt: skip
    kind = forms.MultipleChoiceField(
        label=_("種類"), required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("種類「%(value)s」はありません。")},
    )  # fmt: skip
    group = _id_field(_("グループ"))
    organization = _id_field(_("組織"))
    since = _date_field(_("この日から"))
    until = _date_field(_("この日まで"))
    solved = forms.BooleanField(label=_("解決済みのみ"), required=False, widget=Checkbox)
    sort = forms.ChoiceField(
        label=_("並び順"), choices=SORTS, required=False,
        error_messages={
            "invalid_choice": _("並び順は「関連度」か「新しい順」から選んでください。")
        },
    )  # fmt: skip
    page = _number_field(_("ページ"), MAX_PAGE)
    per_page = _number_field(_("1ページの件数"), MAX_PER_PAGE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(p.kind, p.label) for p in registry.providers()]

    def _in_range(self, name):
        day = self.cleaned_data.get(name)
        if day and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                _("日付は%(earliest)sから%(latest)sまでで指定してください。"),
                params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            )
        return day

    def clean_since(self):
        return self._in_range("since")

    def clean_until(self):
        return self._in_range("until")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("終了日は開始日と同じ日か、それより後にしてください。"))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return Filters(
            q=data.get("q", ""), kinds=tuple(data.get("kind") or ()),
            group_id=data.get("group"), organization_id=data.get("organization"),
            since=data.get("since"), until=data.get("until"), solved=bool(data.get("solved")),
            sort=data.get("sort") or "relevance", page=data.get("page") or 1,
            per_page=data.get("per_page") or PER_PAGE,
        )  # fmt: skip
