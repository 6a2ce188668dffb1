"""Admin: benefit norms are reference data an administrator maintains (audited); everything else is
read-only here, because its state changes go through the services (verification, four-eyes approval)."""

from django.contrib import admin

from fund.admin import AuditedAdmin

from .models import BenefitNorm, Claim, OutcomeContract, PaymentProposal


@admin.register(BenefitNorm)
class BenefitNormAdmin(AuditedAdmin):
    list_display = ["household_type", "valid_from", "monthly_amount", "includes_holiday_allowance"]
    list_filter = ["household_type"]

    def get_readonly_fields(self, request, obj=None):
        # A norm that priced a claim is history: it may not change (the claim stores its value anyway).
        if obj is not None and obj.claims.exists():
            return ["household_type", "valid_from", "monthly_amount", "includes_holiday_allowance", "source"]
        return []


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutcomeContract)
class OutcomeContractAdmin(ReadOnlyAdmin):
    exclude = ["signed_document"]  # private: served to the parties by a scoped view, never by the admin
    list_display = ["reference", "payer", "provider", "status", "starts_on", "ends_on", "budget_cap"]
    list_filter = ["status"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    exclude = ["evidence"]  # private: only the municipality's officials and the enterprise download it
    list_display = ["participant", "milestone", "achieved_on", "state", "price"]
    list_filter = ["state"]


@admin.register(PaymentProposal)
class PaymentProposalAdmin(ReadOnlyAdmin):
    list_display = ["contract", "period_start", "period_end", "state", "total"]
    list_filter = ["state"]
