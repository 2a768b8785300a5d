from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall import markdown, ratelimits
from cityhall.links import link_maker
from cityhall.middleware import wants_json
from cityhall.params import int_param
from groups import drafts, forms, policies, rendering, selectors, services
from groups import moderation as moderation_pages
from groups import unread as group_unread
from groups.access import (
    attachment_for,
    group_for,
    post_for,
    readable_group_for,
    tag_list,
    topic_for,
)
from groups.attachments import PREVIEW_TYPE, served_name
from groups.models import (
    Group,
    JoinRequest,
    Membership,
    WatchLevel,
)
from members import selectors as member_selectors
from members import views as member_views


def _errors(request, error: ValidationError) -> None:
    if isinstance(error, ratelimits.RateLimited):
        raise error  # a 429 page (ratelimits.RateLimitedMiddleware)
    for message in error.messages:
        messages.error(request, message)


# --- directory, proposals, membership -----------------------------------------------------


def directory(request):
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors.group_directory(request.user, q), 30).get_page(
        int_param(request.GET.get("page"), default=1, minimum=1)
    )
    unread = selectors.unread_by_group(request.user)
    chat = group_unread.by_group(request.user).get("chat", {})
    rows = [(group, unread.get(group.pk, (0, 0)), chat.get(group.pk, 0)) for group in page]
    return render(request, "groups/directory.html", {"page": page, "rows": rows, "q": q})


@require_http_methods(["GET", "POST"])
def propose(request):
    form = forms.GroupProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_propose(proposer=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("グループを提案しました。サイトのモデレーターが確認します。")
            )
            return redirect("groups:detail", group.slug)
    return render(request, "groups/propose.html", {"form": form},
                  status=ratelimits.form_status(request, form, 200))  # fmt: skip


def proposals(request):
    if not policies.can_review_proposals(request.user):
        raise Http404
    return render(request, "groups/proposals.html", {"groups": selectors.proposals()})


@require_POST
def decide(request, slug: str):
    access = group_for(request.user, slug)
    form = forms.DecisionForm(request.POST)
    if not policies.can_review_proposals(request.user) or not form.is_valid():
        raise PermissionDenied
    try:
        services.group_decide(reviewer=request.user, group=access.group, **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
    return redirect("groups:proposals")


def detail(request, slug: str):
    access = group_for(request.user, slug)
    can_read = access.can(policies.can_read, request.user)
    page = None
    if can_read:
        page = Paginator(selectors.topic_list(request.user, access), 30).get_page(
            int_param(request.GET.get("page"), default=1, minimum=1)
        )
        topic_url = link_maker("groups:topic", access.group.slug)
        for item in page:
            item.unread = item.highest_post_number - (item.last_read or 0)
            item.tag_list = tag_list(item.tag_names)
            item.url = topic_url(item.pk)
    ban = None
    if access.membership is None and access.group.kind != Group.Kind.SECRET:
        ban = selectors.active_ban(request.user, access.group)
    chat_unread = 0
    if access.membership is not None and access.group.chat_enabled:
        chat_unread = group_unread.by_group(request.user).get("chat", {}).get(access.group.pk, 0)
    return render(request, "groups/detail.html", _group_context(
        request, access, page=page, ban=ban, chat_unread=chat_unread,
    ))  # fmt: skip


def _group_context(request, access, **extra) -> dict:
    member = request.user
    pending = access.membership is None and access.group.kind == Group.Kind.CLOSED
    ban = extra.pop("ban", None)
    return {
        "group": access.group,
        "membership": access.membership,
        "invitation": access.invitation,
        "can_read": access.can(policies.can_read, member),
        "can_post": access.can(policies.can_post, member),
        "can_moderate": access.can(policies.can_moderate, member),
        "can_see_members": access.can(policies.can_see_members, member),
        "can_join": access.can(policies.can_join, member, ban is not None),
        "can_request": access.can(policies.can_request_to_join, member, ban is not None),
        "ban": ban,
        "pending_request": pending and selectors.has_pending_request(member, access.group),
        "watch_level": extra.pop("watch_level", None)
        or (access.membership and selectors.watch_level(member, access.group)),
        "watch_levels": WatchLevel.choices,
        **extra,
    }


@require_POST
def join(request, slug: str):
    access = group_for(request.user, slug)
    try:
        if access.invitation is not None:
            services.invitation_answer(
                member=request.user, invitation=access.invitation, accept=True
            )
        else:
            services.group_join(member=request.user, group=access.group)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("グループに参加しました。"))
    return redirect("groups:detail", slug)


