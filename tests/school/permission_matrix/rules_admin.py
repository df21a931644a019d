"""Rules for the project's own admin screens and exports inside the Wagtail admin (not a test module).

Wagtail wraps every admin URL in its admin-access check: anonymous users and members (no admin
access) are sent to the admin login. Behind it, the project's screens ask ``school.permissions``:
the trainer (admin access, no organization scope) gets 403 on organization screens, the
administrator of A works on A's objects, the administrator of committee X gets 404 on them.
"""

from __future__ import annotations

from .rules import (
    ADMIN_LOGIN,
    BAD,
    DENIED,
    MISSING,
    NOT_ALLOWED,
    OK,
    Build,
    Case,
    Rule,
    by,
    cases,
    every_admin,
    rule,
    to,
)

XLSX = "spreadsheetml"
# Inside the admin a refused PermissionDenied becomes Wagtail's "permission denied" redirect (DENIED).
ORG_ADMIN_LIST = by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, OK, OK)  # scoped listing / form / template
A_OBJECT = by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, MISSING, OK)  # an object inside subtree A
SUPERUSER_ONLY = by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, DENIED, DENIED, OK)
TRAINER_TOOL = by(ADMIN_LOGIN, ADMIN_LOGIN, OK, DENIED, DENIED, OK)
TRAINER_VIEWSET = TRAINER_TOOL
IN_A = ("admin_a", "superuser")  # who sees subtree A's rows in a scoped listing
SUPERUSER_VIEWSET = SUPERUSER_ONLY


def pk(attr: str) -> Build:
    return lambda w: {"pk": getattr(w, attr).pk}


def persona_pk(attr: str) -> Build:
    return lambda w: {"pk": getattr(w.personas, attr).pk}


def page_and_export(kwargs: Build) -> tuple[Case, Case]:
    return (Case(A_OBJECT, kwargs=kwargs, label="page"),
            Case(A_OBJECT, kwargs=kwargs, query="format=xlsx", content_type=XLSX, label="xlsx"))


