import io
import re
import unicodedata
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from PIL import ImageOps

from cityhall.forms import IdsChoiceField, PlainSelect, VisibleTextField
from cityhall.uploads import open_image
from members import domains, handles, selectors, services
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


class AllWorkFields(ModelChoiceIterator):
    """Every field of work, read by a statement compiled once (members.selectors.work_fields):
    the lists of the directory's filter and the profile form offer them all."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for work_field in selectors.work_fields():
            yield self.choice(work_field)


class WorkFieldChoiceField(forms.ModelChoiceField):
    iterator = AllWorkFields
    widget = PlainSelect

    def __init__(self, **kwargs):
        super().__init__(queryset=WorkField.objects.all(), **kwargs)


class WorkFieldsChoiceField(IdsChoiceField):
    iterator = AllWorkFields

    def __init__(self, **kwargs):
        super().__init__(queryset=WorkField.objects.all(), **kwargs)


class OrganizationSelect(forms.Select):
    """A native <select> of ~1,800 organizations, written directly: rendering each option
    through the widget templates takes about a second per form."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = "" if value is None else str(value)
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        parts = [format_html("<select{}>", flatatt(attrs))]
        choices = self.choices
        if attrs.get("disabled"):
            # Only the chosen organization can be sent; the other ~1,800 would be dead weight.
            choices = [(option, label) for _group, options in self._flat(choices)
                       for option, label in options if str(option) == selected]  # fmt: skip
        for group, options in choices:
            if isinstance(options, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', group))
                parts.extend(self._option(option, label, selected) for option, label in options)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(group, options, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))

    @staticmethod
    def _flat(choices):
        for group, options in choices:
            yield (group, options if isinstance(options, (list, tuple)) else [(group, options)])

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


def kana_to_hiragana(text: str) -> str:
    """よみがな in hiragana: full-width katakana and half-width ｶﾀｶﾅ are converted."""
    text = unicodedata.normalize("NFKC", text).strip()
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def clean_kana(value: str) -> str:
    kana = re.sub(r"\s+", " ", kana_to_hiragana(value))
    if not _KANA.fullmatch(kana):
        raise ValidationError(_("よみがなは、ひらがな(またはカタカナ)で入力してください。"))
    return kana


_KANA = re.compile(r"[ぁ-ゖー・ 　]+")


