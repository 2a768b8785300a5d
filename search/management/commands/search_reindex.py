"""python manage.py search_reindex: the whole search index built again, from every registered
provider, into a new index (a new generation in the embedded backend, a new Meilisearch index),
then swapped in at once. Searches read the old index until the swap; changes drained meanwhile
are written to both; the outbox is drained once more at the end."""

from itertools import batched

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from search import outbox, registry
from search.backends import get_backend

BATCH = 500


class Command(BaseCommand):
    help = "Rebuild the search index from every provider into a new index and swap it in."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH, help="documents per batch")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, batch: int, quiet: bool, **options):
        if batch < 1:
            raise CommandError(_("--batch は 1 以上にしてください。"))
        backend = get_backend()
        target = backend.rebuild_start()
        # Listed after the start: whatever is created later is written to both indexes.
        ids = {provider.kind: list(provider.all_ids()) for provider in registry.providers()}
        total = sum(map(len, ids.values()))
        stream = self.stderr._out  # the raw stream: OutputWrapper would end each redraw with \n
        with tqdm(total=total, unit=_("件"), file=stream, disable=quiet, desc=_("索引")) as bar:
            for kind, pks in ids.items():
                provider = registry.provider(kind)
                for part in batched(pks, batch):
                    backend.rebuild_write(target, list(provider.documents(list(part)).values()))
                    bar.update(len(part))
        backend.rebuild_swap(target)
        drained = outbox.drain()
        if not quiet:
            message = _("%(count)d件を索引し、新しい索引に切り替えました"
                        "（待っていた変更 %(drained)d件も反映）。")  # fmt: skip
            self.stdout.write(message % {"count": total, "drained": drained})
