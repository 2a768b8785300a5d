"""The organizers' pages: setting up a series (with its questions), and for one occurrence the
registrant list with answers, check-in and attendance, its capacity, moving or cancelling it,
a message to all registrants, and drawing the lottery."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import formset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall import ratelimits
from cityhall.params import int_param
from events import access, forms, selectors, services
from groups.models import Group

QuestionFormSet = formset_factory(forms.QuestionForm, extra=3, max_num=10, validate_max=True)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


SERVICE_FIELDS = {"first_start": "date", "rule": "repeat"}  # the service's names, the form's


def _form_errors(form, error: ValidationError) -> None:
    """The service's refusal shown beside the form's own fields."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        field = SERVICE_FIELDS.get(name, name)
        form.add_error(field if field in form.fields else None, errors)


def _my_groups(member):
    return Group.objects.filter(memberships__member=member, status=Group.Status.ACTIVE).order_by(
        "name"
    )


@require_http_methods(["GET", "POST"])
def series_new(request):
    groups = _my_groups(request.user)
    form = forms.SeriesForm(request.POST or None)
    questions = QuestionFormSet(request.POST or None, prefix="q")
    chosen = None
    if request.method == "POST":
        chosen = groups.filter(slug=request.POST.get("group", "")).first()
        if chosen is None:
            form.add_error(None, _("イベントを開くグループを選んでください。"))
    if request.method == "POST" and chosen and form.is_valid() and questions.is_valid():
        try:
            series = _create(request.user, chosen, form, questions)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("イベントを作成しました。"))
            return redirect("events:occurrence", series.occurrences.first().pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "events/series_form.html", {
        "form": form, "questions": questions, "groups": groups,
        "chosen": chosen or groups.filter(slug=request.GET.get("group", "")).first(),
    }, status=status)  # fmt: skip


def _create(member, group, form, questions):
    ratelimits.hit("event_organize", member)
    asked = [
        {"label": q["label"].strip(), "kind": q["kind"] or "text", "choices": q["choices"],
         "required": q["required"]}
        for q in questions.cleaned_data if q and q.get("label", "").strip()
    ]  # fmt: skip
    with transaction.atomic():
        series = services.series_create(
            author=member, group=group, questions=asked, **form.service_fields()
        )
        series.work_fields.set(form.cleaned_data["work_fields"])
    return series


@require_http_methods(["GET", "POST"])
def series_edit(request, series_id: int):
    found = access.managed_series_for(request.user, series_id)
    form = forms.SeriesForm(request.POST or None, instance=found.series)
    if request.method == "POST" and form.is_valid():
        try:
            _update(request.user, found.series, form)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("シリーズを変更しました。申込のある回はそのままです。"))
            return redirect("events:series_edit", series_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "events/series_edit.html", {
        "form": form, "series": found.series,
        "occurrences": selectors.series_occurrences(found.series),
    }, status=status)  # fmt: skip


def _update(member, series, form):
    ratelimits.hit("event_organize", member)
    with transaction.atomic():
        services.series_update(actor=member, series=series, **form.service_fields())
        series.work_fields.set(form.cleaned_data["work_fields"])


def manage(request, occurrence_id: int):
    found = access.managed_occurrence_for(request.user, occurrence_id)
    return render(request, "events/manage.html", _manage_context(found))


def _manage_context(found, **extra) -> dict:
    occurrence = found.occurrence
    questions = selectors.questions(found.series)
    registrants = list(selectors.registrants(occurrence))
    for registration in registrants:
        registration.answer_list = [registration.answers.get(str(q.pk), "") for q in questions]
    return {
        "access": found,
        "occurrence": occurrence,
        "series": found.series,
        "questions": questions,
        "registrants": registrants,
        "counts": selectors.counts(occurrence),
        "move_form": forms.MoveForm(
            initial={"starts_at": occurrence.starts_at, "ends_at": occurrence.ends_at}
        ),  # fmt: skip
        "message_form": forms.MessageForm(),
        **extra,
    }


@require_POST
def manage_action(request, occurrence_id: int):
    found = access.managed_occurrence_for(request.user, occurrence_id)
    action = request.POST.get("action", "")
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        handler(request, found)
    except ratelimits.RateLimited:
        raise
    except (PermissionDenied, ValidationError) as error:
        if isinstance(error, PermissionDenied):
            messages.error(request, str(error))
        else:
            _errors(request, error)
    return redirect("events:manage", occurrence_id)


def _check_in(request, found):
    pk = int_param(request.POST.get("registration"), default=None, minimum=1)
    registration = found.occurrence.registrations.filter(pk=pk).first()
    if registration is None:
        raise ValidationError(_("その申込は見つかりません。"))
    attended = request.POST.get("attended", "1") == "1"
    services.registration_check_in(actor=request.user, registration=registration,
                                   attended=attended)  # fmt: skip


def _attendance(request, found):
    ids = [int_param(v, default=0, minimum=1) for v in request.POST.getlist("attended")]
    services.attendance_mark(actor=request.user, occurrence=found.occurrence,
                             attended_ids=[pk for pk in ids if pk])  # fmt: skip
    messages.success(request, _("出席を記録しました。"))


def _capacity(request, found):
    capacity = int_param(request.POST.get("capacity"), default=None, minimum=1,
                         maximum=forms.MAX_CAPACITY)  # fmt: skip
    if capacity is None:
        raise ValidationError(_("定員は1から%(maximum)sまでの数で入れてください。")
                              % {"maximum": forms.MAX_CAPACITY})  # fmt: skip
    services.occurrence_capacity_set(actor=request.user, occurrence=found.occurrence,
                                     capacity=capacity)  # fmt: skip
    messages.success(request, _("定員を変更しました。"))


def _move(request, found):
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    services.occurrence_move(actor=request.user, occurrence=found.occurrence,
                             **form.cleaned_data)  # fmt: skip
    messages.success(request, _("日時を変更し、申込者にお知らせしました。"))


def _cancel(request, found):
    services.occurrence_cancel(actor=request.user, occurrence=found.occurrence)
    messages.success(request, _("この回を中止し、申込者にお知らせしました。"))


def _message(request, found):
    form = forms.MessageForm(request.POST)
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    sent = services.registrants_message(actor=request.user, occurrence=found.occurrence,
                                        **form.cleaned_data)  # fmt: skip
    messages.success(request, _("%(n)s 人にお知らせを送りました。") % {"n": sent})


def _draw(request, found):
    winners = services.lottery_draw(occurrence=found.occurrence)
    messages.success(request, _("抽選しました(当選 %(n)s 人)。") % {"n": len(winners)})


ACTIONS = {"check_in": _check_in, "attendance": _attendance, "capacity": _capacity,
           "move": _move, "cancel": _cancel, "message": _message, "draw": _draw}  # fmt: skip
