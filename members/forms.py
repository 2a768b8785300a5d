from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from members import selectors, services
from members.models import Organization, Posting, User, WorkField


class GroupedOrganizationIterator(ModelChoiceIterator):
    """Organizations grouped by prefecture (national bodies first), for a native <select>.
    Reads plain values: building ~1,800 model instances per form would dominate the page."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        national = str(Organization.Kind.NATIONAL.label)
        rows = self.queryset.values_list("pk", "name", "kind", "prefecture__name")
        for pk, name, kind, prefecture in rows:
            key = national if kind == Organization.Kind.NATIONAL else (prefecture or name)
            groups.setdefault(key, []).append((pk, name))
        if national in groups:
            yield (national, groups.pop(national))
        yield from groups.items()


class OrganizationSelect(forms.Select):
    """A native <select> of ~1,800 organizations, written directly: rendering each option
    through the widget templates takes about a second per form."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = "" if value is None else str(value)
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        parts = [format_html("<select{}>", flatatt(attrs))]
        for group, options in self.choices:
            if isinstance(options, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', group))
                parts.extend(self._option(option, label, selected) for option, label in options)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(group, options, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))

    @staticmethod
    def _option(value, label, selected) -> str:
        value = str(value)
        chosen = " selected" if value == selected else ""
        return f'<option value="{escape(value)}"{chosen}>{escape(label)}</option>'


class OrganizationChoiceField(forms.ModelChoiceField):
    iterator = GroupedOrganizationIterator
    widget = OrganizationSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", _("選択してください"))
        super().__init__(queryset=selectors.organization_choices(), **kwargs)

    def label_from_instance(self, obj):
        return obj.name


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to email and password."""

    display_name = forms.CharField(label=_("氏名"), max_length=50, help_text=_("例: 山田 花子"))
    display_name_kana = forms.CharField(
        label=_("よみがな"), max_length=100, help_text=_("例: やまだ はなこ")
    )
    organization = OrganizationChoiceField(
        label=_("所属団体"),
        required=False,
        help_text=_("メールアドレスから団体が分からない場合に選んでください。管理者が確認します。"),
    )

    def signup(self, request, user):
        services.member_signup_complete(
            member=user,
            display_name=self.cleaned_data["display_name"],
            display_name_kana=self.cleaned_data["display_name_kana"],
            chosen_organization=self.cleaned_data.get("organization"),
        )

    def clean(self):
        from members import domains

        cleaned = super().clean()
        email = self.data.get("email", "")
        check = domains.check_email(email)
        if check.allowed and check.organization is None and not cleaned.get("organization"):
            self.add_error(
                "organization",
                _("このメールアドレスの団体が名簿にありません。所属団体を選んでください。"),
            )
        return cleaned


class ProfileForm(forms.ModelForm):
    organization = OrganizationChoiceField(label=_("所属団体"))
    work_fields = forms.ModelMultipleChoiceField(
        label=_("担当分野"),
        queryset=WorkField.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    private_fields = forms.MultipleChoiceField(
        label=_("他の会員に見せない項目"),
        choices=User.PRIVATE_FIELD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    avatar = forms.ImageField(label=_("アイコン画像"), required=False)
    clear_avatar = forms.BooleanField(label=_("アイコン画像を削除する"), required=False)

    class Meta:
        model = User
        fields = [
            "display_name", "display_name_kana", "organization", "department", "section",
            "team", "work_fields", "bio", "private_fields",
        ]  # fmt: skip
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
        error_messages = {
            "display_name": {"required": _("氏名を入力してください。")},
            "display_name_kana": {"required": _("よみがなを入力してください。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["display_name_kana"].required = True

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload or upload == self.initial.get("avatar"):
            return None
        if upload.size > settings.AVATAR_MAX_BYTES:
            raise ValidationError(_("画像は2MB以下にしてください。"))
        try:
            with Image.open(upload) as image:
                image.verify()
                if image.format not in {"PNG", "JPEG", "GIF", "WEBP"}:
                    raise ValidationError(_("PNG、JPEG、GIF、WebP の画像を選んでください。"))
        except (UnidentifiedImageError, OSError) as error:
            raise ValidationError(_("画像として読み込めませんでした。")) from error
        upload.seek(0)
        return upload

    def save(self, commit=True):
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "work_fields"}
        return services.profile_update(
            member=self.instance,
            data=data,
            work_fields=self.cleaned_data["work_fields"],
            avatar=self.cleaned_data.get("avatar"),
            clear_avatar=self.cleaned_data.get("clear_avatar", False),
        )


class PostingForm(forms.ModelForm):
    organization = OrganizationChoiceField(label=_("団体"))

    class Meta:
        model = Posting
        fields = ["organization", "department", "section", "team", "started_on", "ended_on"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "ended_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].required = True

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("終了日は開始日より後にしてください。"))
        return cleaned
