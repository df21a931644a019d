"""Many machines (issue 26): Celery workers as separate processes, each with its own ``VAR_DIR`` (as on
separate machines) and one shared ``MEDIA_ROOT`` (the shared mount), behind a private redis-server whose
visibility timeout is a couple of seconds, so anything that would be redelivered while it still runs is
redelivered during the test. Workers use the prefork pool with one child, as the systemd units do.

Only with ``-m heavy`` (``make test-heavy``); each test is bounded well under a minute."""

from __future__ import annotations

import datetime as dt
import re
import stat
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from wagtail.models import PageLogEntry, Revision

from exams.models import Attempt, QuestionVersion
from exams.services import do_save_answer, do_start_attempt
from exams.services.grading import to_displayed
from exams.tasks import sweep_expired_attempts
from media import tasks
from media.models import Video, VideoState
from media.processing import ffmpeg_binary
from media.services import register_video_from_path, requeue_video
from school.credits.models import CreditEntry, RankingKind, RankingSnapshot
from school.credits.rules import ensure_default_rules
from school.credits.tasks import post_credit_task
from school.models import Organization, OutboxTask
from school.tasks import flush_task_outbox
from tests.courses.builders import make_course
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import Personas
from tests.faults.processes import kill, publish, start_beat, start_worker, stop, wait_for
from tests.media import builders

