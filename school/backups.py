"""Backups that restore: ``manage.py backup DIR`` and ``manage.py restore DIR`` (docs/operations.md).

A backup is a folder::

    manifest.json        format, date, database engine, row counts per table, sha256 and size of every file
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API, or
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` of the same snapshot the counts were taken in
    media/...            every file under MEDIA_ROOT (videos and their HLS ladders, posters, documents,
                         images, import files)

``restore`` checks every checksum before it touches anything, refuses a database that already has
tables or a MEDIA_ROOT that already has files, loads the database, copies the files (checking each
again), compares the row counts with the manifest and then runs the ``AFTER_RESTORE`` hooks (the
search app rebuilds its index there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from wagtail import hooks

from school.hooks import AFTER_RESTORE

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be made or restored; the message (Chinese) says why and what to do."""


@dataclass
class Result:
    folder: Path
    files: int = 0
    bytes: int = 0
    tables: int = 0
    rows: int = 0
    notes: list[str] = field(default_factory=list)


def _copy_hashing(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` (times kept) and return the sha256 of what was read."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    shutil.copystat(source, target)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tables() -> list[str]:
    """The tables of the project's models (managed, concrete), sorted."""
    names = {model._meta.db_table for model in apps.get_models(include_auto_created=True)
             if model._meta.managed and not model._meta.proxy}
    return sorted(names)


def _count_rows(cursor: Any, tables: list[str]) -> dict[str, int]:
    existing = set(connection.introspection.table_names(cursor))
    counts = {}
    for table in tables:
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - model tables
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def _dump_database(folder: Path) -> tuple[str, dict[str, int]]:
    tables = _tables()
    if connection.vendor == "sqlite":
        target = folder / SQLITE_FILE
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)  # a consistent copy, even while the site writes
        finally:
            destination.close()
        copy = sqlite3.connect(target)
        try:
            counts = {}
            present = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            for table in tables:
                if table in present:
                    counts[table] = int(copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        finally:
            copy.close()
        return SQLITE_FILE, counts
    if connection.vendor != "postgresql":
        raise BackupError(_("Backups support SQLite and PostgreSQL only."))
    args, env = _pg_env()
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_dump reads the snapshot the counts are taken in: the manifest describes exactly the dump.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _count_rows(cursor, tables)
        command = ["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                   f"--file={folder / PG_FILE}", str(settings.DATABASES["default"]["NAME"])]
        done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()[-500:]})
    return PG_FILE, counts


def make_backup(folder: Path) -> Result:
    """Write a backup of the database and of MEDIA_ROOT into ``folder`` (new or empty)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(_("The backup folder %(folder)s is not empty: give a new folder for each backup.")
                          % {"folder": folder})
    folder.mkdir(parents=True, exist_ok=True)
    result = Result(folder)
    database_file, counts = _dump_database(folder)
    files: dict[str, dict[str, Any]] = {database_file: {"size": (folder / database_file).stat().st_size,
                                                        "sha256": sha256_of(folder / database_file)}}
    root = Path(settings.MEDIA_ROOT)
    for path in _media_files(root):
        relative = path.relative_to(root).as_posix()
        target = folder / MEDIA_DIR / relative
        files[f"{MEDIA_DIR}/{relative}"] = {"size": path.stat().st_size, "sha256": _copy_hashing(path, target)}
        result.files += 1
        result.bytes += path.stat().st_size
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "database": database_file,
        "counts": counts,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    result.tables, result.rows = len(counts), sum(counts.values())
    return result


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, after checking that every file it lists is there with its size and checksum."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(_("%(folder)s is not a backup: manifest.json is missing.") % {"folder": folder})
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(_("Unknown backup format %(format)s.") % {"format": manifest.get("format")})
    for name, info in manifest["files"].items():
        file = Path(folder) / name
        if not file.is_file() or file.stat().st_size != info["size"] or sha256_of(file) != info["sha256"]:
            raise BackupError(_("The backup is damaged: %(name)s is missing or its checksum differs. Nothing "
                                "was restored.") % {"name": name})
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _load_database(folder: Path, manifest: dict[str, Any]) -> None:
    if manifest["engine"] != connection.vendor:
        raise BackupError(_("This backup is of a %(engine)s database; the configured database is %(vendor)s.")
                          % {"engine": manifest["engine"], "vendor": connection.vendor})
    dump = Path(folder) / manifest["database"]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
        return
    args, env = _pg_env()
    connection.close()
    command = ["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               f"--dbname={settings.DATABASES['default']['NAME']}", str(dump)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(_("pg_restore failed: %(error)s") % {"error": done.stderr.strip()[-500:]})


def restore_backup(folder: Path) -> Result:
    """Restore ``folder`` onto an empty database and an empty MEDIA_ROOT."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if not _database_is_empty():
        raise BackupError(_("The database already has tables: restore only onto an empty database (create a new "
                            "one, or drop this one first). Nothing was restored."))
    root = Path(settings.MEDIA_ROOT)
    if next(_media_files(root), None) is not None:
        raise BackupError(_("MEDIA_ROOT %(root)s already holds files: restore only into an empty folder. Nothing "
                            "was restored.") % {"root": root})
    result = Result(folder)
    _load_database(folder, manifest)
    prefix = f"{MEDIA_DIR}/"
    for name, info in manifest["files"].items():
        if not name.startswith(prefix):
            continue
        target = root / name[len(prefix):]
        if _copy_hashing(folder / name, target) != info["sha256"]:
            raise BackupError(_("%(name)s changed while it was restored.") % {"name": name})
        result.files += 1
        result.bytes += info["size"]
    with connection.cursor() as cursor:
        counts = _count_rows(cursor, sorted(manifest["counts"]))
    if counts != manifest["counts"]:
        differ = sorted(table for table in manifest["counts"] if counts.get(table) != manifest["counts"][table])
        raise BackupError(_("After the restore these tables hold other row counts than the backup: %(tables)s")
                          % {"tables": ", ".join(differ)})
    result.tables, result.rows = len(counts), sum(counts.values())
    for fn in hooks.get_hooks(AFTER_RESTORE):
        result.notes.extend(fn() or [])
    return result
