"""Names what Wagtail's first migration created in English: the site (its name is the admin dashboard's
title, else the host name "localhost"), the welcome page that serves as the site's home page and the root
of the page tree, both shown in the admin's explorer, breadcrumbs and search results. A title someone
already changed is left alone."""

from django.db import migrations

SITE_NAME = "数字党校"
RENAMES = {  # depth: (Wagtail's title, ours)
    1: ("Root", "根目录"),
    2: ("Welcome to your new Wagtail site!", SITE_NAME),
}


def name_in_chinese(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    Page = apps.get_model("wagtailcore", "Page")
    Site.objects.filter(site_name="").update(site_name=SITE_NAME)
    for depth, (english, chinese) in RENAMES.items():
        Page.objects.filter(depth=depth, title=english).update(title=chinese)
        Page.objects.filter(depth=depth, draft_title=english).update(draft_title=chinese)


def back_to_english(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    Page = apps.get_model("wagtailcore", "Page")
    Site.objects.filter(site_name=SITE_NAME).update(site_name="")
    for depth, (english, chinese) in RENAMES.items():
        Page.objects.filter(depth=depth, title=chinese).update(title=english)
        Page.objects.filter(depth=depth, draft_title=chinese).update(draft_title=english)


class Migration(migrations.Migration):
    dependencies = [
        ("school", "0014_notification_sms_channel"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(name_in_chinese, back_to_english)]
