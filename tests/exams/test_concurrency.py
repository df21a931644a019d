from __future__ import annotations

import threading

import pytest
from django.db import connection

from exams.models import Attempt
from exams.services import ExamError, do_start_attempt

from .builders import fill_bank, make_bank, make_exam


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_attempt_from_simultaneous_starts(personas) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 10)
    exam = make_exam(personas.trainer, bank, attempts_allowed=1)
    barrier = threading.Barrier(6)
    results: list[object] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(do_start_attempt(personas.member, exam)[0].pk)
        except ExamError as exc:  # a refused start is fine, a second attempt is not
            results.append(exc.code)
        except Exception as exc:  # reported by the assertion below
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Attempt.objects.filter(member=personas.member, exam=exam).count() == 1
    attempt_id = Attempt.objects.get().pk
    assert all(r == attempt_id for r in results), results
