# The kinds of notification come from the registry the apps fill (cityhall.notifications);
# the stored values are unchanged, so no row needs rewriting.

import cityhall.notifications
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0011_site_suspensions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=cityhall.notifications.choices, max_length=40, verbose_name='種類'),
        ),
        migrations.AlterField(
            model_name='notificationpreference',
            name='kind',
            field=models.CharField(choices=cityhall.notifications.choices, max_length=40, verbose_name='種類'),
        ),
    ]
