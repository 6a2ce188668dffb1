from django.urls import path

from . import document_views, health

urlpatterns = [
    path("documents/<int:pk>/", document_views.document_download, name="document_download"),
    path("healthz", health.healthz, name="healthz"),
]
