"""Agenda items keep the memo they were decided on as a stored document; the MemoVersion table goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0002_memo_versions_to_stored_documents"),
    ]

    operations = [
        migrations.RemoveField(model_name="agendaitem", name="memo"),
        migrations.RenameField(model_name="agendaitem", old_name="memo_document", new_name="memo"),
        migrations.AlterField(
            model_name="agendaitem",
            name="memo",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.storeddocument",
                verbose_name="memo",
            ),
        ),
        migrations.DeleteModel(name="MemoVersion"),
    ]
