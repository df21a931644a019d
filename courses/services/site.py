"""The fixed pages under the site root: the course catalog (/courses/), the library (/library/) and the
notice board (/notices/)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission, Page, Site, Task, Workflow

from school.permissions import ORG_ADMIN_GROUP, TRAINER_GROUP

from ..models import CourseCatalogPage, NoticeIndexPage, PolicyDocumentLibraryPage

CATALOG_SLUG = "courses"
LIBRARY_SLUG = "library"
NOTICES_SLUG = "notices"
# Trainers write and submit for moderation; publishing is the moderators' (Wagtail's default workflow).
TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page")
# Organization administrators write notices on the notice board the same way (submit for moderation), limited
# to notices targeted within their subtrees (courses/wagtail_hooks.py); they neither lock nor publish.
ORG_ADMIN_NOTICE_PERMISSIONS = ("add_page", "change_page")
# Wagtail's migrations name its default workflow and task in English; trainers see the name on the
# "submit" button and moderators in the task list. Renamed once, unless someone renamed it already.
WAGTAIL_DEFAULT_WORKFLOW = "Moderators approval"
WORKFLOW_NAME = "审核员审批"


@dataclass
class SitePages:
    catalog: CourseCatalogPage
    library: PolicyDocumentLibraryPage
    notices: NoticeIndexPage


def _site_root() -> Page:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page
    root = Page.get_first_root_node()
    assert root is not None, "Wagtail's root page is missing; run migrate"
    return root


@transaction.atomic
def ensure_site_pages() -> SitePages:
    """Create (once) the catalog, the library and the notice board below the site root, let trainers edit them (and organization
    administrators write notices) and give
    Wagtail's default moderation workflow a Chinese name."""
    home = _site_root()
    catalog = CourseCatalogPage.objects.first()
    if catalog is None:
        catalog = CourseCatalogPage(title="课程", slug=CATALOG_SLUG, intro="党员教育培训课程")
        home.add_child(instance=catalog)
        catalog.save_revision().publish()
    library = PolicyDocumentLibraryPage.objects.first()
    if library is None:
        library = PolicyDocumentLibraryPage(title="文库", slug=LIBRARY_SLUG, intro="党内法规、规范性文件与法律法规")
        home.add_child(instance=library)
        library.save_revision().publish()
    notices = NoticeIndexPage.objects.first()
    if notices is None:
        notices = NoticeIndexPage(title="通知公告", slug=NOTICES_SLUG, intro="")
        home.add_child(instance=notices)
        notices.save_revision().publish()
    trainers, _created = Group.objects.get_or_create(name=TRAINER_GROUP)
    for page in (catalog, library, notices):
        for codename in TRAINER_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(group=trainers, page=page,
                                                      permission__codename=codename,
                                                      defaults={"permission": _permission(codename)})
    org_admins, _created = Group.objects.get_or_create(name=ORG_ADMIN_GROUP)
    for codename in ORG_ADMIN_NOTICE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(group=org_admins, page=notices, permission__codename=codename,
                                                  defaults={"permission": _permission(codename)})
    Workflow.objects.filter(name=WAGTAIL_DEFAULT_WORKFLOW).update(name=WORKFLOW_NAME)
    Task.objects.filter(name=WAGTAIL_DEFAULT_WORKFLOW).update(name=WORKFLOW_NAME)
    if not trainers.permissions.filter(codename="access_admin").exists():
        trainers.permissions.add(_permission("access_admin", app_label="wagtailadmin"))
    return SitePages(catalog=catalog, library=library, notices=notices)


def _permission(codename: str, app_label: str = "wagtailcore") -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)
