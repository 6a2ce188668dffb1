from django.urls import path

from . import document_views

urlpatterns = [path("documents/<int:pk>/", document_views.document_download, name="document_download")]
