"""A question bank says what it is for: 练习 (practice), 考试 (exams) or 两者 (both).

Existing banks become 两者 (both) — before this field every bank served exams and, unless taken out of
daily practice, practice too — except banks already taken out of practice (``use_for_practice`` off),
which become 考试 (exams only), so nothing that practice did not show before is shown now. Trainers
should move the questions of real exams into exam-only banks (daily practice shows answer keys)."""

import modelcluster.fields
from django.db import migrations, models


def forwards(apps, schema_editor):
    QuestionBank = apps.get_model("exams", "QuestionBank")
    QuestionBank.objects.filter(use_for_practice=False).update(use="exam")


def backwards(apps, schema_editor):
    QuestionBank = apps.get_model("exams", "QuestionBank")
    QuestionBank.objects.filter(use="exam").update(use_for_practice=False)


class Migration(migrations.Migration):

    dependencies = [
        ("exams", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionbank",
            name="use",
            field=models.CharField(
                choices=[("practice", "Practice only"), ("exam", "Exams only"), ("both", "Practice and exams")],
                default="both",
                help_text="Daily practice shows each answer key at once: keep the questions of exams in an exam-only "
                          "bank. Practice draws from practice and shared banks, exams from exam and shared banks.",
                max_length=10, verbose_name="used for"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name="questionbank",
            name="use_for_practice",
        ),
        migrations.AlterField(
            model_name="examsection",
            name="banks",
            field=modelcluster.fields.ParentalManyToManyField(limit_choices_to={"use__in": ("exam", "both")},
                                                             related_name="+", to="exams.questionbank",
                                                             verbose_name="banks"),
        ),
    ]
