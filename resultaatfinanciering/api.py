"""Claims API (token or session auth): the provider lists and submits claims; the same scoping and the same
service (with every refusal and the BSN check) as the web pages. Mounted at /outcomes/api/."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import mixins, routers, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from core.privacy import validate_no_bsn

from . import selectors, services
from .models import Claim


def _no_bsn(value):
    try:
        validate_no_bsn(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return value


class ClaimSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.reference", read_only=True)
    participant = serializers.CharField(source="participant.reference", read_only=True)
    definition = serializers.CharField(source="milestone.definition.code", read_only=True)
    milestone = serializers.CharField(source="milestone.code", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "contract",
            "participant",
            "definition",
            "milestone",
            "achieved_on",
            "state",
            "price",
            "pricing_version",
            "norm_amount",
            "evidence_note",
            "decision_reason",
            "submitted_at",
        ]
        read_only_fields = fields


class ClaimCreateSerializer(serializers.Serializer):
    contract = serializers.CharField(max_length=35, help_text="Kenmerk van het resultaatcontract")
    participant = serializers.CharField(max_length=40, validators=[_no_bsn])
    definition = serializers.CharField(max_length=40, required=False, allow_blank=True)
    milestone = serializers.CharField(max_length=40)
    achieved_on = serializers.DateField()
    evidence_note = serializers.CharField(required=False, allow_blank=True, default="", validators=[_no_bsn])
    evidence = serializers.FileField(required=False, help_text="Bewijsstuk (multipart/form-data)")


class ClaimViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ClaimSerializer
    filterset_fields = ["state"]

    def get_queryset(self):
        return selectors.claims_for(self.request.user).order_by("-submitted_at", "-pk")

    def get_serializer_class(self):
        return ClaimCreateSerializer if self.action == "create" else ClaimSerializer

    def create(self, request, *args, **kwargs):
        incoming = ClaimCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        contract = selectors.contracts_for(request.user).filter(reference=data["contract"]).first()
        if contract is None:
            raise NotFound(_("Onbekend contract."))
        if not selectors.is_provider_of(request.user, contract):
            raise PermissionDenied(_("Alleen de aanbieder mag resultaten claimen."))
        participant = contract.participants.filter(reference=data["participant"].strip().upper()).first()
        if participant is None:
            raise ValidationError(
                {
                    "participant": [
                        _("Deelnemer %(reference)s hoort niet bij contract %(contract)s.")
                        % {"reference": data["participant"], "contract": contract.reference}
                    ]
                }
            )
        milestones = selectors.milestones_of(contract).filter(code=data["milestone"])
        if data.get("definition"):
            milestones = milestones.filter(definition__code=data["definition"])
        if milestones.count() != 1:
            raise ValidationError(
                {"milestone": [_("Onbekende of niet eenduidige mijlpaal voor dit contract.")]}
            )
        claim = services.claim_submit(
            actor=request.user,
            contract=contract,
            participant=participant,
            milestone=milestones.get(),
            achieved_on=data["achieved_on"],
            evidence_note=data["evidence_note"],
            evidence=data.get("evidence"),
        )
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


router = routers.DefaultRouter()
router.register("claims", ClaimViewSet, basename="api-outcome-claim")