pytestmark = [pytest.mark.heavy, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

VISIBILITY = "1"  # seconds: a transcode here runs longer than this
TRANSCODE_ENV = {
    "CELERY_VISIBILITY_TIMEOUT": VISIBILITY,
    "CELERY_UNACKED_RESTORE_SECONDS": "1",
    "MEDIA_PROCESSING_STALE_SECONDS": "3",
    "MEDIA_PROGRESS_SAVE_SECONDS": "0.3",
    "MEDIA_X264_PRESET": "medium",
    "MEDIA_HLS_SEGMENT_SECONDS": "1",
}


@pytest.fixture(autouse=True)
def _no_send_from_the_test_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test process plays the web node but its broker is the suite's; it publishes to the private
    Redis itself (``publish``)."""
    from media.services import registration

    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: None)


def machine(tmp_path: Path, name: str) -> dict[str, str]:
    """The environment of one machine: its own VAR_DIR, the shared MEDIA_ROOT."""
    var = tmp_path / name
    var.mkdir()
    return {**TRANSCODE_ENV, "VAR_DIR": str(var)}


def received(log: Path, task_name: str = "media.tasks.transcode_video") -> list[str]:
    """Task ids the worker writing ``log`` received (one line per delivery)."""
    if not log.exists():
        return []
    return re.findall(rf"Task {re.escape(task_name)}\[([0-9a-f-]+)\] received", log.read_text(errors="replace"))


def settled(*videos: Video) -> bool:
    for video in videos:
        video.refresh_from_db()
    return all(video.state in {VideoState.READY, VideoState.FAILED} for video in videos)


def hls_files(video: Video) -> list[Path]:
    return sorted(path for path in (Path(settings.MEDIA_ROOT) / video.hls_dir).rglob("*") if path.is_file())


def test_it_runs_each_transcode_once_on_two_machines_sharing_the_media_folder(tmp_path: Path,
                                                                              redis_server: Any) -> None:
    """Three transcodes for two machines: the third waits in Redis until a slot is free (a worker that
    reserved it while busy would hold it unacknowledged past the visibility timeout, and Redis would
    hand it to the other machine too)."""
    videos = [register_video_from_path(builders.clip(tmp_path / f"v{n}.mp4", size="854x480", seconds=8))
              for n in range(3)]
    broker = redis_server.url(0)
    logs = [tmp_path / "machine-a.log", tmp_path / "machine-b.log"]
    workers = [start_worker(broker, "media", log, env=machine(tmp_path, log.stem), pool="prefork") for log in logs]
    try:
        wait_for(lambda: all(log.exists() and "ready." in log.read_text() for log in logs), 30,
                 "both workers to start", *logs)
        for video in videos:
            publish(tasks.transcode_video, broker, queue="media", args=(video.pk,))
        wait_for(lambda: settled(*videos), 55, "the transcodes to finish", *logs)
        # A visibility timeout and a restore sweep after the last one finished: a message still
        # unacknowledged would have been handed to a worker again by now.
        time.sleep(float(VISIBILITY) + 2)
        deliveries = [received(log) for log in logs]
        assert all(worker.poll() is None for worker in workers), "a worker died"
    finally:
        for worker in workers:
            kill(worker)
    for video in videos:
        assert video.state == VideoState.READY, video.failure_detail
        assert video.attempts == 1
        ran_for = (video.updated_at - video.processing_started_at).total_seconds()
        assert ran_for > float(VISIBILITY) + 1, f"the transcode ({ran_for:.1f} s) must outlast the visibility timeout"
    # Three messages, three deliveries in all, and both machines worked.
    assert sorted(map(len, deliveries)) == [1, 2], deliveries
    assert sorted(deliveries[0] + deliveries[1]) == sorted(set(deliveries[0] + deliveries[1]))
    assert sum(log.read_text().count("succeeded in") for log in logs) == 3
    # Every ladder is in the one shared folder, readable here (the web node) whichever machine wrote it.
    for video in videos:
        files = hls_files(video)
        assert any(path.name == "master.m3u8" for path in files)
        assert all(path.stat().st_size > 0 for path in files)
        assert video.renditions.count() >= 1
    # Nothing of any run stayed in the shared scratch folder or in the machines' own folders.
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").iterdir())
    for log in logs:
        assert not list((tmp_path / log.stem).rglob("*.ts"))


def test_it_recovers_a_killed_machines_transcode_on_another_by_the_sweep_only(tmp_path: Path,
                                                                              redis_server: Any) -> None:
    """The transcode is acknowledged when it starts, so a machine that dies mid-run leaves nothing for
    Redis to redeliver; the beat sweep (``recover_stalled_videos``) re-sends it once the heartbeat is
    stale, and the other machine completes it from the shared original."""
    video = register_video_from_path(builders.clip(tmp_path / "long.mp4", size="854x480", seconds=8))
    broker = redis_server.url(0)
    log_a, log_b = tmp_path / "machine-a.log", tmp_path / "machine-b.log"
    machine_a = start_worker(broker, "media", log_a, env=machine(tmp_path, "machine-a"), pool="prefork")
    machine_b = None
    try:
        publish(tasks.transcode_video, broker, queue="media", args=(video.pk,))

        def busy() -> bool:
            video.refresh_from_db()
            return video.state == VideoState.PROCESSING and video.progress > 0

        wait_for(busy, 30, "machine A to start transcoding", log_a)
        kill(machine_a)  # the machine goes down: worker, pool child and ffmpeg
        half = list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").glob(f"{video.storage_key}-*"))
        assert half, "machine A left its temporary folder in the shared scratch folder"
        machine_b = start_worker(broker, "media,default", log_b, env=machine(tmp_path, "machine-b"),
                                 pool="prefork")
        wait_for(lambda: "ready." in log_b.read_text(), 30, "machine B to start", log_b)
        # Well past the visibility timeout and a few restore sweeps: Redis has nothing to give back.
        time.sleep(float(VISIBILITY) + 3)
        assert received(log_b) == []
        video.refresh_from_db()
        assert video.state == VideoState.PROCESSING and video.attempts == 1
        # Beat's entry, run by machine B's worker; sent twice, as two beats or two ticks would.
        publish(tasks.recover_stalled_videos, broker, queue="default")
        publish(tasks.recover_stalled_videos, broker, queue="default")
        wait_for(lambda: settled(video), 45, "the re-sent transcode to finish", log_b)
        time.sleep(float(VISIBILITY) + 2)
    finally:
        kill(machine_a)
        kill(machine_b)
    assert video.state == VideoState.READY, video.failure_detail
    assert video.attempts == 2  # machine A's run, then machine B's, nothing else
    assert len(received(log_b)) == 1  # one resend for two sweeps
    assert (Path(settings.MEDIA_ROOT) / video.hls_dir / "master.m3u8").is_file()
    assert not list((Path(settings.MEDIA_ROOT) / "videos" / "tmp").iterdir())


SILENT_FFMPEG = """\
#!{python}
# A fake ffmpeg for the watchdog test: probes (``ffmpeg -i FILE``) go to the real binary; a transcode
# prints a little progress, writes its pid, then hangs without printing anything more.
import os, sys, time
if "-progress" not in sys.argv:
    os.execv({real!r}, [{real!r}, *sys.argv[1:]])
with open({pidfile!r}, "w") as fh:
    fh.write(str(os.getpid()))
for n in range(1, 4):
    sys.stdout.write("out_time_us=%d\\nprogress=continue\\n" % (n * 500000))
    sys.stdout.flush()
    time.sleep(0.2)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_it_kills_a_silent_ffmpeg_fails_the_video_with_a_reason_and_another_machine_redoes_it(
        tmp_path: Path, redis_server: Any) -> None:
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    pidfile = tmp_path / "ffmpeg.pid"
    fake.write_text(SILENT_FFMPEG.format(python=sys.executable, real=ffmpeg_binary(), pidfile=str(pidfile)))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    video = register_video_from_path(builders.clip(tmp_path / "clip.mp4", size="640x360", seconds=4))
    broker = redis_server.url(0)
    log_a, log_b = tmp_path / "machine-a.log", tmp_path / "machine-b.log"
    # Machine A has the hanging ffmpeg; the watchdog gives up after 2 s without progress output.
    machine_a = start_worker(broker, "media", log_a, env=machine(tmp_path, "machine-a"), pool="prefork",
                             FFMPEG_BINARY=str(fake), MEDIA_FFMPEG_STALL_SECONDS="2")
    machine_b = None
    try:
        publish(tasks.transcode_video, broker, queue="media", args=(video.pk,))
        wait_for(lambda: settled(video), 40, "the watchdog to stop the silent ffmpeg", log_a)
        assert machine_a.poll() is None, "the worker survived; only ffmpeg was killed"
        pid = int(pidfile.read_text())
        assert not alive(pid), "the silent ffmpeg is still running"
        assert video.state == VideoState.FAILED
        assert video.failure_reason == "转码连续 2 秒没有进展，已被停止。请重新转码；如果再次停止，请检查文件。"
        assert video.attempts == 1 and video.heartbeat_at is None
        assert not (Path(settings.MEDIA_ROOT) / video.hls_dir).exists()
        stop(machine_a)

        # The trainer requeues it; machine B (a working ffmpeg) transcodes the same shared original.
        machine_b = start_worker(broker, "media", log_b, env=machine(tmp_path, "machine-b"), pool="prefork")
        assert requeue_video(video)
        publish(tasks.transcode_video, broker, queue="media", args=(video.pk,))
        wait_for(lambda: settled(video), 40, "machine B to transcode the requeued video", log_b)
    finally:
        kill(machine_a)
        kill(machine_b)
    assert video.state == VideoState.READY, video.failure_detail
    assert video.attempts == 2 and video.failure_reason == ""
    assert (Path(settings.MEDIA_ROOT) / video.hls_dir / "master.m3u8").is_file()
    assert len(received(log_a)) == 1 and len(received(log_b)) == 1


def test_it_awards_a_passed_exam_once_when_the_worker_dies_between_the_commit_and_the_publish(
        personas: Personas, tmp_path: Path, redis_server: Any) -> None:
    """The expired-attempt sweep submits 张三's exam in a worker; the worker is SIGKILLed after the
    submission committed and before the broker took the award. The award was written to the outbox in
    the submission's transaction: the other machine's flush sends it, and the points are awarded once."""
    ensure_default_rules(dt.date(2026, 1, 1))
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank)
    member = personas.member
    attempt, _created = do_start_attempt(member, exam)
    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        do_save_answer(attempt, item["v"], to_displayed(version.answer, item["p"])[0])
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))

    broker = redis_server.url(0)
    gate = tmp_path / "gate"
    gate.mkdir()
    log_a, log_b = tmp_path / "machine-a.log", tmp_path / "machine-b.log"
    outbox_env = {"TASKS_OUTBOX_GRACE_SECONDS": "2"}
    machine_a = start_worker(broker, "default", log_a, env={**machine(tmp_path, "machine-a"), **outbox_env},
                             pool="prefork", DJANGO_SETTINGS_MODULE="tests.faults.worker_settings",
                             FAULTS_HOLD_PUBLISH=post_credit_task.name, FAULTS_BLOCK_DIR=str(gate))
    machine_b = None
    try:
        publish(sweep_expired_attempts, broker, queue="default")
        wait_for((gate / "held").exists, 40, "the sweep to submit the attempt and reach the award's publish", log_a)
        attempt.refresh_from_db()
        assert attempt.submitted_at is not None and attempt.passed  # committed
        assert OutboxTask.objects.filter(task=post_credit_task.name).count() == 1
        kill(machine_a)  # between the commit and the publish
        assert not CreditEntry.objects.exists()
        assert OutboxTask.objects.filter(task=post_credit_task.name).count() == 1, "the award is still waiting"

        # Machine B's worker flushes the outbox when it starts (and beat every minute; sent twice here).
        machine_b = start_worker(broker, "default", log_b, env={**machine(tmp_path, "machine-b"), **outbox_env},
                                 pool="prefork")
        wait_for(lambda: CreditEntry.objects.exists() and not OutboxTask.objects.exists(), 40,
                 "machine B to send and run the award", log_b)
        publish(flush_task_outbox, broker, queue="default")
        publish(post_credit_task, broker, queue="default",
                args=(member.pk, "exam", exam.pk, attempt.submitted_at.isoformat(), None))  # a duplicate message
        wait_for(lambda: len(received(log_b, post_credit_task.name)) >= 2
                 and log_b.read_text().count("succeeded in") >= 3, 30, "the duplicate to be handled", log_b)
    finally:
        kill(machine_a)
        kill(machine_b)
    entry = CreditEntry.objects.get()
    assert (entry.member_id, entry.source_type, entry.source_id) == (member.pk, "exam", exam.pk)
    # All 5 questions × 2 points right: 10 of 10 points, i.e. 100 % of the exam, the top score band of the
    # default rule (90 % and more: 6 points). The quantity is the percentage, not the raw score (10), which
    # the 60/80/90 bands used to be compared with (and earned 0.00).
    assert Attempt.objects.get(pk=attempt.pk).score == Decimal("10.00")
    assert (entry.quantity, entry.points) == (Decimal("100.00"), Decimal("6.00"))
    assert not OutboxTask.objects.exists()
    assert "succeeded" not in log_a.read_text()  # the killed machine finished nothing


