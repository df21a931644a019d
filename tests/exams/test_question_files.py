"""Question banks from elsewhere: spreadsheets of every kind, Word documents in the Chinese layout,
Moodle GIFT and Moodle XML; exports in each format import back unchanged; bad files never crash."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exams.models import Question, QuestionBank
from exams.services.excel import COLUMNS, TEMPLATE_ROWS
from exams.services.imports import do_import_question_file, export_bank
from tests.school.builders import csv_bytes, xls_bytes

from .builders import make_bank

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]


def docx(lines: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


WORD_BANK = [
    "XX党支部应知应会题库",
    "一、单项选择题",
    "1. 党的最高理想和最终目标是（ ）。",
    "A. 实现共产主义    B. 全面建成小康社会",
    "C. 实现现代化",
    "答案：A",
    "解析：党章总纲。",
    "难度：2",
    "知识点：党章、理想信念",
    "2、我们党的根本宗旨是（ ）。",
    "A、全心全意为人民服务",
    "B、发展经济",
    "【答案】A",
    "二、多选题",
    "（1）“四个意识”包括（ ）。",
    "A．政治意识 B．大局意识 C．核心意识 D．看齐意识",
    "正确答案：ABCD",
    "三、判断题",
    "1. 预备党员的预备期为一年。",
    "答案：正确",
    "四、填空题",
    "1. 党的根本宗旨是____。",
    "答案：全心全意为人民服务|为人民服务",
]


def snapshot(bank: QuestionBank) -> list[tuple[object, ...]]:
    return sorted(
        (q.qtype, q.stem, tuple(q.options), json.dumps(q.answer), q.difficulty, q.source, q.explanation,
         tuple(sorted(q.tags.values_list("name", flat=True))))
        for q in bank.questions.all()
    )


def test_it_imports_a_word_question_bank_in_the_chinese_layout(personas):
    bank = make_bank(personas.trainer)
    result = do_import_question_file("题库.docx", docx(WORD_BANK), bank=bank)
    assert result.ok, result.errors
    assert result.created == 5
    first = bank.questions.get(stem="党的最高理想和最终目标是（ ）。")
    assert first.options == ["实现共产主义", "全面建成小康社会", "实现现代化"] and first.answer == [0]
    assert (first.difficulty, first.explanation) == (2, "党章总纲。")
    assert sorted(first.tags.values_list("name", flat=True)) == ["党章", "理想信念"]
    assert bank.questions.get(qtype="multiple").answer == [0, 1, 2, 3]
    assert bank.questions.get(qtype="judge").answer == [0]
    assert bank.questions.get(qtype="fill").answer == [["全心全意为人民服务", "为人民服务"]]


def test_it_names_the_paragraph_of_a_bad_word_question_and_writes_nothing(personas):
    bank = make_bank(personas.trainer)
    lines = [*WORD_BANK[:9], "2. 没有选项也没有答案的题"]
    result = do_import_question_file("题库.docx", docx(lines), bank=bank)
    assert not result.ok and result.errors[0].row == 10
    assert bank.questions.count() == 0


def test_it_offers_a_word_example_that_imports(personas, client_for):
    response = client_for(personas.trainer).get("/admin/exams-tools/import/example.docx")
    assert response.status_code == 200
    bank = make_bank(personas.trainer)
    result = do_import_question_file("示例.docx", response.content, bank=bank)
    assert result.ok and result.created == len(TEMPLATE_ROWS)


GIFT = """// 来自另一个平台
$CATEGORY: $course$/党章/总纲

