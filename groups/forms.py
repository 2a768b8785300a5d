import uuid
from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.forms import VisibleTextField
from groups.models import Flag, Group, Reaction

BODY_MAX = 20000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; type and size are checked by groups.attachments."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def new_client_id() -> str:
    return uuid.uuid4().hex


class ClientIdField(forms.CharField):
    """A hidden one-time token, new for every form shown: sending the same form twice (a double
    click, a resend after a timeout) is recognised by the service and creates one record."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, required=False, initial=new_client_id,
                         widget=forms.HiddenInput, **kwargs)  # fmt: skip


class GroupProposalForm(forms.Form):
    name = VisibleTextField(label=_("グループ名"), max_length=80)
    description = VisibleTextField(
        label=_("説明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("どんな人のための、どんな話をする場かを書いてください。"),
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("種類"), choices=Group.Kind.choices, initial=Group.Kind.OPEN)
    reason = forms.CharField(
        label=_("提案の理由"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("承認する")), ("0", _("見送る"))], coerce=lambda v: v == "1"
    )
    message = forms.CharField(label=_("メッセージ"), max_length=2000, required=False)


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("ひとこと"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class TopicForm(forms.Form):
    title = VisibleTextField(label=_("タイトル"), max_length=120)
    body = VisibleTextField(
        label=_("本文"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown が使えます。@ハンドル名 で呼びかけられます。"),
    )  # fmt: skip
    tags = forms.CharField(
        label=_("タグ"), max_length=200, required=False,
        help_text=_("空白区切りで5つまで(例: 滞納整理 差押え)"),
    )  # fmt: skip
    is_question = forms.BooleanField(label=_("質問として投稿する(回答を「解決済み」にできます)"),
                                     required=False, initial=True)  # fmt: skip
    files = MultipleFileField(
        label=_("添付ファイル"), required=False,
        help_text=_("PDF、Excel、Word、PowerPoint、CSV、画像。1つ10MBまで、5つまで。"),
    )  # fmt: skip
    client_id = ClientIdField()

    def clean_tags(self):
        return self.cleaned_data["tags"].replace("、", " ").replace(",", " ").split()


class ReplyForm(forms.Form):
    body = VisibleTextField(
        label=_("返信"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown が使えます。@ハンドル名 で呼びかけられます。"),
    )  # fmt: skip
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    files = MultipleFileField(label=_("添付ファイル"), required=False)
    client_id = ClientIdField()


class EditForm(forms.Form):
    title = VisibleTextField(label=_("タイトル"), max_length=120, required=False)
    body = VisibleTextField(
        label=_("本文"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10})
    )
    # The post's version when the form was shown. A form without one (made before versions
    # existed) counts as stale: its sender sees the current text before anything is saved.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_version(self):
        return self.cleaned_data["version"] or 0


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("削除の理由"), max_length=300)


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)


class FlagForm(forms.Form):
    """A report to the moderators; the reason is chosen, none is chosen in advance."""

    reason = forms.ChoiceField(
        label=_("通報の理由"), choices=Flag.Reason.choices, widget=forms.RadioSelect,
        error_messages={"required": _("通報の理由を選んでください。"),
                        "invalid_choice": _("通報の理由を選んでください。")},
    )  # fmt: skip
    note = forms.CharField(label=_("補足(任意)"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


REASON_ERRORS = {"required": _("理由を書いてください。本人に伝わります。"),
                 "max_length": _("理由は500文字までにしてください。")}  # fmt: skip

# How long a member may be stopped from posting in a group: (value, label, days).
SUSPENSION_CHOICES = [
    ("1", _("1日"), 1),
    ("3", _("3日"), 3),
    ("7", _("1週間"), 7),
    ("30", _("30日"), 30),
    ("90", _("90日"), 90),
]


class SuspendForm(forms.Form):
    """Stop a member from posting in the group for a while (they are told until when and why)."""

    days = forms.ChoiceField(
        label=_("停止する期間"),
        choices=[("", _("期間を選ぶ"))] + [(value, label) for value, label, _d in SUSPENSION_CHOICES],
        error_messages={"required": _("停止する期間を選んでください。"),
                        "invalid_choice": _("停止する期間を選んでください。")},
    )  # fmt: skip
    reason = forms.CharField(label=_("理由"), max_length=500, error_messages=REASON_ERRORS)

    def clean_days(self):
        days = {value: days for value, _label, days in SUSPENSION_CHOICES}[
            self.cleaned_data["days"]
        ]
        return timedelta(days=days)


class RemoveForm(forms.Form):
    """Take a member out of the group: asked again, with the reason they will be told."""

    reason = forms.CharField(label=_("外す理由"), max_length=500, error_messages=REASON_ERRORS,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("外された人への通知に書かれます。"))  # fmt: skip


class ModerateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("lock", "unlock", "pin", "unpin", "hide", "restore")]
    )
    reason = forms.CharField(max_length=500, required=False)
