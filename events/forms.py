"""Forms of events, with Japanese errors: registration answers, the series an organizer sets
up, moving an occurrence, a message to registrants."""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityhall.forms import IdsChoiceField, LineField, VisibleTextField
from events.models import Question, Series
from members.models import WorkField

MAX_CAPACITY = 10_000  # a series' and each of its occurrences'


def answers_form(questions: list[Question], data=None) -> forms.Form:
    """A form with one field per question (named by the question's id)."""
    form = forms.Form(data)
    for question in questions:
        name = str(question.pk)
        if question.kind == Question.Kind.CHOICE:
            choices = [("", "---------"), *[(c, c) for c in question.choice_list]]
            field = forms.ChoiceField(
                label=question.label, choices=choices, required=question.required
            )
        else:
            field = forms.CharField(
                label=question.label,
                required=question.required,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        form.fields[name] = field
    return form


class SeriesForm(forms.ModelForm):
    RULES = {"DAILY": "FREQ=DAILY", "WEEKDAYS": "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
             "WEEKLY": "FREQ=WEEKLY", "BIWEEKLY": "FREQ=WEEKLY;INTERVAL=2",
             "MONTHLY": "FREQ=MONTHLY"}  # fmt: skip
    REPEAT = [("", _("繰り返さない")), ("DAILY", _("毎日")), ("WEEKDAYS", _("平日の毎日")),
              ("WEEKLY", _("毎週")), ("BIWEEKLY", _("隔週")), ("MONTHLY", _("毎月"))]  # fmt: skip

    date = forms.DateField(label=_("初回の日付"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("開始時刻"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    repeat = forms.ChoiceField(label=_("繰り返し"), choices=REPEAT, required=False)
    work_fields = IdsChoiceField(
        label=_("分野"), queryset=WorkField.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    capacity = forms.IntegerField(label=_("定員"), min_value=1, max_value=MAX_CAPACITY, initial=100)
    duration_minutes = forms.IntegerField(label=_("所要時間(分)"), min_value=5,
                                          max_value=24 * 60, initial=90)  # fmt: skip
    lottery_hours_before = forms.IntegerField(label=_("抽選の締切(開始の何時間前)"), min_value=1,
                                              max_value=30 * 24, initial=48)  # fmt: skip

    class Meta:
        model = Series
        fields = [
            "title",
            "description",
            "kind",
            "format",
            "work_fields",
            "venue",
            "meeting_url",
            "capacity",
            "mode",
            "lottery_hours_before",
            "duration_minutes",
            "repeat_until",
        ]
        field_classes = {"title": LineField}
        widgets = {
            "repeat_until": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("date"), cleaned.get("start_time")
        if day and at:
            start = timezone.make_aware(datetime.combine(day, at))
            cleaned["first_start"] = start
            until = cleaned.get("repeat_until")
            if until and until < day:
                self.add_error("repeat_until", _("繰り返しの終了日は初回より後にしてください。"))
        cleaned["rule"] = self.rule(cleaned.get("repeat", ""), day)
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        series = self.instance
        if series.pk:
            start = timezone.localtime(series.first_start)
            self.initial.update(date=start.date(), start_time=start.time())
            known = {rule: key for key, rule in self.RULES.items()}
            if series.rule and series.rule not in known:
                self.fields["repeat"].choices = [("KEEP", series.rule), *self.REPEAT]
            self.initial["repeat"] = known.get(series.rule, "KEEP" if series.rule else "")

    def rule(self, repeat: str, day) -> str:
        if repeat == "KEEP":
            return self.instance.rule
        return self.RULES.get(repeat, "") if day is not None else ""

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "work_fields"}
        data.update(first_start=self.cleaned_data["first_start"], rule=self.cleaned_data["rule"])
        return data


class QuestionForm(forms.Form):
    label = forms.CharField(label=_("質問"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("形式"), choices=Question.Kind.choices, required=False)
    choices = forms.CharField(
        label=_("選択肢(1行に1つ)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=_("必須"), required=False)

    def clean(self):
        cleaned = super().clean()
        chosen = [line for line in cleaned.get("choices", "").splitlines() if line.strip()]
        if cleaned.get("label") and cleaned.get("kind") == Question.Kind.CHOICE and not chosen:
            self.add_error("choices", _("選択式の質問には選択肢を1行に1つ入れてください。"))
        return cleaned


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("開始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("終了"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("終了は開始より後にしてください。"))
        return cleaned


class MessageForm(forms.Form):
    subject = LineField(label=_("件名"), max_length=100)
    body = VisibleTextField(label=_("本文"), max_length=5000, widget=forms.Textarea)
