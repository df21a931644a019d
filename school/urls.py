from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from school.api import urls as api_urls
from school.views import auth, site

urlpatterns = [
    path("", site.home, name="home"),
    path("me/", site.my_study, name="my_study"),
    path("health/", site.health, name="health"),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", include(api_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # The apps above school: each urls.py gives its own paths their prefixes.
    path("", include("media.urls")),
    path("", include("courses.urls")),
    path("", include("exams.urls")),
    path("", include("search.urls")),
]

# Uploaded files are never served from MEDIA_ROOT directly: each app serves its files through views
# that check the user's permission (imports hold ID numbers; videos belong to lessons).

# JSON API paths no view matches answer the API's JSON 404 too.
handler404 = "school.api.errors.not_found"

# Wagtail's page tree last: courses and the document library are pages.
urlpatterns.append(path("", include(wagtail_urls)))
