"""python manage.py search_reindex: the whole search index built again, from every registered
provider, into a new index (a new generation in the embedded backend, a new Meilisearch index),
then swapped in at once. Searches read the old index until the swap; changes drained meanwhile
are written to both; the outbox is drained once more at the end."""

import os
from collections import deque
from itertools import batched

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from search import outbox, registry
from search.backends import get_backend
from search.tokenizing import Tokenizers

BATCH = 500
# Fewer documents than this are tokenised here: starting a worker (and its dictionary) costs
# about a second.
WORKERS_FROM = 5000
# Beyond this the command's own reading and writing is what it waits for, and each worker holds
# a dictionary of its own.
MAX_JOBS = 4


class Command(BaseCommand):
    help = "Rebuild the search index from every provider into a new index and swap it in."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH, help="documents per batch")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, MAX_JOBS),
                            help="processes tokenising the documents (1: this one)")  # fmt: skip

    def handle(self, *args, batch: int, quiet: bool, jobs: int, **options):
        if batch < 1 or jobs < 1:
            raise CommandError(_("--batch と --jobs は 1 以上にしてください。"))
        backend = get_backend()
        target = backend.rebuild_start()
        # Listed after the start: whatever is created later is written to both indexes.
        ids = {provider.kind: list(provider.all_ids()) for provider in registry.providers()}
        total = sum(map(len, ids.values()))
        stream = self.stderr._out  # the raw stream: OutputWrapper would end each redraw with \n
        jobs = jobs if total >= WORKERS_FROM else 1
        with (
            tqdm(total=total, unit=_("件"), file=stream, disable=quiet, desc=_("索引")) as bar,
            Tokenizers(jobs) as tokenizers,
        ):
            # Each batch read and handed to a worker; written once its tokens are back, while
            # the workers tokenise the next ``jobs`` batches. Alone, each is written at once.
            ahead = jobs if jobs > 1 else 0
            waiting = deque()
            for kind, pks in ids.items():
                provider = registry.provider(kind)
                for part in batched(pks, batch):
                    documents = list(provider.documents(list(part)).values())
                    waiting.append((len(part), documents, tokenizers.submit(documents)))
                    if len(waiting) > ahead:
                        self._write(backend, target, waiting.popleft(), bar)
            while waiting:
                self._write(backend, target, waiting.popleft(), bar)
        backend.rebuild_swap(target)
        drained = outbox.drain()
        if not quiet:
            message = _("%(count)d件を索引し、新しい索引に切り替えました"
                        "（待っていた変更 %(drained)d件も反映）。")  # fmt: skip
            self.stdout.write(message % {"count": total, "drained": drained})

    def _write(self, backend, target, batch, bar) -> None:
        count, documents, fields = batch
        backend.rebuild_write(target, documents, fields())
        bar.update(count)
