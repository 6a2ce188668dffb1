from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/financials/", views.application_financials, name="application_financials"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/documents/", views.document_add, name="application_document_add"),
    path(
        "applications/<int:pk>/transition/<slug:name>/",
        views.application_transition,
        name="application_transition",
    ),
    path("applications/<int:pk>/notes/", views.note_add, name="application_note_add"),
    path("applications/<int:pk>/checks/", views.checks_run, name="application_checks_run"),
    path(
        "applications/<int:pk>/checks/<slug:code>/override/",
        views.check_override,
        name="application_check_override",
    ),
    path("applications/<int:pk>/assessment/", views.assessment_edit, name="application_assessment"),
    path("applications/<int:pk>/terms/", views.terms_edit, name="application_terms"),
    path("applications/<int:pk>/memo/", views.memo_generate, name="application_memo_generate"),
    path("applications/<int:pk>/hand-off/", views.application_hand_off, name="application_hand_off"),
    path("application-documents/<int:pk>/", views.document_download, name="application_document"),
    path(
        "application-documents/<int:pk>/replace/", views.document_replace, name="application_document_replace"
    ),
    path("application-documents/<int:pk>/remove/", views.document_remove, name="application_document_remove"),
    path("applications/<int:pk>/messages/", views.message_post, name="application_message_post"),
    path("checklist/<int:pk>/", views.checklist_item_update, name="checklist_item_update"),
    path("memos/<int:pk>/memo.pdf", views.memo_download, name="memo_download"),
    path("funds/<int:fund_pk>/pipeline/", views.pipeline_overview, name="pipeline_overview"),
    path("funds/<int:fund_pk>/committee/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/agenda/", views.agenda_item_add, name="agenda_item_add"),
    path("meetings/<int:pk>/minutes.pdf", views.minutes_pdf, name="meeting_minutes"),
    path("meetings/<int:pk>/open/", views.meeting_open, name="meeting_open"),
    path("meetings/<int:pk>/close/", views.meeting_close, name="meeting_close"),
    path("meetings/<int:pk>/attendance/", views.attendance_set, name="meeting_attendance"),
    path("meetings/<int:pk>/adopt-minutes/", views.minutes_adopt, name="meeting_minutes_adopt"),
    path("agenda-items/<int:pk>/leave/", views.item_leave, name="agenda_item_leave"),
    path("agenda-items/<int:pk>/return/", views.item_return, name="agenda_item_return"),
    path("agenda-items/<int:pk>/declare/", views.conflict_declare, name="conflict_declare"),
    path("agenda-items/<int:pk>/vote/", views.vote_cast, name="vote_cast"),
    path("agenda-items/<int:pk>/decide/", views.decision_record, name="decision_record"),
]
