"""The investor reports come here (issue 11 moved the loan statement to portfolio)."""

urlpatterns: list = []
