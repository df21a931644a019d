from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from exams.models import Question, QuestionBank
from exams.services.excel import COLUMNS, export_workbook, import_workbook, template_bytes

from .builders import make_bank

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]


def sheet(rows: list[list[object]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def row(qtype: str, stem: str, options: list[str], answer: str, difficulty: object = 3, tags: str = "") -> list[object]:
    return [qtype, stem, *(options + [""] * (8 - len(options))), answer, difficulty, tags, "来源", "解析"]


def snapshot(bank: QuestionBank) -> list[tuple[object, ...]]:
    return sorted(
        (q.qtype, q.stem, tuple(q.options), json.dumps(q.answer), q.difficulty, q.source, q.explanation,
         tuple(sorted(q.tags.values_list("name", flat=True))))
        for q in bank.questions.all()
    )


def test_it_imports_the_template_and_round_trips_through_export(personas) -> None:
    bank = make_bank(personas.trainer)
    result = import_workbook(bank, io.BytesIO(template_bytes()))
    assert result.ok and result.created == 4
    judge = bank.questions.get(qtype="judge")
    assert judge.options == ["正确", "错误"] and judge.answer == [0]
    fill = bank.questions.get(qtype="fill")
    assert fill.answer == [["全心全意为人民服务", "为人民服务"]]
    exported = export_workbook(bank)
    headers = [c.value for c in next(load_workbook(io.BytesIO(exported)).worksheets[0].iter_rows(max_row=1))]
    assert headers == HEADERS
    copy = make_bank(personas.trainer, "副本")
    assert import_workbook(copy, io.BytesIO(exported)).created == 4
    assert snapshot(copy) == snapshot(bank)
    again = import_workbook(bank, io.BytesIO(exported))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_it_reports_row_errors_and_imports_nothing(personas) -> None:
    bank = make_bank(personas.trainer)
    result = import_workbook(bank, sheet([
        row("单选题", "好题", ["甲", "乙"], "A"),
        row("单选题", "坏答案", ["甲", "乙"], "E"),
        row("问答题", "坏题型", ["甲", "乙"], "A"),
        row("多选题", "坏难度", ["甲", "乙", "丙"], "AB", difficulty=9),
        row("单选题", "", ["甲", "乙"], "A"),
    ]))
    assert [e.row for e in result.errors] == [3, 4, 5, 6]
    assert "不存在的选项" in result.errors[0].message and "题型" in result.errors[1].message
    assert "难度" in result.errors[2].message and "题干" in result.errors[3].message
    assert Question.objects.count() == 0


def test_it_refuses_a_file_that_is_not_a_workbook(personas) -> None:
    bank = make_bank(personas.trainer)
    result = import_workbook(bank, io.BytesIO(b"PK\x03\x04not excel"))
    assert result.errors and "不是可以读取的表格" in result.errors[0].message


def test_it_imports_the_jsonl_corpus_format_with_its_quirks(personas, tmp_path: Path) -> None:
    records = [
        {"type": "single", "stem": "党的根本宗旨（ ）", "options": ["为人民服务", "发展"], "answer": "A",
         "answer_text": "为人民服务", "source": "github:x", "source_id": 1},
        {"type": "fill", "stem": "实现1、2、人民幸福，2018年提出。", "options": [], "answer": ["国家富强", "民族振兴"],
         "source": "github:y", "source_id": 2},
        {"type": "judge", "stem": "党章是根本大法。", "options": ["是", "否"], "answer": "B"},
        {"type": "multiple", "stem": "四个意识（ ）", "options": ["政治", "大局", "核心"], "answer": "ABC"},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    call_command("import_questions", str(path), "--bank", "语料题库", "--owner", "teacher")
    bank = QuestionBank.objects.get(name="语料题库")
    assert bank.questions.count() == 4
    fill = bank.questions.get(qtype="fill")
    assert fill.stem == "实现____、____、人民幸福，2018年提出。" and fill.answer == [["国家富强"], ["民族振兴"]]
    assert bank.questions.get(qtype="judge").answer == [1]
    assert "党章" in bank.questions.get(qtype="judge").tags.values_list("name", flat=True)
    call_command("import_questions", str(path), "--bank", "语料题库")  # idempotent
    assert bank.questions.count() == 4


def test_it_refuses_a_jsonl_file_with_a_bad_line_and_imports_nothing(personas, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"type": "single", "stem": "a", "options": ["x", "y"], "answer": "A"}\n{not json}\n',
                    encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "坏", "--owner", "teacher")
    assert Question.objects.count() == 0