@require_http_methods(["GET", "POST"])
def leave(request, slug: str):
    """GET asks "leave this group?"; POST leaves."""
    access = group_for(request.user, slug)
    if request.method == "GET":
        if access.membership is None:
            return redirect("groups:detail", slug)
        return render(request, "groups/leave.html", _group_context(request, access))
    try:
        services.group_leave(member=request.user, group=access.group)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("グループを退会しました。"))
    return redirect("groups:detail", slug)


@require_POST
def request_to_join(request, slug: str):
    access = group_for(request.user, slug)
    form = forms.JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            services.join_request_create(
                member=request.user, group=access.group, **form.cleaned_data
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("参加を申請しました。承認されると通知が届きます。"))
    return redirect("groups:detail", slug)


@require_http_methods(["GET", "POST"])
def members(request, slug: str):
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_moderate, request.user):
        raise PermissionDenied
    if request.method == "POST":
        _members_action(request, access)
        return redirect("groups:members", slug)
    actor, mine = request.user, access.membership
    memberships = list(selectors.group_members(access))
    for item in memberships:
        item.can_act = policies.may_act_on(actor, access.group, mine, item.member, item)
        item.can_set_role = policies.may_set_role(actor, access.group, mine, item.member, item,
                                                  item.role)  # fmt: skip
    return render(
        request,
        "groups/members.html",
        _group_context(
            request, access,
            requests=selectors.pending_requests(access),
            memberships=memberships,
            can_manage=access.can(policies.can_manage, actor),
            roles=policies.roles_to_give(actor, mine),
            suspend_form=forms.SuspendForm(),
            bans=selectors.active_bans(access),
        ),
    )  # fmt: skip


def people(request, slug: str):
    """Who belongs to the group, with their roles, for those who may read it; the same 404 as
    for the group for everyone else."""
    access = group_for(request.user, slug)
    if not access.can(policies.can_see_members, request.user):
        raise Http404
    page = Paginator(selectors.group_roster(access), PEOPLE_PER_PAGE).get_page(
        int_param(request.GET.get("page"), default=1, minimum=1)
    )
    return render(request, "groups/people.html", _group_context(request, access, page=page))


PEOPLE_PER_PAGE = 50


def _members_action(request, access) -> None:
    action = request.POST.get("action")
    try:
        if action in {"approve", "decline"}:
            join_request = access.group.join_requests.get(pk=int_param(request.POST.get("request")))
            services.join_request_decide(
                moderator=request.user, request=join_request, approve=action == "approve"
            )
        elif action == "invite":
            invitee = member_selectors.member_by_handle(
                request.user, request.POST.get("handle", "")
            )
            if invitee is None:
                raise ValidationError(_("そのハンドル名の会員は見つかりません。"))
            services.invitation_create(inviter=request.user, group=access.group, invitee=invitee)
            messages.success(
                request, _("%(name)sさんを招待しました。") % {"name": invitee.display_name}
            )
        elif action == "role":
            membership = access.group.memberships.get(pk=int_param(request.POST.get("membership")))
            services.membership_set_role(
                actor=request.user, membership=membership, role=request.POST.get("role", "")
            )
        # Suspending and removing have their own pages: member_suspend, member_remove.
    except (JoinRequest.DoesNotExist, Membership.DoesNotExist) as missing:
        raise Http404 from missing
    except ValidationError as error:
        _errors(request, error)


