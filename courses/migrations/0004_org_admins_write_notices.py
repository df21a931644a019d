"""Existing sites: organization administrators (组织管理员) may add and change notices on the notice board
(publishing stays with the moderation workflow); new sites get the same from ``ensure_site_pages``."""

from django.db import migrations

ORG_ADMIN_GROUP = "组织管理员"
CODENAMES = ("add_page", "change_page")


def grant(apps, schema_editor):
    board = apps.get_model("courses", "NoticeIndexPage").objects.first()
    group = apps.get_model("auth", "Group").objects.filter(name=ORG_ADMIN_GROUP).first()
    if board is None or group is None:
        return
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Permission = apps.get_model("auth", "Permission")
    for codename in CODENAMES:
        permission = Permission.objects.filter(content_type__app_label="wagtailcore", codename=codename).first()
        if permission is not None:
            GroupPagePermission.objects.get_or_create(group=group, page_id=board.pk, permission=permission)


def revoke(apps, schema_editor):
    board = apps.get_model("courses", "NoticeIndexPage").objects.first()
    if board is not None:
        apps.get_model("wagtailcore", "GroupPagePermission").objects.filter(
            group__name=ORG_ADMIN_GROUP, page_id=board.pk, permission__codename__in=CODENAMES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0003_notices"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
