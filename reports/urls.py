from django.urls import path

from . import views

urlpatterns = [path("contracts/<int:pk>/statement.pdf", views.loan_statement, name="loan_statement")]
