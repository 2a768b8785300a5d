from django.db import migrations


def create_home(apps, schema_editor):
    """Replace Wagtail's welcome page with the knowledge home and make it the site's root."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Home = apps.get_model("knowledge", "KnowledgeHomePage")
    if Home.objects.exists():
        return
    Page.objects.filter(depth=2, content_type__app_label="wagtailcore").delete()
    root = Page.objects.get(depth=1)
    content_type, _ = ContentType.objects.get_or_create(
        app_label="knowledge", model="knowledgehomepage"
    )
    locale = Locale.objects.order_by("pk").first()
    path = root.path + "%04d" % (Page.objects.filter(depth=2).count() + 1)
    home = Home.objects.create(
        title="ナレッジ", draft_title="ナレッジ", slug="knowledge", content_type=content_type,
        path=path, depth=2, numchild=0, url_path="/knowledge/", live=True, locale=locale,
        intro="勉強会の記録、業務ノウハウ、ライブ配信のアーカイブ。",
    )  # fmt: skip
    Page.objects.filter(pk=root.pk).update(numchild=Page.objects.filter(depth=2).count())
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True,
                        site_name="オンライン市役所")  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_home, migrations.RunPython.noop)]
