"""The task outbox: a task the broker does not take is stored (with the reason) instead of lost, sent
again by the flush, and every app's dispatch goes through it."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import kombu.exceptions
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from school import dbclock, outbox
from school.celery import app
from school.credits.tasks import post_credit_task, recompute_scores_task
from school.models import OutboxTask
from tests.factories import Personas

pytestmark = pytest.mark.django_db


class Broker:
    """Stands in for ``task.delay`` of the tasks a test watches: records what it takes, refuses while down."""

    def __init__(self) -> None:
        self.down = False
        self.taken: list[tuple[str, tuple[Any, ...]]] = []
        self.tries = 0

    def delay_for(self, task: Any) -> Callable[..., None]:
        def delay(*args: Any, **kwargs: Any) -> None:
            self.tries += 1
            if self.down:
                raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            self.taken.append((task.name, args))

        return delay


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Broker]:
    from exams.tasks import post_practice_credits
    from media.tasks import transcode_video
    from school.tasks import flush_task_outbox, process_member_import
    from search.tasks import index_page, remove_page

    fake = Broker()
    for task in (post_credit_task, recompute_scores_task, transcode_video, process_member_import, index_page,
                 remove_page, post_practice_credits, flush_task_outbox):
        monkeypatch.setattr(task, "delay", fake.delay_for(task))
    monkeypatch.setattr(outbox, "_request_flush", lambda: None)
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    yield fake


def test_it_stores_a_task_the_broker_refused_and_sends_it_once_the_broker_is_back(broker: Broker) -> None:
    broker.down = True
    assert outbox.send(post_credit_task, 7, "lesson", 12, "2026-11-02T10:00:00+08:00", None) is False
    row = OutboxTask.objects.get()
    assert row.task == "school.credits.tasks.post_credit_task" and row.queue == "default"
    assert row.args == [7, "lesson", 12, "2026-11-02T10:00:00+08:00", None]
    assert "Connection refused" in row.reason and row.attempts == 1

    still_down = outbox.flush()
    assert (still_down.sent, still_down.failed, still_down.remaining) == (0, 1, 1)
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at <= timezone.now()  # stays due: sent as soon as possible

    broker.down = False
    result = outbox.flush()
    assert (result.sent, result.failed, result.remaining) == (1, 0, 0)
    assert broker.taken == [("school.credits.tasks.post_credit_task", (7, "lesson", 12, "2026-11-02T10:00:00+08:00",
                                                                        None))]
    assert not OutboxTask.objects.exists()


def test_it_does_not_try_a_broker_that_failed_moments_ago(broker: Broker, settings: Any) -> None:
    settings.TASKS_OUTBOX_RETRY_SECONDS = 60
    broker.down = True
    outbox.send(post_credit_task, 1, "lesson", 2, "2026-11-02T10:00:00+08:00", None)
    broker.down = False
    for source_id in (3, 4):  # a broker that does not answer at all would cost a timeout each time
        assert outbox.send(post_credit_task, 1, "lesson", source_id, "2026-11-02T10:00:00+08:00", None) is False
    assert broker.tries == 1 and OutboxTask.objects.count() == 3
    assert "moments ago" in OutboxTask.objects.order_by("id").last().reason
    assert outbox.flush().sent == 3  # the flush is the probe: it always tries
    outbox._broker_down_until = 0.0  # TASKS_OUTBOX_RETRY_SECONDS later
    assert outbox.send(post_credit_task, 1, "lesson", 5, "2026-11-02T10:00:00+08:00", None) is True


def test_it_writes_the_row_with_the_data_change_and_drops_it_once_the_broker_took_the_task(
        broker: Broker, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox.send_on_commit(recompute_scores_task, ["2026-11"])
        row = OutboxTask.objects.get()  # in the same transaction as the change it belongs to
        assert row.next_attempt_at > timezone.now() and broker.taken == []
    assert len(callbacks) == 1
    assert broker.taken == [("school.credits.tasks.recompute_scores_task", (["2026-11"],))]
    assert not OutboxTask.objects.exists()


def test_it_keeps_the_row_when_the_broker_is_down_at_commit(broker: Broker,
                                                            django_capture_on_commit_callbacks: Any) -> None:
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.send_on_commit(recompute_scores_task, ["2026-11"])
    row = OutboxTask.objects.get()
    assert row.attempts == 1 and "OperationalError" in row.reason and row.next_attempt_at <= timezone.now()


def test_it_drops_the_row_and_the_task_with_a_rolled_back_change(broker: Broker,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                outbox.send_on_commit(recompute_scores_task, ["2026-11"])
                raise RuntimeError("the data change failed")
        except RuntimeError:
            pass
    assert callbacks == [] and broker.taken == [] and not OutboxTask.objects.exists()


def test_it_sends_a_row_left_by_a_process_that_died_after_commit_once_its_grace_is_over(broker: Broker,
                                                                                        settings: Any) -> None:
    settings.TASKS_OUTBOX_GRACE_SECONDS = 30
    with transaction.atomic():  # committed, but the process died before its after-commit send
        outbox.send_on_commit(recompute_scores_task, ["2026-10"])
    assert outbox.flush().sent == 0  # maybe its process is just about to send it
    OutboxTask.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert outbox.flush().sent == 1
    assert broker.taken == [("school.credits.tasks.recompute_scores_task", (["2026-10"],))]


def test_it_sends_a_row_once_when_its_transaction_ran_longer_than_the_grace(
        broker: Broker, settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS_OUTBOX_GRACE_SECONDS = 30
    real_now = dbclock.now
    with (django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic(),
          monkeypatch.context() as earlier):
        earlier.setattr(dbclock, "now", lambda: real_now() - dt.timedelta(seconds=31))  # written 31 s before the commit
        outbox.send_on_commit(recompute_scores_task, ["2026-10"])
    assert outbox.flush().sent == 1  # a flush between the commit and the process's own publish
    for publish in callbacks:
        publish()
    assert broker.taken == [("school.credits.tasks.recompute_scores_task", (["2026-10"],))]


def test_it_counts_the_grace_from_the_commit(broker: Broker, settings: Any, monkeypatch: pytest.MonkeyPatch,
                                              django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS_OUTBOX_GRACE_SECONDS = 30
    real_now = dbclock.now
    with (django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic(),
          monkeypatch.context() as earlier):
        earlier.setattr(dbclock, "now", lambda: real_now() - dt.timedelta(seconds=31))  # written 31 s before the commit
        outbox.send_on_commit(recompute_scores_task, ["2026-10"])

    def dies(*args: Any) -> None:
        raise SystemExit("killed while publishing")

    monkeypatch.setattr(outbox, "_publish", dies)
    with pytest.raises(SystemExit):
        callbacks[0]()  # the process's own publish, right after the commit

    row = OutboxTask.objects.get()
    assert row.next_attempt_at >= dbclock.now() + dt.timedelta(seconds=25)  # 30 s from the commit, not the insert
    assert outbox.flush().sent == 0 and broker.taken == []


def test_it_judges_the_grace_by_the_database_clock_not_this_machine_s(
        broker: Broker, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TASKS_OUTBOX_GRACE_SECONDS = 30
    with transaction.atomic():  # committed; its process is about to send it
        outbox.send_on_commit(recompute_scores_task, ["2026-10"])
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=5))  # this clock runs ahead

    assert outbox.flush().sent == 0 and outbox.due() == 0
    assert broker.taken == []


def test_it_does_not_send_a_row_claimed_by_another_flusher(broker: Broker) -> None:
    broker.down = True
    outbox.send(recompute_scores_task, ["2026-10"])
    broker.down = False
    OutboxTask.objects.update(next_attempt_at=timezone.now() + dt.timedelta(seconds=outbox.LEASE_SECONDS))
    assert outbox.flush().sent == 0 and broker.taken == []
    assert outbox.flush(everything=True).sent == 1  # the operator's --all


def test_it_backs_off_a_row_that_cannot_be_sent_and_sends_the_others(broker: Broker,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    broker.down = True
    outbox.send(recompute_scores_task, ["2026-11"])
    outbox.send(post_credit_task, 1, "lesson", 3, "2026-11-02T10:00:00+08:00", None)
    broker.down = False

    def unserializable(*args: Any) -> None:
        raise kombu.exceptions.EncodeError("Object of type set is not JSON serializable")

    monkeypatch.setattr(recompute_scores_task, "delay", unserializable)
    result = outbox.flush()
    assert (result.sent, result.failed, result.remaining) == (1, 1, 1)
    poisoned = OutboxTask.objects.get()
    assert poisoned.task == "school.credits.tasks.recompute_scores_task" and "EncodeError" in poisoned.reason
    assert poisoned.next_attempt_at > timezone.now() + dt.timedelta(seconds=5)


def test_it_lists_and_flushes_from_the_command(broker: Broker) -> None:
    broker.down = True
    for n in range(3):
        outbox.send(post_credit_task, n, "lesson", 2, "2026-11-02T10:00:00+08:00", None)
    out = StringIO()
    call_command("task_outbox", stdout=out)
    assert "school.credits.tasks.post_credit_task: 3 waiting since" in out.getvalue()
    assert "Connection refused" in out.getvalue() and "3 due now" in out.getvalue()
    with pytest.raises(CommandError, match="still refuses"):
        call_command("task_outbox", "--flush", stdout=StringIO())
    broker.down = False
    out = StringIO()
    call_command("task_outbox", "--flush", stdout=out)
    assert "3 sent, 0 failed, 0 left" in out.getvalue() and len(broker.taken) == 3
    out = StringIO()
    call_command("task_outbox", stdout=out)
    assert "task outbox: empty" in out.getvalue()


def test_it_sends_by_name_to_the_stored_queue_a_task_this_process_does_not_know(monkeypatch: pytest.MonkeyPatch
                                                                                  ) -> None:
    sent: list[tuple[str, Any, str | None]] = []
    monkeypatch.setattr(app, "send_task", lambda name, args=None, kwargs=None, queue=None, **kw: sent.append(
        (name, args, queue)))
    OutboxTask.objects.create(task="media.tasks.not_imported_here", args=[5], queue="media",
                              next_attempt_at=timezone.now())
    assert outbox.flush().sent == 1
    assert sent == [("media.tasks.not_imported_here", [5], "media")]


def test_it_stores_the_task_when_the_real_broker_refuses_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real publish through Celery and kombu to a Redis port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    assert app.conf.task_publish_retry_policy["max_retries"] <= 2  # a page never waits long for a dead broker
    with app.connection_for_write(closed) as conn:
        monkeypatch.setattr(recompute_scores_task, "delay",
                            lambda *args: recompute_scores_task.apply_async(args, connection=conn))  # type: ignore[call-arg]
        assert outbox.send(recompute_scores_task, ["2026-11"]) is False
    row = OutboxTask.objects.get()
    assert row.task == "school.credits.tasks.recompute_scores_task" and "Connection refused" in row.reason


def test_it_keeps_the_tasks_of_every_app_while_the_broker_is_down(
        personas: Personas, broker: Broker, django_capture_on_commit_callbacks: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from courses.services.site import ensure_site_pages
    from courses.signals import lesson_completed
    from exams.models import PracticeDay
    from exams.tasks import post_practice_credits
    from media.services import register_video_from_path
    from school.services import do_submit_member_import
    from tests.courses.builders import make_course, make_reading
    from tests.school.builders import MEMBER_HEADERS, workbook

    with django_capture_on_commit_callbacks(execute=True):  # the broker is up: sent, no rows left
        course = make_course("党章学习")
        lesson = make_reading(course)
        ensure_site_pages()
    assert not OutboxTask.objects.exists()
    broker.taken.clear()
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        clip = tmp_path / "clip.mp4"
        clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
        video = register_video_from_path(clip)
        lesson.save_revision().publish()
        record = do_submit_member_import(SimpleUploadedFile("m.xlsx", workbook(MEMBER_HEADERS, []).getvalue()),
                                      user=personas.admin_a)
        lesson_completed.send(sender=None, member_id=personas.member.pk, lesson_id=lesson.pk,
                              completed_at=timezone.now())
    PracticeDay.objects.create(member=personas.member, date=timezone.localdate() - dt.timedelta(days=1), points=3)
    post_practice_credits()
    stored = {(row.task, row.args[0] if len(row.args) == 1 else tuple(row.args[:3]))
              for row in OutboxTask.objects.all()}
    assert ("media.tasks.transcode_video", video.pk) in stored
    assert ("search.tasks.index_page", lesson.pk) in stored
    assert ("school.tasks.process_member_import", record.pk) in stored
    assert ("school.credits.tasks.post_credit_task", (personas.member.pk, "lesson", lesson.pk)) in stored
    day = PracticeDay.objects.get()
    assert ("school.credits.tasks.post_credit_task", (personas.member.pk, "practice", day.pk)) in stored
    assert OutboxTask.objects.filter(attempts=0).count() == 0  # every row says why it waits
    assert broker.taken == []

    broker.down = False
    result = outbox.flush(everything=True)
    assert result.remaining == 0 and result.sent == len(broker.taken) >= 5
