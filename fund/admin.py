"""Django admin for administrators: users, reference data, and a read-only audit trail.

Saves made here are written to the audit trail too, so nothing changes without a record.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import (
    AuditEvent,
    CbsIndicator,
    Commitment,
    Enterprise,
    EnterpriseRelation,
    EuBaseRate,
    Fund,
    FundManager,
    FundTheme,
    Investor,
    Membership,
    Municipality,
    Organisation,
    ReferenceRateMargin,
    ReferralPartner,
    SocialLabel,
    SustainableDevelopmentGoal,
    Theme,
    User,
)


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                obj=obj,
                action="admin_changed" if change else "admin_created",
                data={"fields": form.changed_data},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, obj=obj, action="admin_deleted")
            super().delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["fund", "organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Persoonlijke gegevens"), {"fields": ("first_name", "last_name")}),
        (_("Rechten"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Belangrijke datums"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdmin):
    list_display = ["cbs_code", "name", "province"]
    search_fields = ["cbs_code", "name"]
    list_filter = ["province"]


@admin.register(SustainableDevelopmentGoal)
class SdgAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]


@admin.register(Theme)
class ThemeAdmin(AuditedAdmin):
    list_display = ["name", "code"]
    filter_horizontal = ["sdgs"]


class FundThemeInline(admin.TabularInline):
    model = FundTheme
    extra = 0
    max_num = 3


@admin.register(Fund)
class FundAdmin(AuditedAdmin):
    list_display = ["name", "code", "manager", "vintage_year", "status"]
    search_fields = ["name", "code"]
    list_filter = ["status"]
    filter_horizontal = ["region"]
    inlines = [FundThemeInline]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kvk_number", "city", "municipality"]
    search_fields = ["name", "kvk_number"]


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin):
    list_display = ["organisation", "legal_form"]
    search_fields = ["organisation__name"]


admin.site.register(SocialLabel, AuditedAdmin)
admin.site.register(Investor, AuditedAdmin)
admin.site.register(FundManager, AuditedAdmin)
admin.site.register(ReferralPartner, AuditedAdmin)
admin.site.register(EnterpriseRelation, AuditedAdmin)
admin.site.register(Commitment, AuditedAdmin)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "fund", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["object_repr", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# De minimis reference data (issue 17): dated, maintained by an administrator; a new rate is a new row.
@admin.register(EuBaseRate)
class EuBaseRateAdmin(AuditedAdmin):
    list_display = ["valid_from", "rate", "source", "is_illustrative"]


@admin.register(ReferenceRateMargin)
class ReferenceRateMarginAdmin(AuditedAdmin):
    list_display = ["valid_from", "rating", "collateral", "margin_bp"]
    list_filter = ["valid_from", "rating", "collateral"]


@admin.register(CbsIndicator)
class CbsIndicatorAdmin(AuditedAdmin):
    list_display = ["title", "code", "unit", "aggregation", "is_population"]
