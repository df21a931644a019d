"""What the member sees of an attempt, shared by the JSON API and the member pages.

Before submission only stems, displayed options and the member's own responses leave the server:
no answer keys, explanations, correctness or points."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attempt, Certificate, Exam, QuestionType, QuestionVersion, ReviewPolicy
from .services.attempts import remaining_seconds
from .services.grading import letter, to_displayed

# How banks write "false" in a 判断题; every other option text reads as 正确.
_JUDGE_FALSE = {"错", "错误", "×", "✗", "✘", "否", "不对", "不正确", "f", "false", "n", "no", "wrong"}


def judge_label(text: str) -> str:
    """判断题 always show 正确 / 错误, whatever the bank wrote (对/错, √/×, 是/否, T/F …)."""
    return "错误" if text.strip().lower() in _JUDGE_FALSE else "正确"


def type_label(qtype: str) -> str:
    return str(QuestionType(qtype).label)


def displayed_options(version: QuestionVersion, permutation: list[int]) -> list[dict[str, str]]:
    order = permutation or list(range(len(version.options)))
    judge = version.qtype == QuestionType.JUDGE
    return [{"key": letter(pos), "text": judge_label(version.options[orig]) if judge else version.options[orig]}
            for pos, orig in enumerate(order)]


def answer_text(version: QuestionVersion, permutation: list[int], value: Any) -> str:
    """A response or key for display; a 判断题's letter reads 正确 / 错误."""
    if version.qtype == QuestionType.JUDGE and isinstance(value, str) and value:
        options = {o["key"]: o["text"] for o in displayed_options(version, permutation)}
        return options.get(value, value)
    return as_text(value)


def _versions(attempt: Attempt) -> dict[int, QuestionVersion]:
    return {v.pk: v for v in QuestionVersion.objects.filter(pk__in=[item["v"] for item in attempt.paper]).only(
        "id", "question_id", "qtype", "stem", "options", "answer", "explanation")}


def paper_questions(attempt: Attempt) -> list[dict[str, Any]]:
    versions = _versions(attempt)
    responses: dict[int, Any] = {}
    marked: set[int] = set()
    for version_id, response, is_marked in attempt.answers.values_list("version_id", "response", "marked"):
        responses[version_id] = response
        if is_marked:
            marked.add(version_id)
    sections = list(attempt.exam.sections.order_by("order", "id"))
    out = []
    for number, item in enumerate(attempt.paper, start=1):
        version = versions[item["v"]]
        section = sections[item["s"]]
        out.append({
            "id": version.pk,
            "number": number,
            "section": item["s"],
            "type": version.qtype,
            "type_label": type_label(version.qtype),
            "stem": version.stem,
            "options": displayed_options(version, item["p"]) if version.qtype != QuestionType.FILL else [],
            "blanks": version.blanks,
            "points": str(section.points),
            "response": responses.get(version.pk),
            "marked": version.pk in marked,
        })
    return out


def is_answered(response: Any) -> bool:
    if isinstance(response, list):
        return any(str(v).strip() for v in response)
    return bool(response)


def section_list(exam: Exam) -> list[dict[str, Any]]:
    return [
        {"index": i, "title": str(s), "type": s.qtype, "count": s.count, "points": str(s.points)}
        for i, s in enumerate(exam.sections.order_by("order", "id"))
    ]


def attempt_summary(attempt: Attempt) -> dict[str, Any]:
    """What starting returns: cheap, so that a start storm stays fast; the paper is one GET away."""
    return {
        "id": attempt.pk,
        "exam": {"id": attempt.exam_id, "title": attempt.exam.title},
        "attempt_no": attempt.attempt_no,
        "status": "open" if attempt.is_open else "submitted",
        "seed": str(attempt.seed),
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "remaining_seconds": remaining_seconds(attempt),
        "paper_url": reverse("exams:api_attempt", args=[attempt.pk]),
    }


def attempt_state(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.pk,
        "exam": {"id": attempt.exam_id, "title": attempt.exam.title},
        "attempt_no": attempt.attempt_no,
        "status": "open" if attempt.is_open else "submitted",
        "seed": str(attempt.seed),
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "remaining_seconds": remaining_seconds(attempt),
        "sections": section_list(attempt.exam),
        "questions": paper_questions(attempt) if attempt.is_open else [],
    }


def review_allowed(attempt: Attempt) -> bool:
    exam = attempt.exam
    if attempt.is_open or exam.review_policy == ReviewPolicy.NEVER:
        return False
    if exam.review_policy == ReviewPolicy.AFTER_CLOSE:
        return bool(exam.closes_at and timezone.now() >= exam.closes_at)
    return True


def correct_display(version: QuestionVersion, permutation: list[int]) -> Any:
    if version.qtype == QuestionType.FILL:
        return version.answer
    letters = to_displayed(version.answer, permutation)
    return letters if version.qtype == QuestionType.MULTIPLE else letters[0]


def as_text(value: Any) -> str:
    """A response or answer key for display: "AC", "甲；乙", fill alternatives joined by "/"."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, str):
        return value
    return "；".join("/".join(v) if isinstance(v, list) else str(v) for v in value) if any(
        isinstance(v, list) or len(str(v)) > 1 for v in value) else "".join(str(v) for v in value)


def attempt_result(attempt: Attempt) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": attempt.pk,
        "exam": {"id": attempt.exam_id, "title": attempt.exam.title},
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
        "score": str(attempt.score),
        "total": str(attempt.exam.total_points),
        "pass_mark": str(attempt.exam.pass_mark),
        "passed": attempt.passed,
        "sections": attempt.section_scores,
        "review": None,
        "review_note": "",
        "certificate": None,
    }
    certificate = Certificate.objects.filter(attempt=attempt).first()
    if certificate is not None:
        data["certificate"] = {
            "serial": certificate.serial,
            "valid": certificate.is_valid,
            # A revoked certificate has no download (its PDF is refused on every path).
            "download_url": reverse("exams:certificate_pdf", args=[certificate.serial]) if certificate.is_valid else None,
            "verify_url": reverse("exams:certificate_verify", args=[certificate.code]),
        }
    if review_allowed(attempt):
        versions = _versions(attempt)
        answers = {a.version_id: a for a in attempt.answers.all()}
        review = []
        for number, item in enumerate(attempt.paper, start=1):
            version = versions[item["v"]]
            answer = answers.get(version.pk)
            review.append({
                "id": version.pk, "number": number, "section": item["s"], "type": version.qtype,
                "type_label": type_label(version.qtype), "stem": version.stem,
                "options": displayed_options(version, item["p"]) if version.qtype != QuestionType.FILL else [],
                "response": answer.response if answer else None,
                "correct_answer": correct_display(version, item["p"]),
                "is_correct": bool(answer and answer.is_correct),
                "points": str(answer.points) if answer and answer.points is not None else "0.00",
                "explanation": version.explanation,
                "response_text": answer_text(version, item["p"], answer.response if answer else None),
                "correct_text": answer_text(version, item["p"], correct_display(version, item["p"])),
            })
        data["review"] = review
    elif attempt.exam.review_policy == ReviewPolicy.AFTER_CLOSE:
        data["review_note"] = _("Answers and explanations are shown after the exam closes.")
    else:
        data["review_note"] = _("This exam shows the score only.")
    return data
