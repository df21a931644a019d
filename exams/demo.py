"""Demo content: an exam-only bank and a practice-only bank, kept apart (daily practice shows answer keys,
so it never draws exam questions), from shared/corpus/questions.jsonl when present — every fourth
question goes to practice — else from built-in samples; and a published blueprint exam for the demo
committee, with certificates on pass; and the two 答题PK modes (双人对战, 四人赛) drawing from the practice banks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import BankUse, Exam, ExamSection, QuestionBank
from .services.blueprint import publish_exam
from .services.jsonl import import_jsonl
from .services.questions import build_question_data, save_questions

SAMPLE = [
    ("单选题", "党的最高理想和最终目标是（ ）。", ["实现共产主义", "全面建成小康社会", "实现现代化", "实现民族复兴"], "A", "党章"),
    ("单选题", "预备党员的预备期为（ ）。", ["半年", "一年", "两年", "三年"], "B", "党章"),
    ("单选题", "党的根本组织原则是（ ）。", ["民主集中制", "集体领导", "个人分工负责", "少数服从多数"], "A", "党章"),
    ("单选题", "党员必须履行的义务有（ ）项。", ["六", "七", "八", "九"], "C", "党章"),
    ("单选题", "党的基层组织每届任期一般为（ ）。", ["两年", "三年至五年", "五年", "六年"], "B", "党章"),
    ("单选题", "党支部党员大会一般每（ ）召开一次。", ["月", "季度", "半年", "年"], "B", "党章"),
    ("多选题", "“四个意识”包括（ ）。", ["政治意识", "大局意识", "核心意识", "看齐意识"], "ABCD", "理论"),
    ("多选题", "“三会一课”中的“三会”是指（ ）。", ["支部党员大会", "支部委员会", "党小组会", "民主生活会"], "ABC", "党章"),
    ("多选题", "党的纪律处分包括（ ）。", ["警告", "严重警告", "撤销党内职务", "罚款"], "ABC", "纪律"),
    ("判断题", "党员有权对党的决议和政策提出建议。", ["正确", "错误"], "A", "党章"),
    ("判断题", "预备党员有表决权。", ["正确", "错误"], "B", "党章"),
    ("判断题", "党员连续六个月不交纳党费，又没有正当理由，视为自行脱党。", ["正确", "错误"], "A", "纪律"),
    ("填空题", "党的根本宗旨是____。", [], "全心全意为人民服务|为人民服务", "党章"),
]


def corpus_path() -> Path | None:
    """settings.EXAMS_DEMO_QUESTIONS_FILE, by default BASE_DIR.parent / "shared" / "corpus" / "questions.jsonl"."""
    value = settings.EXAMS_DEMO_QUESTIONS_FILE
    return Path(value) if value else None


# Daily practice questions of the built-in sample: none of them is on the exam.
PRACTICE_SAMPLE = [
    ("单选题", "中国共产党成立于（ ）年。", ["1919", "1921", "1927", "1949"], "B", "党史"),
    ("单选题", "党的思想路线是一切从实际出发，理论联系实际，（ ）。", ["实事求是", "艰苦奋斗", "群众路线", "自我革命"], "A", "理论"),
    ("单选题", "遵义会议召开于（ ）年。", ["1927", "1931", "1935", "1937"], "C", "党史"),
    ("多选题", "党的三大优良作风是（ ）。", ["理论联系实际", "密切联系群众", "批评与自我批评", "艰苦奋斗"], "ABC", "党史"),
    ("判断题", "党的全国代表大会每五年举行一次。", ["正确", "错误"], "A", "党章"),
    ("判断题", "党员可以不参加党的组织生活。", ["正确", "错误"], "B", "党章"),
    ("填空题", "中国共产党人的初心和使命是为中国人民谋幸福，为中华民族谋____。", [], "复兴", "理论"),
]


def seed(demo: Any) -> list[str]:
    trainer = demo.users["jiangshi"]
    bank = QuestionBank.objects.create(name="党员应知应会题库", owner=trainer, use=BankUse.EXAM,
                                       description="示范考试题库（仅用于考试）：单选、多选、判断、填空。")
    practice = QuestionBank.objects.create(name="每日一练题库", owner=trainer, use=BankUse.PRACTICE,
                                           description="示范练习题库（仅用于每日答题），与考试题库互不重复。")
    path = corpus_path()
    if path is not None and path.is_file():
        with path.open(encoding="utf-8") as handle:
            lines = [line for line in handle if line.strip()]
        result = import_jsonl(bank, [line for i, line in enumerate(lines) if i % 4 != 3])
        practiced = import_jsonl(practice, lines[3::4])
        line = (f"题库 {bank.name}（考试）：从 {path.name} 导入 {result.created} 道题；"
                f"{practice.name}（练习）：{practiced.created} 道")
    else:
        items = [build_question_data(t, stem, opts, ans, 2, tags) for t, stem, opts, ans, tags in SAMPLE]
        counts = save_questions(bank, items)
        practice_items = [build_question_data(t, stem, opts, ans, 2, tags) for t, stem, opts, ans, tags in PRACTICE_SAMPLE]
        practiced_counts = save_questions(practice, practice_items)
        line = (f"题库 {bank.name}（考试）：内置示例 {counts['created']} 道题；"
                f"{practice.name}（练习）：{practiced_counts['created']} 道")
    now = timezone.now()
    exam = Exam.objects.create(
        title="2026年度党员应知应会测试", description="单选、多选、判断题，60分及格，通过后颁发结业证书。",
        created_by=trainer, time_limit_minutes=30, pass_mark=Decimal(60), attempts_allowed=3,
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=60), certificate_on_pass=True,
        multiple_policy="half",
    )
    large = bank.questions.count() > 100
    specs = [("单选题", "single", 20 if large else 6, Decimal(3) if large else Decimal(10)),
             ("多选题", "multiple", 5 if large else 2, Decimal(4) if large else Decimal(10)),
             ("判断题", "judge", 10 if large else 2, Decimal(2) if large else Decimal(10))]
    for order, (title, qtype, count, points) in enumerate(specs):
        section = ExamSection.objects.create(exam=exam, order=order, title=title, qtype=qtype, count=count,
                                             points=points)
        section.banks.add(bank)
        section.save()  # parental many-to-many fields are written on save
    exam.target_organizations.add(demo.root)
    publish_exam(exam)
    from .services.battles import ensure_default_modes, mode_questions

    modes = ensure_default_modes()
    battle_line = (f"答题PK：{'、'.join(m.name for m in modes)}，从练习题库抽题（可用 {mode_questions(modes[0]).count()} 道"
                   f"单选/判断题）")
    return [line, f"考试 {exam.title}：已发布，满分 {exam.total_points}", battle_line]
