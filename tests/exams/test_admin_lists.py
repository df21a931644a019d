"""The exams admin lists show useful columns with Chinese headers: a bank's active and inactive question counts,
an exam's target organizations, author and publication."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest

from exams.models import Question

from .builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db


class Rows(dict[str, list[str]]):
    def __missing__(self, name: str) -> list[str]:
        return next(cells for cells in self.values() if any(cell.startswith(name) for cell in cells))


def table(html: str) -> tuple[list[str], Rows]:
    document = lxml.html.fromstring(html)
    listing = "//table[contains(@class,'listing')]"
    headers = [" ".join(th.text_content().split()) for th in document.xpath(f"{listing}//thead//th")]
    rows = Rows()
    for n, tr in enumerate(document.xpath(f"{listing}//tbody/tr")):
        rows[str(n)] = [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
    return headers, rows


def test_the_bank_list_counts_questions(personas: Any, client_for: Any) -> None:
    bank = make_bank(personas.trainer, "党章题库")
    fill_bank(bank, "single", 7)
    Question.objects.filter(pk__in=Question.objects.filter(bank=bank).values("pk")[:2]).update(is_active=False)
    make_bank(personas.trainer, "空题库")
    html = client_for(personas.trainer).get("/admin/exams_bank/").content.decode()
    headers, rows = table(html)
    for header in ("名称", "用途", "启用试题数", "停用试题数", "负责人", "创建时间"):
        assert any(header in h for h in headers), (header, headers)
    assert "Created at" not in html and "Owner" not in html
    assert [c for c in rows["党章题库"] if c.isdigit()] == ["5", "2"]
    assert [c for c in rows["空题库"] if c.isdigit()] == ["0", "0"]
    assert "王老师" in " ".join(rows["党章题库"])


def test_the_exam_list_names_targets_author_and_publication(personas: Any, client_for: Any) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    make_exam(personas.trainer, bank, title="支部考试", targets=[personas.a1, personas.a2])
    make_exam(personas.trainer, bank, title="全体考试", publish=False)
    html = client_for(personas.trainer).get("/admin/exams_exam/").content.decode()
    headers, rows = table(html)
    for header in ("标题", "状态", "参考组织", "创建人", "发布时间"):
        assert any(header in h for h in headers), (header, headers)
    assert "Published at" not in html
    assert "第一党支部、第二党支部" in " ".join(rows["支部考试"]) and "已发布" in " ".join(rows["支部考试"])
    assert "全部组织" in " ".join(rows["全体考试"]) and "草稿" in " ".join(rows["全体考试"])
