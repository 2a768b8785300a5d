"""Which knowledge pages use a file (document, image, recording), for knowledge.policies.
can_view_file. Wagtail's reference index says what a page's fields and blocks point at; a page
refreshes its entries when it is published (knowledge.wagtail_hooks), so a file is readable the
moment the page that shows it is."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import IntegerField
from django.db.models.functions import Cast
from wagtail.models import Page, PageViewRestriction, ReferenceIndex

from knowledge import policies, selectors


def pages_using(obj) -> list[str]:
    """Tree paths of the pages whose content refers to ``obj``."""
    page_type = ContentType.objects.get_for_model(Page)
    # object_id is text (any model's key): cast it for PostgreSQL, which compares no integer
    # with a varchar.
    page_ids = (
        ReferenceIndex.objects.filter(
            to_content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            to_object_id=str(obj.pk),
            base_content_type=page_type,
        )
        .annotate(page_id=Cast("object_id", output_field=IntegerField()))
        .values("page_id")
    )
    return list(Page.objects.filter(pk__in=page_ids).values_list("path", flat=True))


def may_view(request, obj, uploaded_by_id=None) -> bool:
    seen = selectors.viewer(request.user)
    if not seen.is_member:
        return False
    return policies.can_view_file(seen, _LazyPaths(obj), uploaded_by_id, _Passed(request, seen))


class _Passed:
    """The paths of Wagtail's privacy settings (of the kinds lists leave out) whose every
    restriction the request passes (its password given in this session, its groups joined),
    read only if the policy asks: policies.can_open_path."""

    def __init__(self, request, seen):
        self.request, self.seen = request, seen
        self.paths = None

    def __contains__(self, path) -> bool:
        if self.paths is None:
            failed, self.paths = set(), set()
            restrictions = PageViewRestriction.objects.filter(
                page__path__in=self.seen.wagtail_private
            ).select_related("page")  # fmt: skip
            for restriction in restrictions:
                passes = restriction.accept_request(self.request)
                (self.paths if passes else failed).add(restriction.page.path)
            self.paths -= failed
        return path in self.paths


class _LazyPaths:
    """The paths, loaded only if the policy gets as far as asking."""

    def __init__(self, obj):
        self.obj = obj

    def __iter__(self):
        return iter(pages_using(self.obj))
