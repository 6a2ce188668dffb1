"""Pipeline configuration per fund in the admin: the due-diligence checklist template, committee rules."""

from django.contrib import admin

from fund.admin import AuditedAdmin

from .models import ChecklistTemplateItem, CommitteeRules


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(AuditedAdmin):
    list_display = ("fund", "position", "title")
    list_filter = ("fund",)
    ordering = ("fund", "position")


@admin.register(CommitteeRules)
class CommitteeRulesAdmin(AuditedAdmin):
    list_display = ("fund", "quorum", "majority")
