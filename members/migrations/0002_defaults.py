from django.db import migrations


def load(apps, schema_editor):
    from members.defaults import load_defaults
    from members.directory import load_organizations

    load_defaults(apps.get_model("members", "DomainRule"), apps.get_model("members", "WorkField"))
    load_organizations(
        apps.get_model("members", "Organization"), apps.get_model("members", "OrganizationDomain")
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