::Q1:: 党的最高理想是什么？ {=实现共产主义 ~全面小康 # 不对 ~现代化 ####党章总纲。}

::Q2::[html]<p>“四个意识”包括（ ）</p>{
  ~%50%政治意识
  ~%50%大局意识
  ~%-100%经济意识
}

::Q3:: 党章是根本大法。{F}

::Q4:: 党的根本宗旨是\\{   \\}什么？{=全心全意为人民服务 =为人民服务}

::Q5:: 谈谈你的学习体会。{}

// 数值题和连线题本平台没有
::Q6:: 党的二十大召开于哪一年？ {#2022:0}

::Q7:: 连线 {=遵义会议 -> 1935 =古田会议 -> 1929}
"""


def test_it_imports_gift_and_names_the_types_it_does_not_have(personas):
    bank = make_bank(personas.trainer)
    result = do_import_question_file("q.gift", GIFT.encode(), bank=bank)
    assert not result.ok
    assert [(e.row, e.message.split("“")[1].split("”")[0]) for e in result.errors] == [
        (16, "essay"), (19, "numerical"), (21, "matching")]
    assert bank.questions.count() == 0
    result = do_import_question_file("q.gift", GIFT.encode(), bank=bank, skip_unsupported=True)
    assert result.ok and result.created == 4
    single = bank.questions.get(qtype="single")
    assert single.answer == [0] and single.explanation == "党章总纲。"
    assert list(single.tags.values_list("name", flat=True)) == ["总纲"]
    assert bank.questions.get(qtype="multiple").answer == [0, 1]
    assert bank.questions.get(qtype="multiple").stem == "“四个意识”包括（ ）"
    assert bank.questions.get(qtype="judge").answer == [1]
    fill = bank.questions.get(qtype="fill")
    assert fill.stem == "党的根本宗旨是{   }什么？" and fill.answer == [["全心全意为人民服务", "为人民服务"]]


MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/党史/新民主主义革命</text></category></question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html"><text><![CDATA[<p>中国共产党成立于（ ）年。</p>]]></text></questiontext>
    <generalfeedback format="html"><text>1921 年。</text></generalfeedback>
    <single>true</single>
    <answer fraction="100" format="html"><text>1921</text></answer>
    <answer fraction="0" format="html"><text>1949</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Q2</text></name>
    <questiontext format="plain_text"><text>遵义会议在1935年召开。</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="matching">
    <name><text>Q3</text></name>
    <questiontext format="html"><text>连线</text></questiontext>
  </question>
</quiz>
"""


def test_it_imports_moodle_xml_and_names_the_types_it_does_not_have(personas):
    bank = make_bank(personas.trainer)
    result = do_import_question_file("q.xml", MOODLE_XML.encode(), bank=bank)
    assert not result.ok and "matching" in result.errors[0].message and result.errors[0].row == 18
    result = do_import_question_file("q.xml", MOODLE_XML.encode(), bank=bank, skip_unsupported=True)
    assert result.ok and result.created == 2
    single = bank.questions.get(qtype="single")
    assert (single.stem, single.options, single.answer) == ("中国共产党成立于（ ）年。", ["1921", "1949"], [0])
    assert list(single.tags.values_list("name", flat=True)) == ["新民主主义革命"]
    assert bank.questions.get(qtype="judge").answer == [0]


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "gift", "xml"])
def test_it_reimports_an_exported_bank_unchanged(personas, fmt):
    bank = make_bank(personas.trainer)
    rows: list[list[object]] = [*TEMPLATE_ROWS,
            ["多选题", "含特殊字符 {a} = ~b #c: 的题\n第二行", "选项=1", "选项~2", "选项#3", "", "", "", "", "", "AC", 4,
             "标签甲", "", "解析=公式"],
            ["填空题", "____和____", "", "", "", "", "", "", "", "", "甲|乙；丙", 1, "", "", ""]]
    sheet: list[list[object]] = [list(HEADERS), *rows]
    assert do_import_question_file("bank.xls", xls_bytes(sheet), bank=bank).ok
    content, name, _type = export_bank(bank, fmt)
    copy = make_bank(personas.trainer, "副本")
    result = do_import_question_file(name, content, bank=copy)
    assert result.ok, result.errors
    assert result.created == len(rows)
    assert snapshot(copy) == snapshot(bank)
    again = do_import_question_file(name, content, bank=bank)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))


def test_it_imports_a_gbk_csv_question_sheet_with_a_title_row(personas):
    bank = make_bank(personas.trainer)
    content = csv_bytes([["二〇二六年应知应会题库"], HEADERS, *TEMPLATE_ROWS], encoding="gbk")
    result = do_import_question_file("题库.csv", content, bank=bank)
    assert result.ok and result.created == len(TEMPLATE_ROWS)


BAD_FILES = {
    "empty.xlsx": b"",
    "damaged.xlsx": b"PK\x03\x04broken",
    "damaged.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    "binary.csv": bytes(range(256)) * 4,
    "no-headers.csv": "a,b\n1,2\n".encode("gbk"),
    "damaged.docx": b"PK\x03\x04broken",
    "not-a-word.docx": b"%PDF-1.4 nothing",
    "empty.docx": docx(["只有标题，没有题目"]),
    "binary.gift": bytes(range(256)) * 4,
    "no-questions.gift": b"// only a comment\n",
    "broken.xml": b"<quiz><question type=",
    "other.xml": b"<html><body>no quiz</body></html>",
    "bad.jsonl": b"{not json}\n",
    "picture.png": b"\x89PNG\r\n\x1a\n",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_it_reports_bad_files_from_the_command_and_leaves_no_bank(personas, tmp_path, capsys, name):
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "新题库", "--owner", "teacher")
    assert "Traceback" not in capsys.readouterr().err
    assert not QuestionBank.objects.filter(name="新题库").exists()
    assert Question.objects.count() == 0


def test_it_previews_the_first_questions_in_the_admin_before_importing(personas, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bank = make_bank(personas.trainer)
    client = client_for(personas.trainer)
    upload = SimpleUploadedFile("题库.docx", docx(WORD_BANK))
    response = client.post("/admin/exams-tools/import/", {"bank": bank.pk, "file": upload, "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200 and "党的最高理想和最终目标是（ ）。" in page
    assert bank.questions.count() == 0
    token = response.context["upload"]
    response = client.post("/admin/exams-tools/import/", {"bank": bank.pk, "upload": token, "action": "import"})
    assert response.status_code == 302
    assert bank.questions.count() == 5


def test_it_shows_the_unsupported_types_in_the_admin_preview(personas, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bank = make_bank(personas.trainer)
    upload = SimpleUploadedFile("q.gift", GIFT.encode())
    response = client_for(personas.trainer).post("/admin/exams-tools/import/",
                                                  {"bank": bank.pk, "file": upload, "action": "preview"})
    assert "essay" in response.content.decode() and "upload" not in response.context
    assert bank.questions.count() == 0
