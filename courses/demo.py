"""Demo content: the policy document library (the shared corpus when present), a catalog with courses
and lessons, and a study task for the demo committee."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import CoursePage, PolicyDocumentPage, ReadingLessonPage, VideoLessonPage
from .services import ensure_site_pages, import_documents
from .services.documents import read_rows
from .services.study_tasks import create_task

SAMPLE_DOCUMENTS: list[dict[str, Any]] = [
    {"title": "中国共产党廉洁自律准则", "category": "准则", "issuer": "中共中央", "date": "2015-10-12",
     "body": "中国共产党全体党员和各级党员领导干部必须坚定共产主义理想和中国特色社会主义信念。\n\n"
             "第一条 坚持公私分明，先公后私，克己奉公。\n\n第二条 坚持崇廉拒腐，清白做人，干净做事。\n\n"
             "第三条 坚持尚俭戒奢，艰苦朴素，勤俭节约。\n\n第四条 坚持吃苦在前，享受在后，甘于奉献。"},
    {"title": "中国共产党纪律处分条例", "category": "条例", "issuer": "中共中央", "date": "2023-12-19",
     "version_note": "2023年版",
     "body": "第一编 总则\n\n第一章 指导思想、原则和适用范围\n\n第一条 为了坚持和加强党的全面领导，严明党的纪律，"
             "根据《中国共产党章程》，制定本条例。\n\n第二条 本条例以马克思列宁主义、毛泽东思想、邓小平理论、"
             "“三个代表”重要思想、科学发展观、习近平新时代中国特色社会主义思想为指导。\n\n"
             "第二章 违纪与纪律处分\n\n第七条 党组织和党员违反党章和其他党内法规，应当给予纪律处理或者处分的，"
             "都必须受到追究。"},
    {"title": "中国共产党党员教育管理工作条例", "category": "条例", "issuer": "中共中央", "date": "2019-05-06",
     "body": "第一章 总则\n\n第一条 为了深入贯彻新时代党的建设总要求，加强和改进党员教育管理工作，制定本条例。\n\n"
             "第二章 基本任务\n\n第五条 党员教育管理工作的基本任务是：坚持用习近平新时代中国特色社会主义思想武装党员。"},
]

COURSES = [
    ("constitution", "学习贯彻党章", ["党章", "党规"], [
        ("reading", "第一讲 党章总纲", "<p>党章是党的根本大法，是全党必须共同遵守的根本行为规范。</p>"),
        ("video", "第二讲 党员的权利和义务", ""),
    ]),
    ("theory", "习近平新时代中国特色社会主义思想概论", ["理论"], [
        ("reading", "第一讲 “两个确立”的决定性意义", "<p>深刻领悟“两个确立”的决定性意义。</p>"),
        ("reading", "第二讲 新发展理念", "<p>创新、协调、绿色、开放、共享的新发展理念。</p>"),
    ]),
    ("history", "党史学习教育专题", ["党史"], [
        ("video", "第一讲 伟大建党精神", ""),
        ("reading", "第二讲 百年奋斗的历史经验", "<p>坚持党的领导，坚持人民至上，坚持理论创新。</p>"),
    ]),
    ("congress20", "学习宣传贯彻党的二十大精神", ["二十大"], [
        ("reading", "第一讲 中国式现代化", "<p>中国式现代化是中国共产党领导的社会主义现代化。</p>"),
    ]),
    ("professional", "基层党支部工作实务", ["支部工作", "业务"], [
        ("reading", "第一讲 “三会一课”制度", "<p>支部党员大会、支部委员会、党小组会和党课。</p>"),
        ("video", "第二讲 主题党日活动组织", ""),
    ]),
]


def seed(demo: Any) -> list[str]:
    pages = ensure_site_pages()
    corpus = settings.COURSES_DEMO_CORPUS_DIR / "regulations.jsonl"
    rows = list(read_rows(corpus)) if corpus.is_file() else SAMPLE_DOCUMENTS
    result = import_documents(rows, library=pages.library)
    lines = [f"文库：导入 {result.created} 份文件（{'共享语料' if corpus.is_file() else '内置示例'}）"
             + (f"，{len(result.errors)} 行有误" if result.errors else "")]
    if CoursePage.objects.exists():
        return lines
    from media.models import Video, VideoState

    # media's seeder ran first (its videos may still be transcoding: the lesson says "being prepared").
    videos = list(Video.objects.exclude(state=VideoState.FAILED).order_by("pk"))
    trainer = demo.users.get("jiangshi")
    courses: list[CoursePage] = []
    lesson_count = 0
    for n, (category, title, tags, lessons) in enumerate(COURSES):
        course = CoursePage(title=title, category=category, summary=f"{title}：面向全体党员的专题课程。",
                            trainer=trainer, trainer_name="王老师", credit_hours=Decimal(len(lessons)))
        pages.catalog.add_child(instance=course)
        course.tags.add(*tags)
        course.save_revision(user=trainer).publish()
        courses.append(course)
        for kind, lesson_title, body in lessons:
            if kind == "video" and videos:
                lesson: Any = VideoLessonPage(title=lesson_title, video=videos[(n + lesson_count) % len(videos)],
                                              required_share=90, summary="观看视频并完成学习。")
            else:
                lesson = ReadingLessonPage(title=lesson_title, body=body or "<p>请认真阅读学习材料。</p>",
                                           min_reading_seconds=60)
            course.add_child(instance=lesson)
            if isinstance(lesson, ReadingLessonPage):
                regulations = list(PolicyDocumentPage.objects.live().filter(category="条例").order_by("title"))
                current = PolicyDocumentPage.current_versions(regulations)[:1]  # never a superseded text
                lesson.policy_documents.set(current)
            lesson.save_revision(user=trainer).publish()
            lesson_count += 1
    today = timezone.localdate()
    create_task(title="2026年第四季度党员集中学习", organization=demo.root, starts_on=today - dt.timedelta(days=7),
                ends_on=today + dt.timedelta(days=10), pages=courses[:2], required_credits=Decimal("3"),
                description="全体党员须在截止日期前完成两门必修课程中的至少 3 学时。", created_by=demo.users.get("quwei"))
    lines.append(f"课程：{len(courses)} 门，课时 {lesson_count} 个（视频课时 {'有' if videos else '无：没有可用视频'}），学习任务 1 个")
    return lines
