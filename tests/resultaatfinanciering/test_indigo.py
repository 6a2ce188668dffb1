"""INDIGO (issue 13): the export is a project document that validates against the INDIGO data standard's
project schema, release 4.1.0 (shared/standards/indigo/project.schema.json; skipped where it is absent)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.urls import reverse

from resultaatfinanciering import services

pytestmark = pytest.mark.django_db

SCHEMA = (
    Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "indigo" / "project.schema.json"
)


@pytest.fixture
def schema():
    if not SCHEMA.exists():
        pytest.skip(
            f"INDIGO project schema 4.1.0 not found at {SCHEMA} (shared/standards is not beside the checkout)"
        )
    return json.loads(SCHEMA.read_text())


def _paid(side):
    for participant in side.participants[:2]:
        claim = services.claim_submit(
            actor=side.investee,
            contract=side.contract,
            participant=participant,
            milestone=side.start,
            achieved_on=datetime.date(2026, 9, 1),
            today=datetime.date(2026, 11, 23),
        )
        services.claim_verify(actor=side.officials[0], claim=claim)
    proposal = services.proposal_prepare(
        actor=side.officials[0],
        contract=side.contract,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
    )
    services.proposal_approve(actor=side.officials[1], proposal=proposal)
    services.proposal_approve(actor=side.officials[2], proposal=proposal)
    from django.utils import timezone

    services.payment_confirm(actor=side.officials[1], proposal=proposal, paid_on=timezone.localdate())


def test_indigo_project_validates_against_the_4_1_0_schema(client, outcomes, schema):
    import jsonschema

    a, _ = outcomes
    _paid(a)
    client.force_login(a.officials[0])
    response = client.get(reverse("resultaatfinanciering:indigo_export", args=[a.contract.pk, "json"]))
    project = json.loads(response.content)
    jsonschema.validate(project, schema, cls=jsonschema.Draft7Validator)
    assert project["stage_development"]["value"] == "Implementation"
    assert project["jurisdiction"]["jurisdiction"]["value"] == "NL"
    assert project["purpose_and_classifications"]["policy_sector"]["value"] == "Employment and training"
    assert (
        project["overall_project_finance"]["maximum_potential_outcome_payment_v2"]["amount"]["value"]
        == 100000
    )
    assert project["outcome_pricings"][0]["currency"]["value"] == "EUR"
    payment = project["outcome_payments"][0]
    assert payment["type"]["value"] == "Actual" and payment["money"]["amount"]["value"] == 4345.14
    assert payment["period"]["start_date"]["value"] == "2026-07-01"
    # results per metric and quarter, never per participant
    assert project["results"] == [
        {
            "outcome_metric_id": {"value": "uitstroom-werk-start"},
            "result_level": {"value": "Outcome level"},
            "result_type": {"value": "Interim"},
            "period": {"start_date": {"value": "2026-07-01"}, "end_date": {"value": "2026-09-30"}},
            "outcomes_achieved": {
                "value": "2 x Uitstroom naar werk: Start werk ≥ 12 uur per week (verified)"
            },
            "number_with_positive_social_outcomes": {"value": 2},
            "outcomes_validator_organisation_ids": {
                "value": project["results"][0]["outcomes_validator_organisation_ids"]["value"]
            },
            "status": "PUBLIC",
        }
    ]
    assert all(p.reference not in response.content.decode() for p in a.participants)
    # a bad document would not validate: the check can fail
    broken = dict(project, stage_development={"value": "Lopend"})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft7Validator)
    organisations = json.loads(
        client.get(
            reverse("resultaatfinanciering:indigo_export", args=[a.contract.pk, "organisations.json"])
        ).content
    )
    ids = {o["id"] for o in organisations}
    assert (
        payment["payer_organisation_id"]["value"] in ids
        and payment["recipient_organisation_id"]["value"] in ids
    )
