from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.chat import access, policies

MUTE_MINUTES = [
    (10, pgettext_lazy("mute", "10分")),
    (60, pgettext_lazy("mute", "1時間")),
    (60 * 24, pgettext_lazy("mute", "1日")),
    (60 * 24 * 7, pgettext_lazy("mute", "1週間")),
    (60 * 24 * 30, pgettext_lazy("mute", "30日")),
]


class MuteForm(forms.Form):
    member = forms.CharField(
        label=_("発言を止める会員"), max_length=40,
        help_text=_("@で始まるハンドル(例: @kobe-tanaka)。"),
    )  # fmt: skip
    minutes = forms.TypedChoiceField(label=_("期間"), choices=MUTE_MINUTES, coerce=int,
                                     initial=60)  # fmt: skip
    reason = forms.CharField(label=_("理由"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args, room, moderator, moderator_standing, **kwargs):
        super().__init__(*args, **kwargs)
        self.room, self.moderator, self.moderator_standing = room, moderator, moderator_standing

    def clean_member(self):
        handle = self.cleaned_data["member"].strip().lstrip("@＠").lower()
        member, standing = access.member_by_handle(self.room, handle)
        if member is None:
            if self.room.group_id is None:
                missing = _("このルームに入れる会員に @%(handle)s はいません。")
            else:
                missing = _("このグループのメンバーに @%(handle)s はいません。")
            raise forms.ValidationError(missing % {"handle": handle})
        if not policies.may_mute(self.moderator, self.room, self.moderator_standing, member,
                                 standing):  # fmt: skip
            raise forms.ValidationError(_("オーナーとモデレーターの発言は止められません。"))
        return member
