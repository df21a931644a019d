"""Exam statistics report: one function builds the tables that the admin screen shows and the Excel
export writes, so the two are identical. Reads only the precomputed stats tables (a few hundred rows
whatever the number of attempts).

Scope: trainers and superusers see every organization; an organization administrator sees the rows of
organizations inside their subtrees, and the summary and distribution are summed over those rows.
Question statistics describe questions, not people, and are shown to both."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from school.credits.periods import updated_label
from school.excel.workbook import Column, Sheet, build_sheets
from school.models import Organization
from school.permissions import admin_paths, is_org_admin, is_trainer

from ..models import Exam, ExamOrgStat, ExamQuestionStat, ExamScoreBucket
from .stats import discrimination


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class ExamReport:
    exam: Exam
    tables: list[Table]
    updated_at: dt.datetime | None = None  # the newest attempt counted in the rows shown

    @property
    def updated_label(self) -> str:
        return updated_label(self.updated_at)


def can_view_stats(user: Any) -> bool:
    return is_trainer(user) or is_org_admin(user)


def _scope(user: Any) -> Q | None:
    if is_trainer(user):
        return None
    q = Q(pk__in=[])
    for path in admin_paths(user):
        q |= Organization.subtree_q(path, "path")
    return q


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def build_exam_report(exam: Exam, user: Any, question_limit: int = 200) -> ExamReport:
    scope = _scope(user)
    orgs = ExamOrgStat.objects.filter(exam=exam).select_related("organization").order_by("path")
    buckets = ExamScoreBucket.objects.filter(exam=exam)
    if scope is not None:
        orgs, buckets = orgs.filter(scope), buckets.filter(scope)
    org_rows = list(orgs)
    submitted = sum(o.submitted for o in org_rows)
    passed = sum(o.passed for o in org_rows)
    score_sum = sum(o.score_sum for o in org_rows)
    summary = Table("summary", _("Summary"), [pgettext("exam attempts", "Submitted"), _("Passed"), _("Pass rate"), _("Average score"),
                                             _("Total points")])
    summary.rows.append([submitted, passed, _pct(passed, submitted),
                         f"{score_sum / submitted:.2f}" if submitted else "—", str(exam.total_points)])
    counts = [0] * 11
    for b in buckets:
        counts[b.bucket] += b.count
    distribution = Table("distribution", _("Score distribution"), [_("Score range"), _("Attempts"), _("Share")])
    for i, count in enumerate(counts):
        label = "100%" if i == 10 else f"{i * 10}%–{i * 10 + 10}%"
        distribution.rows.append([label, count, _pct(count, submitted)])
    organizations = Table("organizations", _("Pass rate by organization"),
                          [_("Organization"), pgettext("exam attempts", "Submitted"), _("Passed"), _("Pass rate"), _("Average score")])
    for o in org_rows:
        organizations.rows.append([o.organization.name, o.submitted, o.passed, _pct(o.passed, o.submitted),
                                   f"{o.score_sum / o.submitted:.2f}" if o.submitted else "—"])
    stats = list(ExamQuestionStat.objects.filter(exam=exam, seen__gt=0).select_related("question"))
    stats.sort(key=lambda s: (s.correct / s.seen, s.question_id))
    questions = Table("questions", _("Questions"),
                      [_("Question"), _("Answered"), _("Correct rate"), _("Discrimination")])
    for s in stats[:question_limit]:
        d = discrimination(s)
        questions.rows.append([s.question.stem[:80], s.seen, _pct(s.correct, s.seen),
                               f"{d:.2f}" if d is not None else "—"])
    missed = Table("missed", _("Most missed questions"), [_("Question"), _("Answered"), _("Wrong")])
    for s in stats[:10]:
        missed.rows.append([s.question.stem[:80], s.seen, s.seen - s.correct])
    updated = max((o.updated_at for o in org_rows if o.updated_at is not None), default=None)
    return ExamReport(exam, [summary, distribution, organizations, missed, questions], updated)


def report_workbook(report: ExamReport) -> bytes:
    return build_sheets([
        Sheet(table.title, [Column(str(i), str(header), width=40 if i == 0 else 14, kind="" if i == 0 else "auto")
                            for i, header in enumerate(table.headers)],
              table.rows)
        for table in report.tables
    ] + [Sheet(_("About this table"), [Column("note", _("About this table"), width=80)],
               [[report.exam.title], [report.updated_label]])])
