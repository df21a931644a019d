"""`manage.py backup DIR` and `manage.py restore DIR`: the database (SQLite's online backup API, or
pg_dump when the suite runs on PostgreSQL), the files under MEDIA_ROOT and a manifest with checksums;
a restore onto an empty database and media root gives the same rows, files and logins."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from school.models import Member, Organization
from tests.factories import PASSWORD, build_personas

pytestmark = pytest.mark.django_db(transaction=True)

FILES = {"documents/通知.pdf": b"%PDF-1.4\n%%EOF\n", "videos/7/hls/360p/seg_00001.ts": bytes(range(256)) * 40,
         "imports/members/2026/01/members.xlsx": b"PK\x03\x04 rows"}


def _empty_the_database() -> None:
    """What a new database looks like: no tables at all."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        empty = sqlite3.connect(":memory:")
        empty.backup(connection.connection)
        empty.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []


@pytest.fixture
def site(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for name, content in FILES.items():
        path = tmp_path / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return build_personas()


def test_it_restores_the_same_rows_files_and_logins_onto_an_empty_database(site: Any, settings: Any,
                                                                           tmp_path: Path) -> None:
    counts = (get_user_model().objects.count(), Member.objects.count(), Organization.objects.count())
    call_command("backup", str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["counts"]["school_member"] == counts[1]
    assert set(FILES) <= {name.removeprefix("media/") for name in manifest["files"]}

    _empty_the_database()
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    call_command("restore", str(tmp_path / "backup"))

    assert (get_user_model().objects.count(), Member.objects.count(), Organization.objects.count()) == counts
    assert Member.objects.get(user__username="xiaoming").name == "小明"
    for name, content in FILES.items():
        assert (tmp_path / "restored-media" / name).read_bytes() == content
    client = Client()
    assert client.login(username="xiaoming", password=PASSWORD)
    assert client.get("/").status_code == 200


def test_it_refuses_to_restore_onto_a_database_that_has_tables(site: Any, settings: Any, tmp_path: Path) -> None:
    call_command("backup", str(tmp_path / "backup"))
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    Member.objects.filter(user__username="xiaohong").delete()

    with pytest.raises(CommandError, match="数据库中已有数据表"):
        call_command("restore", str(tmp_path / "backup"))

    assert not Member.objects.filter(user__username="xiaohong").exists()  # nothing was loaded
    assert not (tmp_path / "restored-media").exists()


def test_it_refuses_a_damaged_backup_before_touching_anything(site: Any, settings: Any, tmp_path: Path) -> None:
    call_command("backup", str(tmp_path / "backup"))
    (tmp_path / "backup" / "media" / "documents" / "通知.pdf").write_bytes(b"%PDF-1.4 tampered")
    _empty_the_database()
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")

    with pytest.raises(CommandError, match="备份已损坏"):
        call_command("restore", str(tmp_path / "backup"))

    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []
    assert not (tmp_path / "restored-media").exists()
    call_command("migrate", verbosity=0)  # the next test's flush needs the tables back


def test_it_refuses_to_restore_into_a_media_root_that_holds_files(site: Any, tmp_path: Path) -> None:
    call_command("backup", str(tmp_path / "backup"))
    _empty_the_database()

    with pytest.raises(CommandError, match="MEDIA_ROOT"):
        call_command("restore", str(tmp_path / "backup"))

    with connection.cursor() as cursor:
        assert connection.introspection.table_names(cursor) == []
    call_command("migrate", verbosity=0)


def test_it_never_writes_into_a_folder_that_holds_an_earlier_backup(site: Any, tmp_path: Path) -> None:
    call_command("backup", str(tmp_path / "backup"))
    before = (tmp_path / "backup" / "manifest.json").read_text()

    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", str(tmp_path / "backup"))

    assert (tmp_path / "backup" / "manifest.json").read_text() == before
