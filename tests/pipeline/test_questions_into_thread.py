"""The old "Vragen van het fonds" live on as messages in the application's thread (issue 16): the migration
copies every question and answer, with its author and its moment; the page has one place for questions."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from fund.models import Role
from pipeline import services
from pipeline.models import ApplicationMessage
from tests.pipeline.pipeline_factories import submitted

BEFORE = [("pipeline", "0007_assessment_expected_metrics")]
AFTER = [("pipeline", "0009_delete_question")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_questions_and_answers_into_the_thread(world):
    application = submitted(world.a)
    manager, investee = world.a.users[Role.FUND_MANAGER], world.a.users[Role.INVESTEE]
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Question = old.get_model("pipeline", "Question")
    asked = datetime.datetime(2026, 10, 1, 7, 30, tzinfo=datetime.UTC)
    answered = datetime.datetime(2026, 10, 2, 12, 0, tzinfo=datetime.UTC)
    Question.objects.create(
        application_id=application.pk,
        text="Hoe zeker is de order van de gemeente?",
        asked_by_id=manager.pk,
        answer="Getekend op 15 september.",
        answered_by_id=investee.pk,
        answered_at=answered,
    )
    Question.objects.filter(application_id=application.pk).update(asked_at=asked)
    Question.objects.create(application_id=application.pk, text="Omzet 2026?", asked_by_id=manager.pk)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    thread = list(
        ApplicationMessage.objects.filter(application_id=application.pk).order_by("created_at", "pk")
    )
    assert [(m.from_fund, m.author_id, m.text) for m in thread] == [
        (True, manager.pk, "Hoe zeker is de order van de gemeente?"),
        (False, investee.pk, "Getekend op 15 september."),
        (True, manager.pk, "Omzet 2026?"),
    ]
    assert thread[0].created_at == asked and thread[1].created_at == answered


@pytest.mark.django_db
def test_the_application_page_has_the_thread_and_no_separate_questions(client, world):
    application = submitted(world.a)
    services.message_post(
        actor=world.a.users[Role.FUND_MANAGER], application=application, text="Omzet 2026 per kwartaal?"
    )
    client.force_login(world.a.users[Role.INVESTEE])
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "Berichten met het fonds" in page and "Omzet 2026 per kwartaal?" in page
    assert "Vragen van het fonds" not in page