def _acted_on(request, slug: str, membership_id: int):
    """(access, membership) for a moderator acting on a member of the group; a 403 saying
    why when they may not act on that member (groups.policies.may_act_on)."""
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_moderate, request.user):
        raise PermissionDenied
    membership = selectors.group_members(access).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    if not policies.may_act_on(request.user, access.group, access.membership, membership.member,
                               membership):  # fmt: skip
        raise PermissionDenied(
            _("%(name)sさんにはこの操作ができません。モデレーターは一般のメンバーに、オーナーはモデレーターと一般のメンバーに操作できます。")
            % {"name": membership.member.display_name}
        )  # fmt: skip
    return access, membership


@require_http_methods(["GET", "POST"])
def member_suspend(request, slug: str, membership_id: int):
    """Stop a member from posting for a chosen time, with a reason they are told."""
    access, membership = _acted_on(request, slug, membership_id)
    form = forms.SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = timezone.now() + form.cleaned_data["days"]
        try:
            services.membership_suspend(actor=request.user, membership=membership, until=until,
                                        reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)sさんの投稿を停止しました。本人に期限と理由を通知しました。")
                             % {"name": membership.member.display_name})  # fmt: skip
            return redirect("groups:members", slug)
    return render(request, "groups/member_suspend.html",
                  _group_context(request, access, target=membership, form=form),
                  status=ratelimits.form_status(request, form, 400 if form.errors else 200))  # fmt: skip


@require_POST
def member_unsuspend(request, slug: str, membership_id: int):
    access, membership = _acted_on(request, slug, membership_id)
    try:
        services.membership_suspend(actor=request.user, membership=membership, until=None,
                                    reason=request.POST.get("reason", "")[:500])  # fmt: skip
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("%(name)sさんの投稿停止を解除しました。")
                         % {"name": membership.member.display_name})  # fmt: skip
    return redirect("groups:members", slug)


@require_http_methods(["GET", "POST"])
def member_remove(request, slug: str, membership_id: int):
    """Removing a member asks first: the page names them, asks for the reason they will be
    told, and says they cannot come back until a moderator allows it."""
    access, membership = _acted_on(request, slug, membership_id)
    form = forms.RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_remove(actor=request.user, membership=membership,
                                       reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)sさんをメンバーから外しました。「再参加を許可」するまで参加できません。")
                             % {"name": membership.member.display_name})  # fmt: skip
            return redirect("groups:members", slug)
    return render(request, "groups/member_remove.html",
                  _group_context(request, access, target=membership, form=form),
                  status=ratelimits.form_status(request, form, 400 if form.errors else 200))  # fmt: skip


@require_POST
def ban_lift(request, slug: str, ban_id: int):
    """「再参加を許可」: a removed member may join (or ask to) again."""
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_moderate, request.user):
        raise PermissionDenied
    ban = selectors.active_bans(access).filter(pk=ban_id).first()
    if ban is not None:
        try:
            services.ban_lift(actor=request.user, ban=ban)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("%(name)sさんの再参加を許可しました。")
                             % {"name": ban.member.display_name})  # fmt: skip
    return redirect("groups:members", slug)


@require_POST
def watch(request, slug: str):
    access = readable_group_for(request.user, slug)
    level = request.POST.get("level", "")
    try:
        services.watch_set(member=request.user, group=access.group, level=level)
    except ValidationError as error:
        _errors(request, error)
    else:
        _watch_saved(request, level)
    return redirect("groups:detail", slug)


def _watch_saved(request, level: str) -> None:
    messages.success(
        request, _("通知を「%(level)s」に変更しました。") % {"level": WatchLevel(level).label}
    )