def limit_organizations(field, candidates) -> None:
    """Offer only the organizations an ambiguous email domain can mean."""
    if candidates is not None and len(candidates) > 1:
        field.queryset = field.queryset.filter(pk__in=[org.pk for org in candidates])
        field.help_text = _("このメールアドレスの団体は次のどれかです。選んでください。")


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to email and password."""

    display_name = VisibleTextField(label=_("氏名"), max_length=50, help_text=_("例: 山田 花子"))
    display_name_kana = forms.CharField(
        label=_("よみがな"), max_length=100, help_text=_("例: やまだ はなこ")
    )
    organization = OrganizationChoiceField(
        label=_("所属団体"),
        required=False,
        help_text=_(
            "メールアドレスから団体が分からない場合だけ選んでください。管理者が確認します。"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # site.js shows the chooser only once this says the address needs it.
        self.fields["organization"].widget.attrs["data-organization-lookup"] = reverse(
            "members:signup_organizations"
        )
        email = self.data.get("email", "").strip().lower()
        if "@" in email:
            candidates = domains.organization_candidates(email.rpartition("@")[2])
            limit_organizations(self.fields["organization"], candidates)

    def clean_display_name_kana(self):
        return clean_kana(self.cleaned_data["display_name_kana"])

    def signup(self, request, user):
        services.member_signup_complete(
            member=user,
            display_name=self.cleaned_data["display_name"],
            display_name_kana=self.cleaned_data["display_name_kana"],
            chosen_organization=self.cleaned_data.get("organization"),
        )

    def clean(self):
        cleaned = super().clean()
        needed, candidates = domains.organization_choice(self.data.get("email", ""))
        if not needed or cleaned.get("organization"):
            return cleaned
        if candidates is None:
            self.add_error(
                "organization",
                _("このメールアドレスの団体が名簿にありません。所属団体を選んでください。"),
            )
        else:
            self.add_error(
                "organization",
                _("このメールアドレスだけでは団体が決まりません。所属団体を選んでください。"),
            )
        return cleaned


class ProfileForm(forms.ModelForm):
    handle = forms.CharField(
        label=_("ハンドル名"),
        max_length=handles.HANDLE_MAX + 1,
        help_text=_(
            "@で呼びかけるときの名前です。半角の英小文字・数字と「_」「.」「-」で3〜40文字。"
            "変えても、以前の名前あての@は新しい名前に届き、以前の名前をほかの会員が使うことはできません。"
        ),
    )
    organization = OrganizationChoiceField(label=_("所属団体"))
    current_since = forms.DateField(
        label=_("現在の所属になった日"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("所属の履歴の「現在」の開始日です。"),
    )
    record_as_transfer = forms.BooleanField(
        label=_("部署の変更を異動として記録する(以前の部署を履歴に残す)"),
        required=False,
        initial=True,
        help_text=_("書き間違いの訂正なら外してください。"),
    )
    work_fields = WorkFieldsChoiceField(
        label=_("担当分野"),
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
            "team", "work_fields", "bio",
        ]  # fmt: skip
        field_classes = {"display_name": VisibleTextField}
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"bio": _("Markdown が使えます(HTML は使えません)。")}
        error_messages = {
            "display_name": {"required": _("氏名を入力してください。")},
            "display_name_kana": {"required": _("よみがなを入力してください。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["display_name_kana"].required = True
        self.initial["private_fields"] = self.instance.private_fields
        self.initial["handle"] = self.instance.handle
        current = next((p for p in self.instance.postings.all() if p.ended_on is None), None)
        self.initial["current_since"] = current.started_on if current else None
        self._lock_organization()

    def _lock_organization(self):
        field = self.fields["organization"]
        candidates = domains.organization_candidates(self.instance.email_domain)
        if candidates is not None and len(candidates) == 1:
            field.disabled = True
            # Only the member's own organization can be shown or sent: not ~1,800 rows read.
            (only,) = candidates
            field.queryset = field.queryset.filter(pk__in={self.instance.organization_id,
                                                           only.pk} - {None})  # fmt: skip
            if self.instance.organization_id in (None, only.pk):  # shown without a query
                field.choices = [("", field.empty_label), (only.pk, only.name)]
            field.help_text = _(
                "メールアドレスのドメインから決まります。異動したときはメールアドレスを変更してください。"
            )
        else:
            limit_organizations(field, candidates)

    def clean_display_name_kana(self):
        return clean_kana(self.cleaned_data["display_name_kana"])

    def clean_handle(self):
        # Whether it is taken is the service's answer, behind the "handle" rate limit: a taken
        # former handle made from an email address would confirm a guessed address.
        handle = handles.normalize(self.cleaned_data["handle"])
        if handle != self.instance.handle:
            handles.validate(handle, email=self.instance.email)
        return handle

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload or upload == self.initial.get("avatar"):
            return None
        if upload.size > settings.AVATAR_MAX_BYTES:
            raise ValidationError(_("画像は2MB以下にしてください。"))
        return avatar_thumbnail(upload)

    def save(self, commit=True):
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "work_fields"}
        return services.profile_update(
            member=self.instance,
            data=data,
            work_fields=self.cleaned_data["work_fields"],
            private_fields=self.cleaned_data["private_fields"],
            avatar=self.cleaned_data.get("avatar"),
            clear_avatar=self.cleaned_data.get("clear_avatar", False),
            record_as_transfer=self.cleaned_data["record_as_transfer"],
            current_since=self.cleaned_data.get("current_since"),
            handle=self.cleaned_data["handle"],
        )


AVATAR_SIZE = (512, 512)


def avatar_thumbnail(upload) -> ContentFile:
    """The uploaded image as a PNG of at most 512×512, turned upright, without its metadata
    (EXIF may carry where a photo was taken). Its size is checked from the header first; a JPEG
    is decoded at a reduced scale, other formats are reduced right after decoding."""
    upload.seek(0)
    with open_image(upload, max_pixels=settings.AVATAR_MAX_PIXELS, draft_size=AVATAR_SIZE) as image:
        try:
            if image.mode in ("1", "P", "PA"):  # else resized by nearest neighbour
                image = image.convert("RGBA")
            image.thumbnail(AVATAR_SIZE)
            image = ImageOps.exif_transpose(image).convert("RGBA")
        except (OSError, ValueError) as error:
            raise ValidationError(_("画像として読み込めませんでした。")) from error
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name="avatar.png")


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


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("名前・部署・自己紹介"), required=False, max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("例: 債権回収、税務課、山田")}),
    )  # fmt: skip
    organization = forms.ModelChoiceField(
        label=_("団体"),
        required=False,
        queryset=Organization.objects.all(),
        widget=forms.HiddenInput,
    )
    work_field = WorkFieldChoiceField(
        label=_("担当分野"), required=False, empty_label=_("すべての分野"),
    )  # fmt: skip
    former = forms.BooleanField(label=_("以前に担当していた人も探す"), required=False, initial=True)


class SiteSuspensionForm(forms.Form):
    DAYS = {"1": 1, "3": 3, "7": 7, "30": 30, "90": 90, "365": 365}
    days = forms.ChoiceField(
        label=_("期間"),
        choices=[
            ("1", _("1日")),
            ("3", _("3日")),
            ("7", _("1週間")),
            ("30", _("30日")),
            ("90", _("90日")),
            ("365", _("1年")),
            ("", _("解除するまで")),
        ],
        required=False,
        initial="7",
    )
    reason = forms.CharField(
        label=_("理由(本人にメールで伝わります)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def until(self):
        days = self.cleaned_data["days"]
        return timezone.now() + timedelta(days=self.DAYS[days]) if days else None
