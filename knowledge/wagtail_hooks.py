"""Where Wagtail asks the project: every page and document it serves, and every page list of the
editor, goes through knowledge.policies before it is shown: topic-group restrictions, and
Wagtail's own privacy setting, whose pages the editor lists and links for site moderators
alone (the pages under it are opened by whoever passes Wagtail's check)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.admin_url_finder import register_admin_url_finder
from wagtail.admin.views.home import WorkflowObjectsToModeratePanel
from wagtail.admin.wagtail_hooks import PageAdminURLFinder
from wagtail.models import Page, PageViewRestriction, ReferenceIndex
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.signals import page_published
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from knowledge import files, policies, selectors
from knowledge.models import Recording


class VisiblePagePolicy(PagePermissionPolicy):
    """Wagtail's page permissions, without the pages not listed for the member: the editor's
    search, its page API (the sidebar explorer), its listings and reports show what the member
    has a permission on or under, and a field section holds pages of one group."""

    def explorable_instances(self, user, *args, **kwargs):
        pages = super().explorable_instances(user, *args, **kwargs)
        return _listed(pages, user)

    def instances_user_has_any_permission_for(self, user, actions):
        return _listed(super().instances_user_has_any_permission_for(user, actions), user)


def _listed(pages, user):
    """``pages`` without those not listed for ``user`` (knowledge.policies.unlisted_paths)."""
    return selectors.hide_unlisted(pages, selectors.viewer(user), searchable=True)


class ListedPageURLFinder(PageAdminURLFinder):
    """A page's editor link, only for a member it is listed for: a file's usage listing, and
    the other screens that link what refers to an object, show the others as private."""

    def get_edit_url(self, instance):
        if self.user and not policies.can_list_path(selectors.viewer(self.user), instance.path):
            return None
        return super().get_edit_url(instance)


register_permission_policy(Page, VisiblePagePolicy(Page))
register_admin_url_finder(Page, ListedPageURLFinder)


@hooks.register("before_serve_page", order=-10)
def members_of_restricting_groups_only(page, request, serve_args, serve_kwargs):
    """Not found, for a member outside the page's topic groups, or outside the Django groups of
    Wagtail's privacy setting above it (site moderators too, unless superusers): Wagtail would
    send them to its login, which hands a signed-in member back to the page (knowledge.cms),
    and round again."""
    seen = selectors.viewer(request.user)
    if not policies.can_view_page(seen, page):
        raise Http404
    if any(
        restriction.restriction_type == PageViewRestriction.GROUPS
        and not restriction.accept_request(request)
        for restriction in page.get_view_restrictions()
    ):
        raise Http404


@hooks.register("before_serve_document", order=-10)
def documents_of_visible_pages_only(document, request):
    if not files.may_view(request, document, document.uploaded_by_user_id):
        raise Http404


class ListedReviewsPanel(WorkflowObjectsToModeratePanel):
    """Wagtail's 「awaiting your review」 panel without the pages not listed for the member: its
    reviews come from the workflow's groups, not from the page permission policy."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        seen = selectors.viewer(parent_context["request"].user)
        context["states"] = [
            state for state in context["states"]
            if not isinstance(state["obj"], Page) or policies.can_list_path(seen, state["obj"].path)
        ]  # fmt: skip
        return context


@hooks.register("construct_homepage_panels")
def reviews_of_listed_pages_only(request, panels):
    panels[:] = [ListedReviewsPanel() if type(panel) is WorkflowObjectsToModeratePanel else panel
                 for panel in panels]  # fmt: skip


@hooks.register("construct_explorer_page_queryset")
def hide_restricted_in_explorer(parent_page, pages, request):
    return _listed(pages, request.user)


@hooks.register("construct_page_chooser_queryset")
def hide_restricted_in_chooser(pages, request):
    return _listed(pages, request.user)


class RecordingViewSet(SnippetViewSet):
    model = Recording
    icon = "media"
    menu_label = _("録画・録音")
    list_display = ["title", "content_type", "uploaded_at"]


register_snippet(RecordingViewSet)


def refresh_references(sender, instance, **kwargs):
    """Right away rather than in the background: the files a page shows are readable as soon
    as it is published (knowledge.files)."""
    ReferenceIndex.create_or_update_for_object(instance)


page_published.connect(refresh_references, dispatch_uid="knowledge.refresh_references")
