from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import Attempt, Exam


class ExamListSerializer(serializers.ModelSerializer[Exam]):
    total_points = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    attempts_used = serializers.SerializerMethodField()
    open_attempt = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Exam
        fields = ["id", "title", "description", "time_limit_minutes", "pass_mark", "total_points", "attempts_allowed",
                  "attempts_used", "open_attempt", "opens_at", "closes_at", "is_open"]

    def _mine(self, exam: Exam) -> list[Attempt]:
        mine: dict[int, list[Attempt]] = self.context.get("attempts", {})
        return mine.get(exam.pk, [])

    def get_attempts_used(self, exam: Exam) -> int:
        return len(self._mine(exam))

    def get_open_attempt(self, exam: Exam) -> int | None:
        return next((a.pk for a in self._mine(exam) if a.is_open), None)

    def get_is_open(self, exam: Exam) -> bool:
        return exam.is_open()


class OptionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    text = serializers.CharField()


class PaperQuestionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="Question id on this paper (a question version).")
    number = serializers.IntegerField()
    section = serializers.IntegerField()
    type = serializers.ChoiceField(choices=["single", "multiple", "judge", "fill"])
    stem = serializers.CharField()
    options = OptionSerializer(many=True)
    blanks = serializers.IntegerField()
    points = serializers.CharField()
    response = serializers.JSONField(allow_null=True)
    marked = serializers.BooleanField(help_text="Marked for review (标记) by the member.")


class SectionSerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField()
    title = serializers.CharField()
    type = serializers.CharField()
    count = serializers.IntegerField()
    points = serializers.CharField()


class AttemptStateSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    exam = serializers.DictField()
    attempt_no = serializers.IntegerField()
    status = serializers.CharField(help_text="open or submitted")
    seed = serializers.CharField(help_text="Echo it with answers and the submit; a different seed is refused.")
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField(help_text="Server time left; the server's deadline rules.")
    sections = SectionSerializer(many=True)
    questions = PaperQuestionSerializer(many=True)


class AttemptSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    exam = serializers.DictField()
    attempt_no = serializers.IntegerField()
    status = serializers.CharField(help_text="open or submitted")
    seed = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    paper_url = serializers.CharField(help_text="GET it for the questions and saved responses.")


class AnswerInSerializer(serializers.Serializer[Any]):
    question = serializers.IntegerField()
    response = serializers.JSONField(
        help_text='single/judge: "B"; multiple: ["A", "C"]; fill: ["text of blank 1", "text of blank 2"].')
    seed = serializers.CharField(required=False)


class MarkInSerializer(serializers.Serializer[Any]):
    question = serializers.IntegerField()
    marked = serializers.BooleanField(help_text="true: marked for review (标记); false: unmarked.")
    seed = serializers.CharField(required=False)


class MarkOutSerializer(serializers.Serializer[Any]):
    question = serializers.IntegerField()
    marked = serializers.BooleanField()
    marks = serializers.ListField(child=serializers.IntegerField(), help_text="Every marked question, in paper order.")


class AnswerOutSerializer(serializers.Serializer[Any]):
    question = serializers.IntegerField()
    response = serializers.JSONField()
    saved_at = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()


class SubmitInSerializer(serializers.Serializer[Any]):
    seed = serializers.CharField(required=False)


class ResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    exam = serializers.DictField()
    submitted_at = serializers.DateTimeField()
    auto_submitted = serializers.BooleanField()
    score = serializers.CharField()
    total = serializers.CharField()
    pass_mark = serializers.CharField()
    passed = serializers.BooleanField()
    sections = serializers.ListField(child=serializers.DictField())
    review = serializers.ListField(child=serializers.DictField(), allow_null=True,
                                   help_text="Per question, when the exam's review policy allows it.")
    certificate = serializers.DictField(allow_null=True)


class PracticeDaySerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    answered = serializers.IntegerField()
    correct = serializers.IntegerField()
    points = serializers.IntegerField(help_text="Points earned today (capped).")


class PracticeQuestionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="Question id (a question version): answer with it.")
    number = serializers.IntegerField()
    type = serializers.ChoiceField(choices=["single", "multiple", "judge", "fill"])
    stem = serializers.CharField()
    options = OptionSerializer(many=True)
    blanks = serializers.IntegerField()
    answered = serializers.BooleanField()
    response = serializers.JSONField(required=False, help_text="Once answered.")
    is_correct = serializers.BooleanField(required=False, help_text="Once answered.")
    correct_answer = serializers.JSONField(required=False, help_text="Once answered.")
    explanation = serializers.CharField(required=False, allow_blank=True, help_text="Once answered.")


class PracticeTodaySerializer(PracticeDaySerializer):
    questions = PracticeQuestionSerializer(many=True)


class PracticeAnswerInSerializer(serializers.Serializer[Any]):
    question = serializers.IntegerField()
    response = serializers.JSONField(
        help_text='single/judge: "B"; multiple: ["A", "C"]; fill: ["text of blank 1", "text of blank 2"].')


class PracticeFeedbackSerializer(serializers.Serializer[Any]):
    question = serializers.IntegerField()
    is_correct = serializers.BooleanField()
    correct_answer = serializers.JSONField()
    explanation = serializers.CharField(allow_blank=True)
    day = PracticeDaySerializer()
