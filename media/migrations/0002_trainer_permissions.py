from django.db import migrations

TRAINER_GROUP = "讲师"  # school.models.roles.TRAINER_GROUP
CODENAMES = ["add_video", "change_video", "delete_video", "view_video"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    video_type, _ = ContentType.objects.get_or_create(app_label="media", model="video")
    group, _ = Group.objects.get_or_create(name=TRAINER_GROUP)
    for codename in CODENAMES:
        permission, _ = Permission.objects.get_or_create(
            content_type=video_type, codename=codename, defaults={"name": f"Can {codename.replace('_', ' ')}"}
        )
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=TRAINER_GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="media", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_initial"),
        ("school", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
