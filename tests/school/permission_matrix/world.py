"""The objects the permission matrix's URLs point at (not a test module).

Everything a URL names lives inside subtree A (general branch A of ``build_personas()``) unless its
name says otherwise: a course restricted to A with a reading and a video lesson, a policy document,
an exam for A with member 小明's submitted and open attempts and certificate, a study task, a
ranking snapshot, a member import by A's administrator, plus Wagtail's own objects (an image, a
document attached to A's lesson, a collection, a redirect, a workflow in progress, revisions, …).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import get_resolver
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    PageViewRestriction,
    Site,
    Task,
    TaskState,
    UploadedFile,
    Workflow,
)

from courses.models import CoursePage, LessonAttachment, PolicyDocumentPage, VideoLessonPage
from courses.services import ensure_site_pages
from courses.services.study_tasks import create_task
from exams.models import CertificateLayout, Question, QuestionVersion, WrongAnswer
from exams.services import do_save_answer, do_start_attempt, do_submit_attempt
from exams.services.certificates import issue_certificate
from exams.services.grading import to_displayed
from exams.services.wrong_answers import record_wrong
from media.models import Video, VideoState
from school.credits.models import CreditRuleVersion, RankingKind, ScoreScheme
from school.credits.rankings import take_snapshot
from school.models import ActivationSheet, AdminScope, MemberImport, Notification, NotificationKind
from school.permissions import TRAINER_GROUP
from search.models import QueryTerm
from tests.courses.builders import make_course, make_notice, make_reading
from tests.exams.builders import fill_bank, make_bank, make_battle_modes, make_exam
from tests.factories import Personas, build_personas
from tests.school.builders import make_rule


@dataclass
class World:
    personas: Personas
    media_root: Path
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def _png() -> ContentFile[bytes]:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="badge.png")


def _write(root: Path, relative: str, content: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _ready_video(root: Path, uploader: Any, title: str = "党史视频A") -> Video:
    video = Video.objects.create(title=title, original="videos/originals/a.mp4", duration=100.0,
                                 state=VideoState.READY, width=640, height=360, video_codec="h264",
                                 uploaded_by=uploader)
    _write(root, f"{video.hls_dir}/master.m3u8", b"#EXTM3U\n")
    poster = f"videos/posters/{video.storage_key}/poster.jpg"
    _write(root, poster, b"\xff\xd8\xff\xe0 jpeg")
    video.poster.name = poster
    video.save(update_fields=["poster"])
    return video


def _pages(o: dict[str, Any], p: Personas) -> None:
    site = ensure_site_pages()
    o["catalog"], o["library"] = site.catalog, site.library
    o["home_page"] = site.catalog.get_parent()
    o["course_a"] = make_course("A支部专题课", allowed=[p.branch_group_a])
    o["course_open"] = make_course("公开课")
    o["reading_a"] = make_reading(o["course_a"], "第一课 阅读")
    lesson = VideoLessonPage(title="第二课 视频", video=o["video_a"], required_share=90)
    o["course_a"].add_child(instance=lesson)
    lesson.save_revision().publish()
    o["video_lesson_a"] = lesson
    LessonAttachment.objects.create(page=o["reading_a"], document=o["document_a"])
    document = PolicyDocumentPage(title="中国共产党廉洁自律准则", category="准则", issuer="中共中央",
                                  body="第一条　坚定理想信念。", live=True)
    site.library.add_child(instance=document)
    document.save_revision().publish()
    o["policy_document"] = document
    # A draft under review by the default workflow (for the workflow screens) and a locked page.
    draft = CoursePage(title="待审核课程", summary="草稿", credit_hours=1, live=False)
    site.catalog.add_child(instance=draft)
    revision = draft.save_revision(user=p.trainer)
    o["workflow"] = Workflow.objects.filter(active=True).first()
    o["workflow_state"] = o["workflow"].start(draft, p.trainer)
    o["task_state"] = TaskState.objects.filter(workflow_state=o["workflow_state"]).first()
    o["draft_page"] = CoursePage.objects.get(pk=draft.pk)
    o["draft_revision"] = revision
    o["course_revision"] = o["course_a"].latest_revision
    restricted = CoursePage(title="口令课", summary="口令", credit_hours=1)
    site.catalog.add_child(instance=restricted)
    restricted.save_revision().publish()
    o["page_restriction"] = PageViewRestriction.objects.create(page=restricted, restriction_type="password",
                                                               password="secret")
    o["password_page"] = restricted
    o["editing_session"] = EditingSession.objects.create(
        user=p.trainer, content_type=ContentType.objects.get_for_model(CoursePage), object_id=str(o["course_a"].pk),
        last_seen_at=timezone.now())


def _exams(o: dict[str, Any], p: Personas) -> None:
    bank = make_bank(p.trainer, "A题库")
    fill_bank(bank, "single", 3)
    exam = make_exam(p.trainer, bank, targets=[p.branch_group_a], certificate_on_pass=True, attempts_allowed=3,
                     sections=[{"qtype": "single", "count": 3, "points": Decimal(10)}], pass_mark=Decimal(10))
    done, _created = do_start_attempt(p.member, exam)
    for item in done.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        do_save_answer(done, version.pk, to_displayed(version.answer, item["p"])[0])
    do_submit_attempt(done.pk)
    done.refresh_from_db()
    o["certificate"] = issue_certificate(done)
    o["attempt_done"] = done
    o["attempt_open"], _created = do_start_attempt(p.member, exam)
    wrong = QuestionVersion.objects.filter(question__bank=bank).order_by("pk")[0]
    record_wrong(p.member, wrong, "D", "practice")
    o["wrong_answer"] = WrongAnswer.objects.get(member=p.member)
    o["bank"], o["exam"], o["question"] = bank, exam, Question.objects.filter(bank=bank).first()
    o["draft_exam"] = make_exam(p.trainer, bank, publish=False, title="草稿考试", targets=[p.branch_group_a])
    # 答题PK: 小明 waits in a private room of his and has a finished duel.
    from exams.models import Battle, BattlePlayer
    from exams.services.battles import do_create_private

    modes = make_battle_modes(bank, questions=3)
    o["battle_room"] = do_create_private(p.member, modes["duel"])
    o["battle_mode"] = modes["quad"]
    done_battle = Battle.objects.create(
        mode=modes["duel"], state=Battle.State.FINISHED, finished_at=timezone.now(), started_at=timezone.now(),
        version_ids=list(QuestionVersion.objects.filter(question__bank=bank).values_list("pk", flat=True)[:3]))
    BattlePlayer.objects.create(battle=done_battle, seat=0, member=p.member, name=p.member.name, live=False, rank=1)
    BattlePlayer.objects.create(battle=done_battle, seat=1, name="练习对手·甲", is_bot=True, live=False, rank=2)
    o["battle_done"] = done_battle


def _school(o: dict[str, Any], p: Personas) -> None:
    o["member_import"] = MemberImport.objects.create(file=ContentFile(b"PK", name="members.xlsx"),
                                                     original_name="members.xlsx", uploaded_by=p.admin_a)
    o["scope_a"] = AdminScope.objects.get(user=p.admin_a)
    o["query_term"] = QueryTerm.objects.create(kind=QueryTerm.Kind.ALIAS, term="支部条例",
                                               expansion="中国共产党支部工作条例（试行）")
    o["activation_sheet"] = ActivationSheet.objects.create(
        issued_by=p.admin_a, organization=p.branch_group_a, member_ids=[p.member.pk], total=1, done=1,
        state=ActivationSheet.State.DONE, file=ContentFile(b"PK", name="activation.xlsx"))
    today = timezone.localdate()
    o["task"] = create_task(title="A支部学习任务", organization=p.branch_group_a, starts_on=today,
                            ends_on=today + dt.timedelta(days=30), pages=[o["course_a"]], created_by=p.admin_a)
    o["notice_a"] = make_notice("A总支通知", targets=[p.branch_group_a], confirm=True)
    o["notice_board"] = o["notice_a"].get_parent().specific
    month = f"{today:%Y-%m}"
    o["snapshot"] = take_snapshot(RankingKind.MEMBERS, p.branch_group_a, month, p.admin_a)
    o["rule"] = make_rule("lesson_done", "lesson")
    o["rule_version"] = CreditRuleVersion.objects.filter(rule=o["rule"]).first()
    o["scheme"] = ScoreScheme.objects.first() or ScoreScheme.objects.create(name="默认方案")
    o["trainer_group"] = Group.objects.get(name=TRAINER_GROUP)
    o["notification"] = Notification.objects.create(user=p.member.user, kind=NotificationKind.REMINDER,
                                                    title="请完成学习")


def _wagtail(o: dict[str, Any]) -> None:
    o["collection"] = Collection.get_first_root_node().add_child(name="A支部资料")
    o["image"] = get_image_model().objects.create(title="徽章", file=_png())
    o["rendition"] = o["image"].get_rendition("fill-20x10")
    o["document_a"] = get_document_model().objects.create(title="A支部学习材料", file=ContentFile(
        b"%PDF-1.4 A", name="a-material.pdf"))
    o["uploaded_image"] = UploadedFile.objects.create(
        file=_png(), for_content_type=ContentType.objects.get_for_model(get_image_model()))
    o["uploaded_document"] = UploadedFile.objects.create(
        file=ContentFile(b"%PDF-1.4", name="u.pdf"),
        for_content_type=ContentType.objects.get_for_model(get_document_model()))
    o["redirect"] = Redirect.objects.create(old_path="/old-course", redirect_link="/courses/")
    o["site"] = Site.objects.get(is_default_site=True)
    o["collection_restriction"] = CollectionViewRestriction.objects.create(
        collection=o["collection"], restriction_type="password", password="secret")
    o["task_def"] = Task.objects.first()
    o["certificate_layout"] = CertificateLayout.load()


def build_world(media_root: Path) -> World:
    # The URLconf first, as on a running site: loading Wagtail's admin URLs registers its viewsets, and only then
    # does Wagtail index the references of their models (certificates → exam), which the usage screens list.
    get_resolver().url_patterns  # noqa: B018
    personas = build_personas()
    world = World(personas, media_root)
    o = world.objects
    _wagtail(o)
    o["video_a"] = _ready_video(media_root, personas.trainer)
    o["video_orphan"] = _ready_video(media_root, personas.trainer, "未放入课程的视频")  # ready, no lesson uses it
    o["video_unused"] = Video.objects.create(title="未使用的视频", original="videos/originals/b.mp4",
                                             state=VideoState.FAILED)
    _pages(o, personas)
    _exams(o, personas)
    _school(o, personas)
    assert o["attempt_open"].is_open and o["attempt_done"].passed and o["certificate"].is_valid
    return world