SCHOOL: list[Rule] = [
    rule("school_admin:organizations", ORG_ADMIN_LIST, marker="第一党支部", marker_for=IN_A),
    rule("school_admin:members", ORG_ADMIN_LIST, marker="小明", marker_for=IN_A),
    rule("school_admin:member_imports", ORG_ADMIN_LIST, marker="members.xlsx", marker_for=("admin_a",),
         why="each administrator's own uploads"),
    rule(("school_admin:organization_add", "school_admin:member_add", "school_admin:organization_import"),
         ORG_ADMIN_LIST, ORG_ADMIN_LIST),
    rule(("school_admin:organization_export", "school_admin:member_export", "school_admin:organization_template",
          "school_admin:member_template"), ORG_ADMIN_LIST, content_type=XLSX),
    rule("school_admin:organization_edit", A_OBJECT, A_OBJECT, kwargs=persona_pk("a2")),
    rule("school_admin:organization_delete", A_OBJECT, by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to(
        "school_admin:organization_edit"), MISSING, to("school_admin:organization_edit")), kwargs=persona_pk("a2"),
        why="A2 has a member: deleting it is refused with a message"),
    rule("school_admin:member_edit", A_OBJECT, A_OBJECT, kwargs=persona_pk("member")),
    rule("school_admin:member_import", by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, MISSING, MISSING),
         kwargs=pk("member_import"), why="an import record is shown to the administrator who uploaded it"),
    # Accounts: activation rates, issuing activation codes (the form re-renders without confirm=1), the sheet
    # and its download for the administrator who issued it, one member's account (an empty POST: 400).
    rule("school_admin:account_rates", ORG_ADMIN_LIST),
    rule("school_admin:account_issue", ORG_ADMIN_LIST, ORG_ADMIN_LIST),
    rule("school_admin:account_sheet", by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, MISSING, MISSING),
         kwargs=pk("activation_sheet"), why="a sheet of codes is shown to the administrator who issued it"),
    rule("school_admin:account_sheet_download", by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, MISSING, MISSING),
         kwargs=pk("activation_sheet"), content_type=XLSX),
    rule("school_admin:member_account", A_OBJECT, by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, BAD, MISSING, BAD),
         kwargs=persona_pk("member")),
    # The organization chooser's data (JSON): the roots of the user's scope, or one organization's children.
    cases("school_admin:organization_choose",
          Case(every_admin(OK), every_admin(NOT_ALLOWED), content_type="json", label="roots"),
          Case(by(ADMIN_LOGIN, ADMIN_LOGIN, OK, OK, MISSING, OK), content_type="json", label="children",
               query=lambda w: f"parent={w.personas.branch_group_a.pk}", marker="第一党支部",
               marker_for=("trainer", "admin_a", "superuser")),
          why="trainers pick from the whole tree; administrators within their subtrees"),
    rule("school_admin:roles", SUPERUSER_ONLY, SUPERUSER_ONLY),
    rule("school_admin:role_revoke", every_admin(NOT_ALLOWED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, DENIED, DENIED, to("school_admin:roles")),
         kwargs=pk("scope_a")),
    rule("school_admin:role_trainer", every_admin(NOT_ALLOWED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, DENIED, DENIED, MISSING), why="no such user: 404 after the check"),
    rule("school_admin:audit_log", SUPERUSER_ONLY),
    # Statistics (统计) for organization departments.
    rule("credits_admin:index", by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to("credits_admin:organization"),
                                   to("credits_admin:organization"), to("credits_admin:organization"))),
    # Each statistics table exports the same rows with ?format=xlsx.
    cases(("credits_admin:organization", "credits_admin:members", "credits_admin:idle",
           "credits_admin:organization_ranking"), *page_and_export(persona_pk("branch_group_a"))),
    rule("credits_admin:snapshots", A_OBJECT, kwargs=persona_pk("branch_group_a")),
    # 一键提醒 from 未学习名单 (POST only; ?period= says which list).
    rule("credits_admin:idle_remind", every_admin(NOT_ALLOWED, trainer=DENIED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to("credits_admin:idle"), MISSING, to("credits_admin:idle")),
         kwargs=persona_pk("branch_group_a"), query="period=all"),
    cases("credits_admin:member", *page_and_export(persona_pk("member"))),
    cases("credits_admin:snapshot", *page_and_export(pk("snapshot"))),
    rule("credits_admin:snapshot_take", every_admin(NOT_ALLOWED, trainer=DENIED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, BAD, MISSING, BAD), kwargs=lambda w: {"pk": w.personas.branch_group_a.pk},
         why="an empty form has no ranking kind: 400 after the scope check"),
    rule("credits_admin:recompute", every_admin(NOT_ALLOWED, trainer=DENIED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to("credits_admin:organization"), MISSING, to("credits_admin:organization")),
         kwargs=persona_pk("branch_group_a"),
         why="立即重新计算 (POST only): queued (or already running) → back to the statistics page"),
    rule("credits_admin:snapshot_publish", every_admin(NOT_ALLOWED, trainer=DENIED), by(
        ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to("credits_admin:snapshot"), MISSING, to("credits_admin:snapshot")),
        kwargs=pk("snapshot")),
    # Study tasks (courses).
    rule("courses_admin:tasks", ORG_ADMIN_LIST, marker="A支部学习任务", marker_for=IN_A),
    rule("courses_admin:task_add", ORG_ADMIN_LIST, ORG_ADMIN_LIST),
    # Notice read tracking (通知阅读情况): A's notice, its unread list (and Excel), 一键提醒 (POST only).
    rule("courses_admin:notices", ORG_ADMIN_LIST, marker="A总支通知", marker_for=IN_A),
    rule(("courses_admin:notice_detail", "courses_admin:notice_unread"), A_OBJECT, kwargs=pk("notice_a")),
    rule("courses_admin:notice_unread_export", A_OBJECT, kwargs=pk("notice_a"), content_type=XLSX),
    rule("courses_admin:notice_remind", by(ADMIN_LOGIN, ADMIN_LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to("courses_admin:notice_unread"), MISSING,
            to("courses_admin:notice_unread")), kwargs=pk("notice_a")),
    rule("courses_admin:task_detail", A_OBJECT, kwargs=pk("task")),
    rule("courses_admin:task_export", A_OBJECT, kwargs=pk("task"), content_type=XLSX),
    rule("courses_admin:superseded", every_admin(OK),
         why="each user sees only what they may relink: trainers the lessons, administrators their scope's tasks"),
    rule("courses_admin:superseded_relink", every_admin(NOT_ALLOWED), every_admin(BAD),
         why="POST only; an empty POST names nothing to relink: 400 with a Chinese message, nothing changed"),
    # 一键提醒 (POST only): queues reminders for the unfinished members inside the caller's scope.
    rule("courses_admin:task_remind", by(ADMIN_LOGIN, ADMIN_LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to("courses_admin:task_detail"), MISSING,
            to("courses_admin:task_detail")), kwargs=pk("task")),
    # Exams: trainers write banks and exams; statistics for trainers and administrators (scoped rows).
    rule(("exams_tools:import",), TRAINER_TOOL, TRAINER_TOOL),
    rule("exams_tools:template", TRAINER_TOOL, content_type=XLSX),
    rule("exams_tools:docx_template", TRAINER_TOOL, content_type="wordprocessingml"),
    rule("exams_tools:export_bank", TRAINER_TOOL, kwargs=pk("bank"), content_type=XLSX),
    # An exam's review page: trainers (who submit) and the administrators whose scope covers its organizations
    # (the draft is for subtree A) publish it; another administrator gets 404. The empty POST publishes.
    rule("exams_tools:publish", by(ADMIN_LOGIN, ADMIN_LOGIN, OK, OK, MISSING, OK),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, to("exams_tools:publish"), MISSING, to("exams_tools:publish")),
         kwargs=pk("draft_exam")),
    rule("exams_tools:submit", every_admin(NOT_ALLOWED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, to("exams_tools:publish"), DENIED, DENIED, to("exams_tools:publish")),
         kwargs=pk("draft_exam")),
    rule("exams_tools:return", every_admin(NOT_ALLOWED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, BAD, MISSING, BAD), kwargs=pk("draft_exam"),
         why="an empty reason is refused (400) for those who may return it"),
    rule("exams_tools:review", by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, OK, OK)),
    rule("exams_tools:statistics", by(ADMIN_LOGIN, ADMIN_LOGIN, OK, OK, OK, OK)),
    cases("exams_tools:exam_statistics",
          Case(by(ADMIN_LOGIN, ADMIN_LOGIN, OK, OK, OK, OK), kwargs=pk("exam"), label="page"),
          Case(by(ADMIN_LOGIN, ADMIN_LOGIN, OK, OK, OK, OK), kwargs=pk("exam"), query="format=xlsx", label="xlsx",
               content_type=XLSX), why="question statistics for all; organization rows only in scope"),
    rule("exams_tools:revoke", A_OBJECT | {"trainer": MISSING}, A_OBJECT | {"trainer": MISSING},
         kwargs=pk("certificate")),
    cases("exams_tools:bulk", Case(ORG_ADMIN_LIST, label="form"),
          Case(A_OBJECT, query=lambda w: f"organization={w.personas.branch_group_a.pk}", label="A's zip",
               content_type="application/zip")),
    rule("exams_tools:layout", by(ADMIN_LOGIN, ADMIN_LOGIN, to("wagtailsettings:edit"), DENIED, DENIED,
                                  to("wagtailsettings:edit"))),
    rule("exams_bank:*", TRAINER_VIEWSET, kwargs=pk("bank")),
    rule("exams_question:*", TRAINER_VIEWSET, kwargs=pk("question")),
    rule("exams_exam:*", TRAINER_VIEWSET, kwargs=pk("exam")),
    rule(("exams_certificate:index", "exams_certificate:index_results"), by(
        ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, OK, OK), marker="小明", marker_for=IN_A),
    rule("exams_certificate:edit", by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, OK, MISSING, OK), kwargs=pk("certificate")),
    rule(("exams_certificate:history", "exams_certificate:history_results", "exams_certificate:usage"),
         by(ADMIN_LOGIN, ADMIN_LOGIN, MISSING, OK, MISSING, OK), kwargs=pk("certificate"),
         why="these views look the object up (in the user's scope) before Wagtail's permission check"),
    rule(("exams_certificate:add", "exams_certificate:delete"), every_admin(DENIED), kwargs=pk("certificate"),
         why="certificates are issued by grading and revoked with a reason, never added or deleted"),
    # Credit rules and score schemes: superusers only.
    rule("credit_rules:*", SUPERUSER_VIEWSET, kwargs=pk("rule")),
    rule("credit_rule_versions:*", SUPERUSER_VIEWSET, kwargs=pk("rule_version")),
    rule("score_schemes:*", SUPERUSER_VIEWSET, kwargs=pk("scheme")),
    # 答题PK modes: superusers only.
    rule("battle_modes:*", SUPERUSER_VIEWSET, kwargs=pk("battle_mode")),
    # Videos (a snippet viewset): trainers upload and manage them.
    rule("wagtailsnippets_media_video:*", TRAINER_VIEWSET, kwargs=pk("video_a"),
         exclude="wagtailsnippets_media_video:requeue"),
    rule("wagtailsnippets_media_video:requeue", by(ADMIN_LOGIN, ADMIN_LOGIN, OK, MISSING, MISSING, OK),
         by(ADMIN_LOGIN, ADMIN_LOGIN, to("wagtailsnippets_media_video:list"), MISSING, MISSING,
            to("wagtailsnippets_media_video:list")), kwargs=pk("video_unused")),
    rule("wagtailsnippetchoosers_media_video:*", TRAINER_VIEWSET | {"admin_a": OK, "admin_x": OK}, kwargs=pk("video_a"),
         exclude="wagtailsnippetchoosers_media_video:create",
         why="Wagtail's snippet chooser asks no permission: any admin user may list video titles (left alone)"),
    rule("wagtailsnippetchoosers_media_video:create", TRAINER_VIEWSET),
    # Search terms (设置 → 检索词表): the model's permissions, superusers only by default.
    rule("wagtailsnippets_search_queryterm:*", SUPERUSER_VIEWSET, kwargs=pk("query_term")),
    rule("wagtailsnippetchoosers_search_queryterm:*", every_admin(OK), kwargs=pk("query_term"),
         exclude="wagtailsnippetchoosers_search_queryterm:create",
         why="Wagtail's snippet chooser asks no permission: any admin user may list the public search vocabulary"),
    rule("wagtailsnippetchoosers_search_queryterm:create", SUPERUSER_VIEWSET),
]
