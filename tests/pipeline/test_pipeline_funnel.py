"""The pipeline funnel: how many applications reached each stage, and the conversion between stages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fund.models import Role
from pipeline import services
from pipeline.selectors import pipeline_funnel
from tests.pipeline.pipeline_factories import in_due_diligence, submitted

pytestmark = pytest.mark.django_db


def test_the_funnel_counts_every_application_that_reached_a_stage(client, world):
    manager = world.a.users[Role.FUND_MANAGER]
    # one open application per enterprise: the first is declined in due diligence, then a second is sent
    stopped = in_due_diligence(world.a)
    services.application_decline(actor=manager, application=stopped, reason="Geen aansluiting bij de thema's")
    submitted(world.a)  # reached: submitted only
    client.force_login(manager)
    response = client.get(reverse("pipeline_overview", args=[world.a.fund.pk]))
    funnel = {row["stage"].value: row for row in response.context["funnel"]}
    assert funnel["submitted"]["reached"] == 2
    assert funnel["screening"]["reached"] == 1
    assert funnel["due_diligence"]["reached"] == 1  # declined there, but it reached the stage
    assert funnel["committee"]["reached"] == 0
    assert funnel["screening"]["from_previous"] == Decimal("50.0")
    assert funnel["due_diligence"]["from_previous"] == Decimal("100.0")
    assert funnel["due_diligence"]["from_submitted"] == Decimal("50.0")
    assert funnel["committee"]["from_previous"] == Decimal("0.0")
    page = response.content.decode()
    assert 'id="funnel"' in page and "50 %" in page
    # the other fund's funnel is empty
    from pipeline.models import Application

    assert pipeline_funnel(Application.objects.filter(fund=world.b.fund))[0]["reached"] == 0
