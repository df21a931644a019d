"""Rules for Wagtail's own admin families (not a test module): a few rules per family, each with the
concrete outcome per persona.

Who has what in Wagtail: the trainer (group 讲师) has admin access, add/change/lock on the catalog, the
library and the notice board page trees and the video permissions; organization administrators (group
组织管理员) have admin access and add/change on the notice board, limited to notices targeted within their
subtrees (courses/wagtail_hooks.py); members have none. Wagtail answers a refused permission with a redirect to the
admin home (``DENIED``) and no admin access at all with the admin login (``ADMIN_LOGIN``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .rules import (
    ADMIN_LOGIN,
    CREATED,
    DENIED,
    ERROR,
    FORBIDDEN,
    MISSING,
    NOT_ALLOWED,
    OK,
    Build,
    Case,
    Rule,
    by,
    cases,
    every,
    every_admin,
    rule,
    to,
)

ANY_ADMIN = every_admin(OK)  # every user with admin access
TRAINER_PAGES = by(ADMIN_LOGIN, ADMIN_LOGIN, OK, DENIED, DENIED, OK)  # the trainer's page permissions
# Page screens that need some page permission: organization administrators have one (the notice board).
PAGE_WRITERS = TRAINER_PAGES | {"admin_a": OK, "admin_x": OK}
SUPERUSER = by(ADMIN_LOGIN, ADMIN_LOGIN, DENIED, DENIED, DENIED, OK)
PUBLIC = every(OK)
SCOPED_MEDIA_API = ("school/admin_api.py: documents and images only where the user has a collection permission "
                    "(add/change/delete/choose); nobody but the superuser has one in this world")


def page_ids(w: Any) -> dict[str, Any]:
    """Every page parameter of Wagtail's page URLs, pointing at A's course and its latest revision."""
    course, revision = w.course_a, w.course_revision
    return {
        "page_id": course.pk, "parent_page_id": course.pk, "page_to_move_id": course.pk,
        "destination_id": w.catalog.pk, "pk": course.pk, "revision_id": revision.pk, "revision_id_a": "earliest",
        "revision_id_b": "latest", "content_type_app_name": "courses", "content_type_model_name": "readinglessonpage",
        "app_label": "courses", "model_name": "coursepage",
    }


def workflow_ids(w: Any) -> dict[str, Any]:
    """The draft course in moderation (the default workflow's approval task)."""
    return {"page_id": w.draft_page.pk, "action_name": "approve", "task_state_id": w.task_state.pk,
            "task_id": w.task_state.task_id, "workflow_state_id": w.workflow_state.pk}


def pk(attr: str, name: str = "pk") -> Build:
    return lambda w: {name: getattr(w, attr).pk}


PAGE_SPECIAL = (
    "wagtailadmin_pages:edit", "wagtailadmin_pages:add_subpage", "wagtailadmin_pages:add", "wagtailadmin_pages:delete",
    "wagtailadmin_pages:unpublish", "wagtailadmin_pages:move", "wagtailadmin_pages:set_privacy",
    "wagtailadmin_pages:revisions_unschedule", "wagtailadmin_pages:move_confirm", "wagtailadmin_pages:copy",
    "wagtailadmin_pages:revisions_revert", "wagtailadmin_pages:lock", "wagtailadmin_pages:unlock",
    "wagtailadmin_pages:set_page_position", "wagtailadmin_pages:choose_parent", "wagtailadmin_pages:convert_alias",
    "wagtailadmin_pages:revisions_index", "wagtailadmin_pages:workflow_*",
    "wagtailadmin_pages:collect_workflow_action_data", "wagtailadmin_pages:confirm_workflow_cancellation")
IMAGE_UPLOADS = ("wagtailimages:edit_multiple", "wagtailimages:delete_multiple", "wagtailimages:delete_upload_multiple",
                 "wagtailimages:create_multiple_from_uploaded_image")
DOCUMENT_UPLOADS = ("wagtaildocs:edit_multiple", "wagtaildocs:delete_multiple", "wagtaildocs:delete_upload_multiple",
                    "wagtaildocs:create_multiple_from_uploaded_document")
WORKFLOW_SWITCHES = ("wagtailadmin_workflows:enable*", "wagtailadmin_workflows:disable*", "wagtailadmin_workflows:remove")
UPLOADED_BY_OTHERS = ("wagtailimages:create_multiple_from_uploaded_image", "wagtailimages:delete_upload_multiple",
                      "wagtaildocs:create_multiple_from_uploaded_document", "wagtaildocs:delete_upload_multiple")
SETTING = {"app_name": "exams", "model_name": "certificatelayout"}

CORE: list[Rule] = [
    rule("wagtailadmin_home", ANY_ADMIN),
    rule(("wagtailadmin_account", "wagtailadmin_dismissibles"), ANY_ADMIN),
    rule("wagtailadmin_logout", every_admin(NOT_ALLOWED), every_admin(to("wagtailadmin_login"))),
    rule("wagtailadmin_login", by(OK, OK, *[to("wagtailadmin_home")] * 4)),
    rule(("wagtailadmin_password_reset", "wagtailadmin_password_reset_done", "wagtailadmin_password_reset_complete",
          "wagtailadmin_javascript_catalog", "wagtailadmin_sprite"), PUBLIC),
    rule("wagtailadmin_password_reset_confirm", PUBLIC, kwargs=lambda w: {"uidb64": "MQ", "token": "x-y"}),
    rule("route:admin/test404/", every_admin(OK), path=lambda w: "/admin/test404/",
         why="Wagtail's page for looking at the 404 template"),
    rule("route:admin/.*/$", every_admin(MISSING), path=lambda w: "/admin/no-such-screen/"),
    rule("wagtailadmin_error_test", every_admin(ERROR), why="Wagtail's deliberate server error (/admin/failwhale/)"),
    # Wagtail's admin API (explorer, choosers): pages only where the user may explore.
    rule("wagtailadmin_api:*:listing", ANY_ADMIN),
    rule("wagtailadmin_api:pages:find", TRAINER_PAGES | {
        "trainer": to("wagtailadmin_api:pages:detail"), "admin_a": MISSING, "admin_x": MISSING,
        "superuser": to("wagtailadmin_api:pages:detail")}, query=lambda w: f"id={w.course_a.pk}"),
    rule("wagtailadmin_api:pages:detail", TRAINER_PAGES | {"admin_a": MISSING, "admin_x": MISSING},
         kwargs=lambda w: {"pk": w.course_a.pk}),
    rule("wagtailadmin_api:documents:find", every_admin(MISSING, superuser=to("wagtailadmin_api:documents:detail")),
         query=lambda w: f"id={w.document_a.pk}", why=SCOPED_MEDIA_API),
    rule("wagtailadmin_api:documents:detail", every_admin(MISSING, superuser=OK), kwargs=pk("document_a"),
         why=SCOPED_MEDIA_API),
    rule("wagtailadmin_api:images:find", every_admin(MISSING, superuser=to("wagtailadmin_api:images:detail")),
         query=lambda w: f"id={w.image.pk}", why=SCOPED_MEDIA_API),
    rule("wagtailadmin_api:images:detail", every_admin(MISSING, superuser=OK), kwargs=pk("image"),
         why=SCOPED_MEDIA_API),
    rule("wagtailadmin_api:pages:action", every_admin(NOT_ALLOWED),
         by(ADMIN_LOGIN, ADMIN_LOGIN, FORBIDDEN, MISSING, MISSING, CREATED), kwargs=lambda w: {
        "pk": w.course_a.pk, "action_name": "copy"}),
    rule(("wagtailadmin_choose_page", "wagtailadmin_choose_page_search", "wagtailadmin_choose_page_chosen_multiple",
          "wagtailadmin_choose_page_external_link", "wagtailadmin_choose_page_email_link",
          "wagtailadmin_choose_page_phone_link", "wagtailadmin_choose_page_anchor_link"), ANY_ADMIN),
    rule("wagtailadmin_choose_page_child", ANY_ADMIN, kwargs=lambda w: {"parent_page_id": w.catalog.pk}),
    rule("wagtailadmin_tag_autocomplete", ANY_ADMIN),
    rule("wagtailadmin_tag_model_autocomplete", ANY_ADMIN, kwargs=lambda w: {"app_name": "taggit", "model_name": "tag"}),
    rule("wagtailadmin_editing_sessions:ping", every_admin(NOT_ALLOWED),
         TRAINER_PAGES | {"admin_a": MISSING, "admin_x": MISSING}, kwargs=lambda w: {
        "app_label": "courses", "model_name": "coursepage", "object_id": str(w.course_a.pk),
        "session_id": w.editing_session.pk}),
    rule("wagtailadmin_editing_sessions:release", every_admin(NOT_ALLOWED), ANY_ADMIN,
         kwargs=pk("editing_session", "session_id"), why="releases only the user's own sessions"),
    rule("wagtailadmin_block_preview", every_admin(MISSING), why="no block named: 404"),
    rule("wagtailembeds:*", ANY_ADMIN),
]

PAGES: list[Rule] = [
    rule("wagtailadmin_explore_root", TRAINER_PAGES | {"trainer": to("wagtailadmin_explore"),
                                                       "admin_a": to("wagtailadmin_explore"),
                                                       "admin_x": to("wagtailadmin_explore")}),
    cases(("wagtailadmin_explore", "wagtailadmin_explore_results"),
          Case(TRAINER_PAGES | {"admin_a": to("wagtailadmin_explore"), "admin_x": to("wagtailadmin_explore")},
               kwargs=lambda w: {"parent_page_id": w.catalog.pk}, label="catalog"),
          # The notice board: each organization administrator lists only notices targeted within their subtrees.
          Case(PAGE_WRITERS, kwargs=lambda w: {"parent_page_id": w.notice_board.pk}, label="notice board",
               marker="A总支通知", marker_for=("trainer", "admin_a", "superuser")),
          why="outside the notice board Wagtail sends organization administrators to the board"),
    rule("wagtailadmin_pages:*", TRAINER_PAGES, kwargs=page_ids,
         exclude=(*PAGE_SPECIAL, "wagtailadmin_pages:search*", "wagtailadmin_pages:type_use*")),
    rule(("wagtailadmin_pages:search*", "wagtailadmin_pages:type_use*"), PAGE_WRITERS, kwargs=page_ids),
    # The page search at Wagtail's address (school/admin_views/page_search.py): X's administrator does not find
    # A's notice by its title.
    cases(("admin_page_search", "admin_page_search_results"),
          Case(PAGE_WRITERS, query="q=" + quote("A总支"), label="a notice's title",
               marker="A总支通知", marker_for=("trainer", "admin_a", "superuser"))),
    cases("wagtailadmin_pages:edit",
          Case(TRAINER_PAGES, TRAINER_PAGES, kwargs=page_ids, label="course"),
          # A's notice: A's administrator edits it; X's administrator may not open it (Wagtail's "permission denied").
          Case(TRAINER_PAGES | {"admin_a": OK}, TRAINER_PAGES | {"admin_a": OK},
               kwargs=lambda w: {**page_ids(w), "page_id": w.notice_a.pk}, label="A's notice"),
          why="an empty form comes back with its errors"),
    rule(("wagtailadmin_pages:add", "wagtailadmin_pages:revisions_revert"), TRAINER_PAGES,
         TRAINER_PAGES, kwargs=page_ids, why="an empty form comes back with its errors"),
    rule("wagtailadmin_pages:add_subpage", TRAINER_PAGES, TRAINER_PAGES | {"trainer": NOT_ALLOWED,
                                                                          "superuser": NOT_ALLOWED}, kwargs=page_ids),
    rule(("wagtailadmin_pages:move", "wagtailadmin_pages:set_privacy"), SUPERUSER, SUPERUSER, kwargs=page_ids,
         why="the trainer writes and submits; moderators publish, move and delete"),
    rule(("wagtailadmin_pages:delete", "wagtailadmin_pages:unpublish"), SUPERUSER,
         SUPERUSER | {"superuser": to("wagtailadmin_explore")}, kwargs=page_ids),
    rule("wagtailadmin_pages:revisions_unschedule", SUPERUSER, SUPERUSER | {"superuser": to("wagtailadmin_pages:history")},
         kwargs=page_ids),
    rule("wagtailadmin_pages:move_confirm", ANY_ADMIN, SUPERUSER | {"superuser": to("wagtailadmin_explore")},
         kwargs=page_ids, why="Wagtail shows the confirmation to any admin user; the move itself checks"),
    rule("wagtailadmin_pages:copy", TRAINER_PAGES, TRAINER_PAGES | {"trainer": ERROR, "superuser": ERROR},
         kwargs=page_ids, why="Wagtail's copy view reads POST['new_parent_page'] unchecked (left alone)"),
    rule(("wagtailadmin_pages:lock", "wagtailadmin_pages:unlock", "wagtailadmin_pages:set_page_position"),
         every_admin(NOT_ALLOWED), kwargs=page_ids),
    rule("wagtailadmin_pages:choose_parent", TRAINER_PAGES | {
        "trainer": to("wagtailadmin_pages:add"), "admin_a": OK, "admin_x": OK, "superuser": to("wagtailadmin_pages:add")},
        kwargs=page_ids, why="lists the pages the user may add a course under: none for organization administrators"),
    rule("wagtailadmin_pages:convert_alias", every_admin(MISSING), kwargs=page_ids, why="the course is no alias"),
    rule("wagtailadmin_pages:revisions_index", every_admin(to("wagtailadmin_pages:history")), kwargs=page_ids),
    rule("wagtailadmin_pages:workflow_action", SUPERUSER, SUPERUSER | {"superuser": to("wagtailadmin_pages:edit")},
         kwargs=workflow_ids, why="approving is for moderators, not for the trainer who submitted"),
    rule("wagtailadmin_pages:collect_workflow_action_data", SUPERUSER, SUPERUSER, kwargs=workflow_ids),
    rule("wagtailadmin_pages:workflow_preview", SUPERUSER, every_admin(NOT_ALLOWED), kwargs=workflow_ids),
    rule(("wagtailadmin_pages:workflow_history", "wagtailadmin_pages:workflow_history_detail"), TRAINER_PAGES,
         kwargs=workflow_ids),
    rule("wagtailadmin_pages:confirm_workflow_cancellation", ANY_ADMIN, kwargs=workflow_ids),
    rule("wagtail_bulk_action", ANY_ADMIN, every_admin(to("wagtail_bulk_action")), kwargs=lambda w: {
        "app_label": "wagtailcore", "model_name": "page", "action": "delete"}, query=lambda w: f"id={w.course_a.pk}",
        why="the confirmation lists what the user may not delete; an empty form goes back to it"),
    rule(("wagtailforms:index", "wagtailforms:index_results"), PAGE_WRITERS),
    rule(("wagtailforms:list_submissions", "wagtailforms:list_submissions_results"), every_admin(MISSING),
         kwargs=lambda w: {"page_id": w.course_a.pk}, why="the project has no form pages"),
    rule("wagtailforms:delete_submissions", every_admin(DENIED), kwargs=lambda w: {"page_id": w.course_a.pk}),
    rule("wagtailadmin_reports:locked_pages*", SUPERUSER),
    rule("wagtailadmin_reports:site_history*", ANY_ADMIN, why="each user sees the log of what they may see"),
    rule("wagtailadmin_reports:*", PAGE_WRITERS, exclude=("wagtailadmin_reports:locked_pages*",
                                                         "wagtailadmin_reports:site_history*")),
]

MEDIA: list[Rule] = [
    rule("wagtailadmin_collections:delete", SUPERUSER | {"trainer": MISSING, "admin_a": MISSING, "admin_x": MISSING},
         kwargs=pk("collection")),
    rule("wagtailadmin_collections:*", SUPERUSER, exclude="wagtailadmin_collections:delete",
         kwargs=lambda w: {"pk": w.collection.pk, "collection_id": w.collection.pk}),
    rule(IMAGE_UPLOADS, every_admin(NOT_ALLOWED), SUPERUSER, kwargs=lambda w: {
        "image_id": w.image.pk, "uploaded_file_id": w.uploaded_image.pk}, exclude=UPLOADED_BY_OTHERS),
    rule(UPLOADED_BY_OTHERS[:2], every_admin(NOT_ALLOWED), every_admin(DENIED), kwargs=pk(
        "uploaded_image", "uploaded_file_id"), why="an upload is finished or dropped only by the user who uploaded it"),
    rule(UPLOADED_BY_OTHERS[2:], every_admin(NOT_ALLOWED), every_admin(DENIED), kwargs=pk(
        "uploaded_document", "uploaded_file_id"), why="an upload is finished or dropped only by the user who uploaded it"),
    rule("wagtailimages:url_generator*", SUPERUSER | {"superuser": MISSING}, kwargs=pk("image", "image_id"),
         why="no image serving view is configured"),
    rule("wagtailimages:*", SUPERUSER, exclude=(*IMAGE_UPLOADS, "wagtailimages:url_generator*"), kwargs=lambda w: {
        "image_id": w.image.pk, "filter_spec": "fill-20x20"}),
    rule(DOCUMENT_UPLOADS, every_admin(NOT_ALLOWED), SUPERUSER, kwargs=lambda w: {
        "doc_id": w.document_a.pk, "uploaded_file_id": w.uploaded_document.pk}, exclude=UPLOADED_BY_OTHERS),
    rule("wagtaildocs:*", SUPERUSER, exclude=DOCUMENT_UPLOADS, kwargs=pk("document_a", "document_id")),
    rule(("wagtailimages_chooser:choose", "wagtailimages_chooser:choose_results", "wagtailimages_chooser:chosen_multiple",
          "wagtaildocs_chooser:choose", "wagtaildocs_chooser:choose_results", "wagtaildocs_chooser:chosen_multiple"),
         ANY_ADMIN, why="Wagtail's choosers list only the collections the user may choose from (none but superusers)"),
    rule(("wagtailimages_chooser:chosen", "wagtailimages_chooser:create", "wagtailimages_chooser:select_format"),
         SUPERUSER, kwargs=lambda w: {"pk": w.image.pk, "image_id": w.image.pk}),
    rule(("wagtaildocs_chooser:chosen", "wagtaildocs_chooser:create"), SUPERUSER, kwargs=pk("document_a")),
]

SETTINGS: list[Rule] = [
    rule("wagtailusers_users:*", SUPERUSER, kwargs=lambda w: {"pk": w.personas.member.user.pk}),
    rule("wagtailusers_groups:*", SUPERUSER, kwargs=pk("trainer_group")),
    rule("wagtailsites:*", SUPERUSER, kwargs=pk("site")),
    rule("wagtailredirects:process_import", SUPERUSER | {"superuser": NOT_ALLOWED}, SUPERUSER | {"superuser": ERROR},
         why="Wagtail reads the import file name from the session unchecked (left alone)"),
    rule("wagtailredirects:*", SUPERUSER, exclude="wagtailredirects:process_import",
         kwargs=pk("redirect", "redirect_id")),
    rule("wagtailadmin_workflows:task_cho*", ANY_ADMIN, kwargs=lambda w: {"task_id": w.task_def.pk},
         why="Wagtail's task chooser (on the workflow form) checks no permission; it lists task names only"),
    rule("wagtailadmin_workflows:disable", SUPERUSER, SUPERUSER | {"superuser": to("wagtailadmin_workflows:index")},
         kwargs=pk("workflow")),
    rule("wagtailadmin_workflows:disable_task", SUPERUSER, SUPERUSER | {
        "superuser": to("wagtailadmin_workflows:task_index")}, kwargs=pk("task_def")),
    rule("wagtailadmin_workflows:enable", every_admin(NOT_ALLOWED), SUPERUSER | {
        "superuser": to("wagtailadmin_workflows:edit")}, kwargs=pk("workflow")),
    rule("wagtailadmin_workflows:enable_task", every_admin(NOT_ALLOWED), SUPERUSER | {
        "superuser": to("wagtailadmin_workflows:edit_task")}, kwargs=pk("task_def")),
    rule("wagtailadmin_workflows:remove", every_admin(NOT_ALLOWED), SUPERUSER | {"superuser": to("wagtailadmin_explore")},
         kwargs=lambda w: {"page_pk": w.catalog.pk, "workflow_pk": w.workflow.pk}),
    rule("wagtailadmin_workflows:select_task_type", SUPERUSER | {"superuser": to("wagtailadmin_workflows:add_task")}),
    rule("wagtailadmin_workflows:*", SUPERUSER, exclude=(
        "wagtailadmin_workflows:task_cho*", *WORKFLOW_SWITCHES, "wagtailadmin_workflows:select_task_type"),
        kwargs=lambda w: {"pk": w.workflow.pk, "app_label": "wagtailcore", "model_name": "groupapprovaltask"}),
    rule("wagtailsnippets:index", every_admin(DENIED), why="videos have their own menu: no snippet model is listed"),
    rule("route:admin/settings/<slug:app_name>/<slug:model_name>/", every_admin(to("wagtailsettings:edit")),
         every_admin(to("wagtailsettings:edit")), kwargs=lambda w: SETTING, why="goes on to the setting's own URL"),
    rule("route:admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/", SUPERUSER, SUPERUSER,
         kwargs=lambda w: {**SETTING, "pk": w.certificate_layout.pk}),
    rule("wagtailsettings:preview_on_edit", SUPERUSER | {"superuser": MISSING}, SUPERUSER | {"superuser": MISSING},
         kwargs=lambda w: {**SETTING, "pk": w.certificate_layout.pk}, why="settings have no preview"),
]

WAGTAIL: list[Rule] = [*CORE, *PAGES, *MEDIA, *SETTINGS]
