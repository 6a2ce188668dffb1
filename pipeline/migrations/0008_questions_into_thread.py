"""The old "Vragen van het fonds" become messages in the application's thread (issue 16).

Each question is a message from the fund by whoever asked it, at the time it was asked; each answer a
message from the enterprise (or the fund, if a fund manager answered) by whoever answered it, at the time it was answered. The next migration drops
the old table. Going back leaves the messages in the thread (they cannot be told apart from new ones).
"""

from django.db import migrations


def questions_into_thread(apps, schema_editor):
    Question = apps.get_model("pipeline", "Question")
    ApplicationMessage = apps.get_model("pipeline", "ApplicationMessage")
    Membership = apps.get_model("fund", "Membership")
    for question in Question.objects.select_related("application").order_by("asked_at", "pk").iterator():
        text = question.text.strip()
        if text:
            message = ApplicationMessage.objects.create(
                application_id=question.application_id,
                author_id=question.asked_by_id,
                from_fund=True,
                text=text,
                requests_documents=False,
            )
            # created_at is auto_now_add: set the original moment afterwards
            ApplicationMessage.objects.filter(pk=message.pk).update(created_at=question.asked_at)
        answer = question.answer.strip()
        if answer and question.answered_by_id:
            # the fund's managers could answer too (rarely): their answer is the fund's message
            from_fund = Membership.objects.filter(
                user_id=question.answered_by_id, role="fund_manager", fund_id=question.application.fund_id
            ).exists()
            message = ApplicationMessage.objects.create(
                application_id=question.application_id,
                author_id=question.answered_by_id,
                from_fund=from_fund,
                text=answer,
                requests_documents=False,
            )
            ApplicationMessage.objects.filter(pk=message.pk).update(
                created_at=question.answered_at or question.asked_at
            )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0007_assessment_expected_metrics")]

    operations = [migrations.RunPython(questions_into_thread, migrations.RunPython.noop)]
