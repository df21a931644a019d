"""Rules for the member site, its files, the JSON API and the page tree (not a test module).

The objects are inside subtree A and belong to 小明 (``member``, branch A1) where they belong to a
member: ``member`` sees their own, ``admin_a`` manages A, ``admin_x`` administers another committee
and gets 404 on everything of A's, the trainer sees content but no one's results.
"""

from __future__ import annotations

from .rules import (
    BAD,
    FORBIDDEN,
    LOGIN,
    MISSING,
    NOT_ALLOWED,
    OK,
    Case,
    Rule,
    by,
    cases,
    every,
    rule,
    to,
)

NOT_MEMBER = FORBIDDEN  # member-only API endpoints, for users without a member profile
API_ANON = FORBIDDEN  # DRF session authentication: 403 with {"detail": …} for anonymous requests
TUS_OLD = "412"  # a write without the Tus-Resumable header (media/views/uploads.py)
# Pages only members (and trainers/superusers previewing) may open: log in first, then 404 if not allowed.
MEMBER_CONTENT = by(LOGIN, OK, OK, OK, OK, OK)
A_CONTENT = by(LOGIN, OK, OK, MISSING, MISSING, OK)  # a course restricted to subtree A

SITE: list[Rule] = [
    rule("home", every(OK, anon=LOGIN)),
    rule("my_study", every(OK, anon=LOGIN)),
    # A member's own 积分明细 and 排行榜: users without a member profile have none (404).
    rule(("my_credits", "my_ranking"), by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING)),
    rule("elder_mode", every(NOT_ALLOWED), every(BAD, anon=LOGIN),
         why="anyone logged in switches their own 长辈模式; an empty POST is refused"),
    rule("health", every(OK)),
    rule("ready", every(OK), why="for monitors: service statuses, no data; 503 when a service is down"),
    rule("login", every(to("home"), anon=OK), every(to("home"), anon=OK)),
    # Any logged-in user changes their own password; an empty POST re-renders the form with errors.
    rule("password_change", every(OK, anon=LOGIN), every(OK, anon=LOGIN)),
    # Accounts: a password must be chosen only after an activation-code login (else the usual change form);
    # 忘记密码 and 激活账号 are open to all (an empty POST: 400); the code step needs a started flow.
    rule("accounts_choose_password", every(to("password_change"), anon=LOGIN),
         every(to("password_change"), anon=LOGIN)),
    rule(("accounts_forgot", "accounts_activate"), every(OK), every(BAD)),
    rule("accounts_verify", every(to("login")), every(to("login"))),
    rule("accounts_dev_sms", every(MISSING), every(MISSING), why="DEBUG with the console SMS backend only"),
    rule("logout", every(NOT_ALLOWED), every(to("login")), why="Django 5 logs out by POST only"),
    rule("set_language", every(to("home")), every(to("home"))),
    rule("courses:my_tasks", every(OK, anon=LOGIN)),
    # 确认 of A's notice: its member confirms (back to the notice); others who may look at it are no
    # recipients (400 with the reason); X's administrator may not see it (404).
    rule("courses:notice_confirm", every(NOT_ALLOWED), by(LOGIN, to("wagtail_serve"), BAD, BAD, MISSING, BAD),
         kwargs=lambda w: {"page_id": w.notice_a.pk}, why="only recipients confirm"),
    # The bell: everyone logged in has a notification list; a notification opens only for its owner.
    rule("notifications", every(OK, anon=LOGIN)),
    rule("notification_open", by(LOGIN, to("notifications"), MISSING, MISSING, MISSING, MISSING),
         kwargs=lambda w: {"pk": w.notification.pk}, why="someone else's notification is 404"),
    rule("notifications_read_all", every(NOT_ALLOWED), every(to("notifications"), anon=LOGIN),
         why="marks the caller's own notifications read"),
    rule("notification_preferences", every(NOT_ALLOWED), every(BAD, anon=LOGIN),
         why="the caller's own e-mail choice; an empty form is 400"),
    rule("search", every(OK, anon=LOGIN)),
    # The OpenAPI schema and its docs are public (they describe endpoints, not data).
    rule(("api-schema", "api-docs"), every(OK)),
    rule("api-me", by(API_ANON, OK, MISSING, MISSING, MISSING, MISSING), why="the member's own profile"),
    rule("api-search", every(OK, anon=API_ANON), query="q=党章"),
    rule("api-organizations", every(OK, anon=API_ANON), marker="第一党支部", marker_for=("admin_a", "superuser")),
    rule("api-organization", by(API_ANON, MISSING, MISSING, OK, MISSING, OK), kwargs=lambda w: {"pk": w.personas.a1.pk},
         why="the organization API is for administrators; a member reads their own through /api/v1/me/"),
    rule("api-members", every(OK, anon=API_ANON), marker="小明", marker_for=("admin_a", "superuser")),
    cases("api-member",
          Case(by(API_ANON, MISSING, MISSING, OK, MISSING, OK), kwargs=lambda w: {"pk": w.personas.member.pk},
               label="self"),
          Case(by(API_ANON, MISSING, MISSING, OK, MISSING, OK), kwargs=lambda w: {"pk": w.personas.member_a2.pk},
               label="another member of A")),
    # Videos: trainers manage them; members watch those of lessons they may see (A's course).
    rule("media:preview", by(LOGIN, MISSING, OK, MISSING, MISSING, OK), kwargs=lambda w: {"pk": w.video_a.pk}),
    cases("media:hls",
          Case(by(MISSING, OK, OK, MISSING, MISSING, OK), kwargs=lambda w: {"pk": w.video_a.pk, "name": "master.m3u8"},
               content_type="mpegurl", label="A's lesson video"),
          Case(by(MISSING, MISSING, OK, MISSING, MISSING, OK), content_type="mpegurl", label="a video no lesson uses",
               kwargs=lambda w: {"pk": w.video_orphan.pk, "name": "master.m3u8"}),
          why="fail closed: members watch a video only through a lesson they may open (media/access.py)"),
    cases("media:poster",
          Case(by(MISSING, OK, OK, MISSING, MISSING, OK), kwargs=lambda w: {"pk": w.video_a.pk, "size": "full"},
               content_type="image/jpeg", label="A's lesson video"),
          Case(by(MISSING, MISSING, OK, MISSING, MISSING, OK), content_type="image/jpeg", label="a video no lesson uses",
               kwargs=lambda w: {"pk": w.video_orphan.pk, "size": "full"}),
          why="fail closed: members watch a video only through a lesson they may open (media/access.py)"),
    # Resumable (tus) video uploads: trainers and superusers only (403 for the rest, a tus client reads no
    # login page); GET is no tus method (405); an empty POST/DELETE lacks the Tus-Resumable header (412);
    # an upload that is not the user's own is 404 (here: one that does not exist).
    rule("media:upload_create", by(FORBIDDEN, FORBIDDEN, NOT_ALLOWED, FORBIDDEN, FORBIDDEN, NOT_ALLOWED),
         by(FORBIDDEN, FORBIDDEN, TUS_OLD, FORBIDDEN, FORBIDDEN, TUS_OLD)),
    rule("media:upload", by(FORBIDDEN, FORBIDDEN, NOT_ALLOWED, FORBIDDEN, FORBIDDEN, NOT_ALLOWED),
         by(FORBIDDEN, FORBIDDEN, TUS_OLD, FORBIDDEN, FORBIDDEN, TUS_OLD), kwargs=lambda w: {"pk": 999_999_999},
         write="DELETE"),
    # Progress of a lesson of A's course: members only (the trainer is not a member).
    rule("courses:ping", every(OK, anon=API_ANON), every(OK, anon=API_ANON)),
    rule("courses:progress_start", every(NOT_ALLOWED, anon=API_ANON), by(API_ANON, OK, *[NOT_MEMBER] * 4),
         kwargs=lambda w: {"page_id": w.video_lesson_a.pk}),
    rule("courses:progress_heartbeat", every(NOT_ALLOWED, anon=API_ANON), every(BAD, anon=API_ANON),
         kwargs=lambda w: {"page_id": w.video_lesson_a.pk},
         why="the body's syntax is checked first (it reveals nothing); a well-formed beat from a non-member is 404"),
    # Exams: the member of A takes A's exam; nobody else sees it on the member pages.
    rule("exams:list", by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING), marker="党章知识测试", marker_for=("member",)),
    rule("exams:detail", by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING), kwargs=lambda w: {"pk": w.exam.pk}),
    rule("exams:start", every(NOT_ALLOWED), by(LOGIN, to("exams:attempt"), MISSING, MISSING, MISSING,
                                                             MISSING), kwargs=lambda w: {"pk": w.exam.pk}),
    cases("exams:attempt",
          Case(by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING), kwargs=lambda w: {"pk": w.attempt_open.pk},
               label="open"),
          Case(by(LOGIN, to("exams:result"), MISSING, MISSING, MISSING, MISSING),
               kwargs=lambda w: {"pk": w.attempt_done.pk}, label="submitted")),
    rule("exams:submit", every(NOT_ALLOWED), by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING),
         kwargs=lambda w: {"pk": w.attempt_open.pk}, why="without confirmed=1 it asks for confirmation"),
    rule("exams:result", by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING), kwargs=lambda w: {"pk": w.attempt_done.pk}),
    rule("exams:practice", by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING)),
    rule(("exams:wrong_book", "exams:my_exams", "exams:my_certificates"),
         by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING)),
    rule("exams:wrong_practice", by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING),
         kwargs=lambda w: {"pk": w.wrong_answer.pk}),
    rule("exams:wrong_answer", every(NOT_ALLOWED), by(LOGIN, to("exams:wrong_practice"), MISSING, MISSING, MISSING,
                                                       MISSING), kwargs=lambda w: {"pk": w.wrong_answer.pk}),
    rule("exams:practice_answer", every(NOT_ALLOWED),
         by(LOGIN, to("exams:practice"), MISSING, MISSING, MISSING, MISSING)),
    # 答题PK: 小明's private room (waiting) and finished duel; a battle is for its players only (404 for others).
    rule(("exams:battles", "exams:battle_history"), by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING)),
    rule("exams:battle_private", every(NOT_ALLOWED), by(LOGIN, MISSING, MISSING, MISSING, MISSING, MISSING),
         why="an empty POST names no battle mode"),
    rule(("exams:battle", "exams:battle_qr"), by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING),
         kwargs=lambda w: {"pk": w.battle_room.pk}),
    rule("exams:battle_result", by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING),
         kwargs=lambda w: {"pk": w.battle_done.pk}),
    rule("exams:battle_leave", every(NOT_ALLOWED), by(LOGIN, to("exams:battles"), MISSING, MISSING, MISSING, MISSING),
         kwargs=lambda w: {"pk": w.battle_done.pk}, why="leaving a finished battle changes nothing"),
    rule("exams:battle_join", by(LOGIN, OK, MISSING, MISSING, MISSING, MISSING),
         by(LOGIN, to("exams:battle"), MISSING, MISSING, MISSING, MISSING),
         kwargs=lambda w: {"token": w.battle_room.invite_token}, why="小明 is already in the room: back to it"),
    # The exams API answers users without a member profile 403 ("only members take exams").
    rule("exams:api_exams", by(API_ANON, OK, *[NOT_MEMBER] * 4)),
    rule("exams:api_practice", by(API_ANON, OK, *[NOT_MEMBER] * 4), by(API_ANON, BAD, *[NOT_MEMBER] * 4)),
    rule("exams:api_exam_start", every(NOT_ALLOWED, anon=API_ANON), by(API_ANON, OK, *[NOT_MEMBER] * 4),
         kwargs=lambda w: {"pk": w.exam.pk}),
    rule(("exams:api_attempt", "exams:api_attempt_result"), by(API_ANON, OK, *[NOT_MEMBER] * 4),
         kwargs=lambda w: {"pk": w.attempt_done.pk}),
    rule("exams:api_attempt_answer", every(NOT_ALLOWED, anon=API_ANON), by(API_ANON, BAD, *[NOT_MEMBER] * 4),
         kwargs=lambda w: {"pk": w.attempt_open.pk}, write="PUT"),
    rule("exams:api_attempt_mark", every(NOT_ALLOWED, anon=API_ANON), by(API_ANON, BAD, *[NOT_MEMBER] * 4),
         kwargs=lambda w: {"pk": w.attempt_open.pk}, write="PUT"),
    rule("exams:api_attempt_submit", every(NOT_ALLOWED, anon=API_ANON), by(API_ANON, OK, *[NOT_MEMBER] * 4),
         kwargs=lambda w: {"pk": w.attempt_open.pk}),
    # A certificate: its member and the administrators of its subtree download it; verifying is public.
    rule("exams:certificate_pdf", by(LOGIN, OK, MISSING, OK, MISSING, OK),
         kwargs=lambda w: {"serial": w.certificate.serial}, content_type="application/pdf"),
    cases("exams:certificate_verify",
          Case(every(OK), kwargs=lambda w: {"code": w.certificate.code}, label="known"),
          Case(every(MISSING), kwargs=lambda w: {"code": "NOSUCHCODE"}, label="unknown")),
    # Wagtail documents: a file attached to a lesson of A's course.
    # school.views.files wraps Wagtail's view (attachments, sandbox).
    rule("wagtaildocs_serve", by(LOGIN, OK, OK, MISSING, MISSING, OK),
         kwargs=lambda w: {"document_id": w.document_a.pk, "document_filename": w.document_a.filename}),
    # Wagtail image renditions (MEDIA_URL + images/…): logged-in users only; nothing else under /uploads/.
    cases("media:rendition",
          Case(every(OK, anon=MISSING), kwargs=lambda w: {"name": w.rendition.file.name.split("/")[-1]},
               label="rendition"),
          Case(every(MISSING), kwargs=lambda w: {"name": w.image.file.name.split("/")[-1]}, label="original")),
    rule("wagtaildocs_authenticate_with_password", every(OK), kwargs=lambda w: {
        "restriction_id": w.collection_restriction.pk}),
    rule("wagtailcore_authenticate_with_password", every(OK), kwargs=lambda w: {
        "page_view_restriction_id": w.page_restriction.pk, "page_id": w.password_page.pk}),
    rule("wagtailcore_login", every(OK)),
    # The page tree (Wagtail's catch-all): member-only pages; A's course only for A (and content staff).
    cases("wagtail_serve",
          Case(MEMBER_CONTENT, path=lambda w: w.catalog.url, label="catalog", marker="A支部专题课",
               marker_for=("member", "trainer", "superuser")),
          Case(MEMBER_CONTENT, path=lambda w: w.course_open.url, label="open course"),
          Case(A_CONTENT, path=lambda w: w.course_a.url, label="A's course"),
          Case(A_CONTENT, path=lambda w: w.reading_a.url, label="A's reading lesson"),
          Case(A_CONTENT, path=lambda w: w.video_lesson_a.url, label="A's video lesson"),
          Case(MEMBER_CONTENT, path=lambda w: w.library.url, label="library"),
          Case(MEMBER_CONTENT, path=lambda w: w.policy_document.url, label="policy document"),
          Case(MEMBER_CONTENT, path=lambda w: w.notice_board.url, label="notice board", marker="A总支通知",
               marker_for=("member",)),
          # A's notice: A's administrator may look at what A's members are told.
          Case(by(LOGIN, OK, OK, OK, MISSING, OK), path=lambda w: w.notice_a.url, label="A's notice"),
          Case(every(MISSING), path=lambda w: "/" + w.draft_page.url_path.split("/", 2)[2], label="draft")),
]
