from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from fund import api as fund_api
from fund.forms import EmailAuthenticationForm
from fund.security import RateLimitedPasswordResetView

router = DefaultRouter()
router.register("funds", fund_api.FundViewSet, basename="api-fund")
router.register("organisations", fund_api.OrganisationViewSet, basename="api-organisation")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "account/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("account/password_reset/", RateLimitedPasswordResetView.as_view(), name="password_reset"),
    path("account/", include("django.contrib.auth.urls")),
    path("api/me/", fund_api.MeView.as_view(), name="api-me"),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("outcomes/", include("resultaatfinanciering.urls")),
    path("impact/", include("impactmeasurement.urls")),
    path("capital/", include("investors.urls")),
    path("", include("core.urls")),
    path("", include("reports.urls")),
    path("", include("portfolio.urls")),
    path("", include("fund.urls")),
    path("", include("pipeline.urls")),
]
