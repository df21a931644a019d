"""A real Celery worker process consumes a task from the real broker (Redis in CI, the embedded
file-system broker elsewhere) and writes to the same database the test sees."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from school.models import Member, MemberImport
from school.services import do_submit_member_import
from tests.factories import id_number
from tests.school.builders import MEMBER_HEADERS, workbook

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "school.settings.test",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        env["VAR_DIR"] = str(settings.VAR_DIR)
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "school", "worker", "-Q", "default", "--pool", "solo",
         "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_it_processes_an_uploaded_import_in_a_real_worker(personas, worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = workbook(MEMBER_HEADERS, [["工人导入", id_number(901), "TA1", "正式党员"] + [""] * 8])
    record = do_submit_member_import(SimpleUploadedFile("w.xlsx", upload.getvalue()), user=personas.admin_a)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record.refresh_from_db()
        if record.state in (MemberImport.State.DONE, MemberImport.State.FAILED):
            break
        if worker.poll() is not None:
            pytest.fail(f"worker exited early:\n{worker.stdout.read() if worker.stdout else ''}")
        time.sleep(0.5)
    assert record.state == MemberImport.State.DONE, record.errors
    assert Member.objects.filter(name="工人导入", organization__code="TA1").exists()