def test_it_publishes_one_ranking_snapshot_and_one_scheduled_page_with_two_beats_running(
        personas: Personas, wagtail_site: Any, tmp_path: Path, redis_server: Any) -> None:
    """Beat is enabled on one machine only, but a second one runs by mistake: both send the scheduled
    publishing and the ranking snapshot every 4 s to two machines' workers. The page is published once,
    and each ranking (kind, root organization, period) is published once."""
    course = make_course("两学一做专题")
    course.go_live_at = timezone.now() + dt.timedelta(seconds=1)
    course.save_revision().publish()  # scheduled, not live yet
    course.refresh_from_db()
    assert not course.live and Revision.page_revisions.filter(object_id=str(course.pk),
                                                              approved_go_live_at__isnull=False).count() == 1
    roots = Organization.objects.filter(depth=1).count()

    broker = redis_server.url(0)
    env = {"DJANGO_SETTINGS_MODULE": "tests.faults.beat_settings", "FAULTS_BEAT_SECONDS": "4",
           "FAULTS_TODAY": "2026-11-01"}  # the 1st: October's rankings are due
    logs = {name: tmp_path / f"{name}.log" for name in ("machine-a", "machine-b", "beat-a", "beat-b")}
    processes = []
    try:
        for name in ("machine-a", "machine-b"):
            processes.append(start_worker(broker, "default", logs[name], env={**machine(tmp_path, name), **env},
                                          pool="prefork"))
        wait_for(lambda: all(logs[n].exists() and "ready." in logs[n].read_text() for n in ("machine-a", "machine-b")),
                 30, "both workers to start", logs["machine-a"], logs["machine-b"])
        for name in ("beat-a", "beat-b"):
            processes.append(start_beat(broker, tmp_path / name, logs[name], **env))

        def sent(task: str) -> int:
            return sum(logs[n].read_text().count(f"Sending due task {task}") for n in ("beat-a", "beat-b")
                       if logs[n].exists())

        # Two ticks of each beat: four copies of each task in all.
        wait_for(lambda: sent("credits-publish-rankings") >= 4 and sent("courses-publish-scheduled") >= 4, 40,
                 "both beats to send each entry twice", logs["beat-a"], logs["beat-b"])
        def ran(task: str) -> int:
            return sum(len(re.findall(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded in", logs[n].read_text()))
                       for n in ("machine-a", "machine-b"))

        wait_for(lambda: ran("courses.tasks.publish_scheduled_pages") >= 4
                 and ran("school.credits.tasks.snapshot_rankings_task") >= 4, 40,
                 "the workers to run every copy", logs["machine-a"], logs["machine-b"])
        assert all(process.poll() is None for process in processes)
    finally:
        for process in processes:
            kill(process)
    course.refresh_from_db()
    assert course.live
    assert PageLogEntry.objects.filter(page=course, action="wagtail.publish.scheduled").count() == 1
    published = RankingSnapshot.objects.filter(published=True)
    assert published.count() == roots * len(RankingKind.values)
    assert set(published.values_list("period", flat=True)) == {"2026-10"}
    assert published.values("kind", "scope", "period").distinct().count() == published.count()
    assert not RankingSnapshot.objects.filter(published=False).exists()  # no draft left behind
