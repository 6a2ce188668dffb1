"""The investor reports come here (issue 11 moved the loan statement to portfolio)."""

from django.urls import path

from . import place_views

urlpatterns: list = [
    # place context: CBS indicators beside the fund's impact (issue 17)
    path("funds/<int:fund_pk>/place/", place_views.fund_place, name="place_fund"),
    path(
        "funds/<int:fund_pk>/place/<str:cbs_code>/", place_views.municipality_place, name="place_municipality"
    ),
    path("place/cbs-import/", place_views.cbs_import, name="cbs_import"),
]
