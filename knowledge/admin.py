from django.contrib import admin
from taggit.models import Tag

# Knowledge tags are edited on the pages in /cms/; the Django admin lists only Japanese-named
# apps (tests/groups/test_admin.py).
admin.site.unregister(Tag)
