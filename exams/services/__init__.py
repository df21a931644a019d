"""Data changes of the exams app as typed functions, each one transaction (re-exported here)."""

from .attempts import (
    check_seed,
    do_mark_question,
    do_save_answer,
    do_start_attempt,
    do_submit_attempt,
    marked_questions,
    remaining_seconds,
    sweep_expired_attempts,
)
from .blueprint import publish_exam, validate_blueprint
from .certificates import issue_certificate, revoke_certificate
from .drawing import draw_paper
from .errors import ExamError
from .grading import normalize_text
from .review import do_publish_exam, do_return_exam, do_submit_exam_for_review

__all__ = [
    "ExamError",
    "check_seed",
    "do_mark_question",
    "do_publish_exam",
    "do_return_exam",
    "do_save_answer",
    "do_start_attempt",
    "do_submit_attempt",
    "do_submit_exam_for_review",
    "draw_paper",
    "issue_certificate",
    "marked_questions",
    "normalize_text",
    "publish_exam",
    "remaining_seconds",
    "revoke_certificate",
    "sweep_expired_attempts",
    "validate_blueprint",
]
