"""The investor reports come here (issue 11 moved the loan statement to portfolio)."""

from django.urls import path

from . import capital_views

urlpatterns: list = [
    path(
        "funds/<int:fund_pk>/capital-accounts/",
        capital_views.capital_accounts_page,
        name="capital_accounts",
    ),
]