# --- topics and posts ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def topic_new(request, slug: str):
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_post, request.user):
        raise PermissionDenied
    if request.method == "POST" and "preview" in request.POST:
        return _topic_new_preview(request, access)
    draft = None if request.method == "POST" else drafts.draft_for(request.user, access.group)
    form = forms.TopicForm(request.POST or None, request.FILES or None,
                           initial=_draft_initial(draft, "title", "body"))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_create(
                author=request.user, group=access.group, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("groups:topic", topic.group.slug, topic.pk)
    form.fields["body"].widget.attrs.update(mention_attrs(access.group))
    status = ratelimits.form_status(request, form, 400 if form.errors else 200)
    return render(request, "groups/topic_new.html",
                  _group_context(request, access, form=form, draft=draft), status=status)  # fmt: skip


@require_http_methods(["GET", "POST"])
def topic(request, slug: str, topic_id: int):
    """The topic page; a reply is sent to it, so a refused reply comes back on the same page
    with its text in the box and the reason beside it."""
    access = readable_group_for(request.user, slug)
    try:
        topic = topic_for(request.user, access, topic_id)
    except Http404:
        return _hidden_topic_notice(request, access, topic_id)
    if request.method == "POST":
        return _reply(request, access, topic)
    reply_form, draft = _reply_form(request, access, topic)
    return _topic_page(request, access, topic, reply_form, draft=draft)


def _hidden_topic_notice(request, access, topic_id: int):
    """A topic moderators hid: members who follow a link to it are told so, instead of a bare
    "not found"; its author also reads why. Anything else is the usual 404."""
    topic = selectors.hidden_topic(access, topic_id)
    if topic is None:
        raise Http404
    return render(request, "groups/topic_hidden.html", _group_context(
        request, access, topic=topic, is_author=topic.author_id == request.user.pk,
    ), status=404)  # fmt: skip


def _topic_page(request, access, topic, reply_form, status=200, **writing):
    reply_form.fields["body"].widget.attrs.update(mention_attrs(access.group))
    page = _page_number(request, topic)
    member = request.user
    posts = selectors.posts_page(member, access, topic, page)
    for post in posts:
        post.topic = topic
        post.can_edit = policies.can_edit_post(member, post, access.membership)
    if posts:
        services.topic_mark_read(
            member=member, topic=topic, number=posts[-1].number, known=topic.last_read
        )
    can_accept = policies.can_accept_answer(member, topic, access.membership)
    can_reply = policies.can_post(member, access.group, access.membership, topic)
    return render(
        request,
        "groups/topic.html",
        _group_context(
            request, access,
            topic=topic, page=page,
            post_html=rendering.posts_html(
                posts, slug=access.group.slug, accepted_post_id=topic.accepted_post_id,
                can_accept=can_accept, viewer_id=member.pk, can_quote=can_reply,
            ),
            pages=range(1, selectors.page_of(topic.highest_post_number) + 1),
            reply_form=reply_form,
            can_reply=can_reply,
            first_unread=topic.last_read + 1 if topic.last_read < topic.highest_post_number else None,
            watch_level=selectors.watch_level(member, access.group, topic),
            move_targets=selectors.moderated_groups(member).exclude(pk=access.group.pk)
            if access.can(policies.can_moderate, member) else [],
            **writing,
        ),
        status=status,
    )  # fmt: skip


def _page_number(request, topic) -> int:
    """The page holding post ``?n=``, else page ``?page=``; page 1 for anything odd."""
    last = selectors.page_of(topic.highest_post_number)
    number = int_param(request.GET.get("n"), minimum=1)
    if number is not None:
        return min(selectors.page_of(number), last)
    return min(int_param(request.GET.get("page"), default=1, minimum=1), last)


def _reply(request, access, topic):
    if "preview" in request.POST:
        form = forms.ReplyForm(initial=_kept(request, "body", "reply_to", "client_id"))
        return _topic_page(request, access, topic, form, preview=_preview(request, "body"))
    form = forms.ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        number = form.cleaned_data["reply_to"]
        reply_to = selectors.post_numbered(topic, number) if number else None
        try:
            post = services.post_create(
                author=request.user, topic=topic, body=form.cleaned_data["body"],
                reply_to=reply_to, files=form.cleaned_data["files"],
                client_id=form.cleaned_data["client_id"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            form.add_error(
                None, _("このトピックには返信できなくなりました。返信は送られていません。")
            )
            return _topic_page(request, access, topic, form, status=403)
        else:
            return redirect(services.post_url(post))
    return _topic_page(
        request, access, topic, form, status=ratelimits.form_status(request, form, 400)
    )


@require_http_methods(["GET", "POST"])
def post_edit(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    gone = request.method == "POST" and post.is_deleted
    if not gone and not policies.can_edit_post(request.user, post, access.membership):
        raise PermissionDenied
    initial = {"body": post.body, "title": post.topic.title, "version": post.version}
    if not gone and "preview" in request.POST:
        form = forms.EditForm(initial=_kept(request, "title", "body", "version"))
        return render(request, "groups/post_edit.html", _group_context(
            request, access, post=post, form=form, preview=_preview(request, "body")))  # fmt: skip
    form = forms.EditForm(request.POST or None, initial=initial)
    conflict = None
    if gone:
        form.add_error(None, _("この投稿は削除されたため、編集は保存されていません。"))
    elif request.method == "POST" and form.is_valid():
        try:
            services.post_edit(editor=request.user, post=post, body=form.cleaned_data["body"],
                               title=form.cleaned_data["title"] or None,
                               version=form.cleaned_data["version"])  # fmt: skip
        except services.EditConflict as error:
            conflict = error.current
            form = _edit_form_at(request.POST, conflict.version)
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(services.post_url(post))
    status = (
        409
        if gone or conflict
        else ratelimits.form_status(request, form, 400 if form.errors else 200)
    )
    form.fields["body"].widget.attrs.update(mention_attrs(access.group))
    context = _group_context(request, access, post=post, form=form, conflict=conflict)
    if conflict is not None:
        context["conflict_diff"] = selectors.text_diff(conflict.body, form.data["body"])
    return render(request, "groups/post_edit.html", context, status=status)


def _edit_form_at(data, version: int) -> forms.EditForm:
    """The editor's own text, now based on ``version``: saving it again is a deliberate choice
    made after seeing the current text."""
    data = data.copy()
    data["version"] = str(version)
    form = forms.EditForm(data)
    form.is_valid()
    return form


@require_http_methods(["GET", "POST"])
def post_delete(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    if not policies.can_delete_post(request.user, post, access.membership):
        raise PermissionDenied
    form = forms.DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.post_delete(actor=request.user, post=post, reason=form.cleaned_data["reason"])
        messages.success(request, _("投稿を削除しました。"))
        if post.number == 1:
            return redirect("groups:detail", slug)
        return redirect(services.post_url(post))
    return render(request, "groups/post_delete.html",
                  _group_context(request, access, post=post, form=form))  # fmt: skip


def post_history(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    readable = policies.can_see_post_text(request.user, post, access.membership)
    return render(request, "groups/post_history.html", _group_context(
        request, access, post=post,
        revisions=selectors.revisions_with_diffs(post) if readable else None,
    ))  # fmt: skip


# --- writing: previews without JavaScript, drafts, quotes ----------------------------------


def _topic_new_preview(request, access):
    """The new-topic form again, with the text kept and the body shown as it will look."""
    kept = _kept(request, "title", "body", "tags", "client_id")
    kept["is_question"] = "is_question" in request.POST
    if request.FILES:
        messages.info(request, _("プレビューのあと、添付ファイルはもう一度選んでください。"))
    return render(request, "groups/topic_new.html", _group_context(
        request, access, form=forms.TopicForm(initial=kept), preview=_preview(request, "body")))  # fmt: skip


def _kept(request, *names) -> dict:
    return {name: request.POST.get(name, "") for name in names}


def _preview(request, name: str) -> str:
    """The field ``name`` as the site's Markdown renderer shows it (a write for rate limits)."""
    ratelimits.hit("preview", request.user)
    return markdown.render(request.POST.get(name, "")[: forms.BODY_MAX]).html


def _draft_initial(draft, *names) -> dict:
    return {name: getattr(draft, name) for name in names} if draft else {}


def _reply_form(request, access, topic):
    """The reply box: the member's draft for this topic, and with ``?quote=N`` post N quoted
    after it (the quote link works without JavaScript)."""
    draft = drafts.draft_for(request.user, access.group, topic)
    body = draft.body if draft else ""
    initial = {"body": body} if body else {}
    number = int_param(request.GET.get("quote"), minimum=1)
    quoted = number and selectors.post_to_quote(request.user, access, topic, number)
    if quoted:
        text = selectors.quote_markdown(quoted, services.post_url(quoted))
        initial = {"body": f"{body.rstrip()}\n\n{text}".lstrip(), "reply_to": number}
    return forms.ReplyForm(initial=initial), draft


@require_POST
def draft(request, slug: str):
    """Save (or with ``discard`` throw away) the member's draft of a reply to ``topic`` or, with
    no topic, of a new topic. JSON for the page's script; without it, back to the form."""
    access = readable_group_for(request.user, slug)
    topic = None
    if request.POST.get("topic"):
        topic_id = int_param(request.POST.get("topic"), minimum=1)
        if topic_id is None:
            raise Http404
        topic = topic_for(request.user, access, topic_id)
    as_json = wants_json(request) or request.POST.get("via") == "js"
    where = {"member": request.user, "group": access.group, "topic": topic}
    try:
        if request.POST.get("discard") == "1":
            drafts.draft_discard(**where)
            saved = None
        else:
            saved = drafts.draft_save(
                **where, membership=access.membership,
                title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                client_id=request.POST.get("client_id", ""),
            )  # fmt: skip
    except PermissionDenied:
        if not as_json:
            raise
        message = _("ここには書き込めないため、下書きは保存されていません。")
        return JsonResponse({"error": "forbidden", "message": message}, status=403)
    except ValidationError as error:
        if isinstance(error, ratelimits.RateLimited) or not as_json:
            raise
        return JsonResponse({"error": "invalid", "message": error.messages[0]}, status=400)
    if as_json:
        return JsonResponse({
            "saved": saved is not None,
            "updated_at": saved.updated_at.isoformat() if saved else None,
            "updated_label": date_format(timezone.localtime(saved.updated_at), "TIME_FORMAT")
            if saved else "",
        })  # fmt: skip
    if request.POST.get("discard") == "1":
        messages.success(request, _("下書きを破棄しました。"))
    if topic is not None:
        return redirect(reverse("groups:topic", args=[slug, topic.pk]) + "#reply")
    return redirect("groups:topic_new", slug)


def quote(request, slug: str, post_id: int):
    """Post ``post_id`` as a Markdown quote for the reply box (JSON), with its author and a link
    to it. The same 404 for a post that is missing, deleted or not visible to the member."""
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    if not policies.can_see_post_text(request.user, post, access.membership):
        raise Http404
    return JsonResponse({
        "text": selectors.quote_markdown(post, services.post_url(post)),
        "number": post.number,
    })  # fmt: skip


@require_POST
def react(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    form = forms.ReactionForm(request.POST)
    if form.is_valid():
        services.reaction_toggle(member=request.user, post=post, kind=form.cleaned_data["kind"])
    return redirect(services.post_url(post))


@require_POST
def bookmark(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    on = services.bookmark_toggle(member=request.user, post=post)
    messages.success(
        request, _("ブックマークしました。") if on else _("ブックマークを外しました。")
    )
    return redirect(services.post_url(post))


@require_POST
def accept(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    take_back = request.POST.get("undo") == "1"
    try:
        services.answer_accept(
            actor=request.user, topic=post.topic, post=None if take_back else post
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            _("解決済みの印を外しました。")
            if take_back
            else _("この回答を解決済みにしました。質問の一覧に「解決済み」と表示されます。"),
        )
    return redirect(services.post_url(post))


@require_http_methods(["GET", "POST"])
def flag(request, slug: str, post_id: int):
    access = readable_group_for(request.user, slug)
    post = post_for(request.user, access, post_id)
    if not policies.can_flag_post(request.user, post, access.membership):
        raise PermissionDenied(_("自分の投稿や削除された投稿は通報できません。"))
    form = forms.FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(flagger=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("通報しました。モデレーターが確認します。"))
        return redirect(services.post_url(post))
    return render(
        request,
        "groups/flag.html",
        _group_context(request, access, post=post, form=form),
        status=400 if form.errors else 200,
    )


def attachment(request, slug: str, attachment_id: int, name: str = "", preview: bool = False):
    """An attached file, or with ``preview`` the small image shown inline in its post. Served
    under a name whose extension agrees with the type found in its content; only images are
    shown inline, everything else is a download."""
    access = readable_group_for(request.user, slug)
    item = attachment_for(request.user, access, attachment_id, preview=preview)
    file, content_type = (item.preview, PREVIEW_TYPE) if preview else (item.file, item.content_type)
    try:
        response = FileResponse(file.open("rb"), content_type=content_type,
                                as_attachment=not content_type.startswith("image/"),
                                filename=served_name(item.original_name, content_type))  # fmt: skip
    except FileNotFoundError as missing:
        raise Http404 from missing
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- moderation ---------------------------------------------------------------------------


@require_POST
def moderate_topic(request, slug: str, topic_id: int):
    access = readable_group_for(request.user, slug)
    topic = topic_for(request.user, access, topic_id)
    form = forms.ModerateForm(request.POST)
    if not access.can(policies.can_moderate, request.user) or not form.is_valid():
        raise PermissionDenied
    services.topic_moderate(actor=request.user, topic=topic, **form.cleaned_data)
    messages.success(request, _("操作しました。"))
    return redirect("groups:topic", slug, topic.pk)


@require_POST
def move_topic(request, slug: str, topic_id: int):
    access = readable_group_for(request.user, slug)
    topic = topic_for(request.user, access, topic_id)
    target = group_for(request.user, request.POST.get("to", ""))
    services.topic_move(actor=request.user, topic=topic, to_group=target.group,
                        reason=request.POST.get("reason", ""))  # fmt: skip
    messages.success(
        request, _("トピックを「%(group)s」に移動しました。") % {"group": target.group.name}
    )
    return redirect("groups:topic", target.group.slug, topic.pk)


@require_POST
def watch_topic(request, slug: str, topic_id: int):
    access = readable_group_for(request.user, slug)
    topic = topic_for(request.user, access, topic_id)
    try:
        services.watch_set(member=request.user, topic=topic, level=request.POST.get("level", ""))
    except ValidationError as error:
        _errors(request, error)
    else:
        _watch_saved(request, request.POST["level"])
    return redirect("groups:topic", slug, topic.pk)


@require_http_methods(["GET", "POST"])
def moderation(request, slug: str):
    access = readable_group_for(request.user, slug)
    if not access.can(policies.can_moderate, request.user):
        raise PermissionDenied
    if request.method == "POST":
        flag_item = (
            selectors.moderation_queue(request.user, access.group)
            .filter(pk=int_param(request.POST.get("flag")))
            .first()
        )
        if flag_item is None:
            raise Http404
        services.flag_resolve(moderator=request.user, flag=flag_item,
                              hide_post=request.POST.get("action") == "hide")  # fmt: skip
        return redirect("groups:moderation", slug)
    return render(request, "groups/moderation.html", _group_context(
        request, access,
        flags=selectors.moderation_queue(request.user, access.group),
        moderation_sections=moderation_pages.page_sections(request.user, access.group),
        log=selectors.moderation_log(access.group)[:100],
        can_manage=access.can(policies.can_manage, request.user),
    ))  # fmt: skip


def site_moderation(request):
    flags = selectors.moderation_queue(request.user)
    requests = selectors.pending_requests_to_moderate(request.user)
    return render(request, "groups/site_moderation.html", {
        "flags": flags, "requests": requests,
        "moderation_sections": moderation_pages.page_sections(request.user),
    })  # fmt: skip


def bookmarks(request):
    return render(
        request, "groups/bookmarks.html", {"bookmarks": selectors.bookmarks(request.user)}
    )


def mentions(request, slug: str):
    """Members to @mention in this group's posts and chat, the group's own members first."""
    try:
        access = group_for(request.user, slug)
    except Http404:
        access = None
    if access is None or not access.can(policies.can_read, request.user):
        return JsonResponse({"error": _("見つかりません。")}, status=404)
    return member_views.mention_response(request, first_ids=selectors.group_member_ids(access))


def mention_attrs(group: Group) -> dict:
    """What a textarea needs for static/js/mentions.js: where to look members up, and the
    words it shows (from here, so they are translated)."""
    return {
        "data-mention-autocomplete": reverse("groups:mentions", args=[group.slug]),
        "data-mention-label": _("呼びかける相手の候補"),
        "data-mention-count": _("候補 %s人。上下の矢印で選び、Enterで決定します。"),
        "data-mention-none": _("該当する会員はいません。"),
    }
