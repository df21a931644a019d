from django.urls import path

from .admin_views import accounts, audit_log, chooser, members, organizations, roles

app_name = "school_admin"
urlpatterns = [
    path("organizations/", organizations.index, name="organizations"),
    path("organizations/choose/", chooser.choose, name="organization_choose"),
    path("organizations/add/", organizations.create, name="organization_add"),
    path("organizations/<id:pk>/", organizations.edit, name="organization_edit"),
    path("organizations/<id:pk>/delete/", organizations.delete, name="organization_delete"),
    path("organizations/export/", organizations.export, name="organization_export"),
    path("organizations/template/", organizations.template, name="organization_template"),
    path("organizations/import/", organizations.import_file, name="organization_import"),
    path("members/", members.index, name="members"),
    path("members/add/", members.create, name="member_add"),
    path("members/<id:pk>/", members.edit, name="member_edit"),
    path("members/export/", members.export, name="member_export"),
    path("members/template/", members.template, name="member_template"),
    path("members/import/", members.import_file, name="member_imports"),
    path("members/import/<id:pk>/", members.import_detail, name="member_import"),
    path("members/<id:pk>/account/", accounts.member_account, name="member_account"),
    path("accounts/", accounts.activation_rates, name="account_rates"),
    path("accounts/issue/", accounts.issue, name="account_issue"),
    path("accounts/sheets/<id:pk>/", accounts.sheet, name="account_sheet"),
    path("accounts/sheets/<id:pk>/download/", accounts.sheet_download, name="account_sheet_download"),
    path("roles/", roles.index, name="roles"),
    path("roles/<id:pk>/revoke/", roles.revoke, name="role_revoke"),
    path("roles/trainer/", roles.grant_trainer, name="role_trainer"),
    path("audit/", audit_log.index, name="audit_log"),
]
