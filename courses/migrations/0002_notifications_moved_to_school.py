"""Study-task notifications move to school's notification centre: existing rows are copied (as "task
due" notifications, read state kept), then courses' own table goes."""

from typing import Any

from django.db import migrations


def copy_to_school(apps: Any, schema_editor: Any) -> None:
    old = apps.get_model("courses", "Notification")
    new = apps.get_model("school", "Notification")
    batch: list[Any] = []
    for row in old.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(new(user_id=row.user_id, kind="task_due", title=row.title, body=row.body, url=row.url,
                         created_at=row.created_at, read_at=row.read_at))
        if len(batch) >= 2000:
            new.objects.bulk_create(batch)
            batch = []
    new.objects.bulk_create(batch)


def copy_back(apps: Any, schema_editor: Any) -> None:
    old = apps.get_model("courses", "Notification")
    new = apps.get_model("school", "Notification")
    old.objects.bulk_create([old(user_id=row.user_id, title=row.title, body=row.body, url=row.url,
                                 created_at=row.created_at, read_at=row.read_at)
                             for row in new.objects.filter(kind="task_due").order_by("pk")], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0001_initial"),
        ("school", "0012_notification_centre"),
    ]

    operations = [
        migrations.RunPython(copy_to_school, copy_back),
        migrations.DeleteModel(name="Notification"),
    ]
