from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents.views import serve as wagtaildocs_serve

from school.admin_views import page_search
from school.api import urls as api_urls
from school.credits import member_views as credit_views
from school.views import accounts, auth, files, notifications, site

urlpatterns = [
    path("", site.home, name="home"),
    path("me/", site.my_study, name="my_study"),
    path("me/credits/", credit_views.my_credits, name="my_credits"),
    path("me/ranking/", credit_views.ranking, name="my_ranking"),
    path("me/elder-mode/", site.elder_mode, name="elder_mode"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<id:pk>/", notifications.notification_open, name="notification_open"),
    path("notifications/read-all/", notifications.notification_mark_all_read, name="notifications_read_all"),
    path("notifications/preferences/", notifications.notification_preferences, name="notification_preferences"),
    path("health/", site.health, name="health"),
    path("ready/", site.ready, name="ready"),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/choose/", accounts.choose_password, name="accounts_choose_password"),
    path("accounts/password/forgot/", accounts.forgot, name="accounts_forgot"),
    path("accounts/activate/", accounts.activate, name="accounts_activate"),
    path("accounts/verify/", accounts.verify, name="accounts_verify"),
    path("accounts/dev/sms/", accounts.dev_sms, name="accounts_dev_sms"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Wagtail's page search, hiding what the page explorer hides (school/admin_views/page_search.py).
    path("admin/pages/search/", page_search.search, name="admin_page_search"),
    path("admin/pages/search/results/", page_search.search_results, name="admin_page_search_results"),
    path("admin/", include(wagtailadmin_urls)),
    # Documents through our wrapper of Wagtail's view (attachments, sandboxed): school/views/files.py.
    path("documents/<id:document_id>/<str:document_filename>", files.serve_document, name="wagtaildocs_serve"),
    # Wagtail's own documents URLconf is not included: its serve pattern would sit unreachable behind ours.
    path("documents/authenticate_with_password/<id:restriction_id>/", wagtaildocs_serve.authenticate_with_password,
         name="wagtaildocs_authenticate_with_password"),
    path("api/v1/", include(api_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file (no inline script for the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="school/api/swagger_ui.html"),
         name="api-docs"),
    # The apps above school: each urls.py gives its own paths their prefixes.
    path("", include("media.urls")),
    path("", include("courses.urls")),
    path("", include("exams.urls")),
    path("", include("search.urls")),
]

# Uploaded files are never served from MEDIA_ROOT directly: each app serves its files through views
# that check the user's permission (imports hold ID numbers; videos belong to lessons).

# Wagtail's page tree last: courses and the document library are pages.
urlpatterns.append(path("", include(wagtail_urls)))

handler400 = "school.views.errors.bad_request"
handler403 = "school.views.errors.permission_denied"
handler404 = "school.views.errors.page_not_found"
# 500, and 503 for a lost database connection: school/views/errors.py.
handler500 = "school.views.errors.server_error"
