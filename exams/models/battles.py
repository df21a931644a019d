"""答题PK: real-time quiz battles between members (双人对战, 四人赛).

Everything a battle is lives here, so that a restarted ASGI server loses no finished battle and no point:
the mode an administrator configured, the battle with its drawn questions and the current question's window
(``question_index``, ``shown_at``, ``deadline``), its players (members or 练习对手) and every answer with the
points the server gave it. The WebSocket consumer only carries frames; the services decide."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from school.models import Member, Organization

from .banks import QuestionBank, QuestionVersion, Tag


class BattleMode(models.Model):
    """One kind of battle (双人对战 with 2 players, 四人赛 with 4) as an administrator configured it."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    players = models.PositiveSmallIntegerField(_("players"), validators=[MinValueValidator(2), MaxValueValidator(4)])
    banks = models.ManyToManyField(QuestionBank, blank=True, related_name="+", verbose_name=_("question banks"),
                                   help_text=_("Questions are drawn from these practice banks; none = every practice bank."))
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("knowledge tags"),
                                  help_text=_("Only questions with one of these tags; none = any question."))
    question_count = models.PositiveSmallIntegerField(_("questions"), default=5,
                                                      validators=[MinValueValidator(1), MaxValueValidator(20)])
    seconds_per_question = models.PositiveSmallIntegerField(_("seconds per question"), default=10,
                                                            validators=[MinValueValidator(3), MaxValueValidator(60)])
    max_points = models.PositiveSmallIntegerField(_("points for an instant correct answer"), default=20)
    min_points = models.PositiveSmallIntegerField(
        _("points for a correct answer at the deadline"), default=10,
        help_text=_("A correct answer earns between these two, by speed; a wrong one earns nothing."))
    match_timeout_seconds = models.PositiveSmallIntegerField(
        _("seconds before a practice opponent is offered"), default=15)
    credit_points = models.DecimalField(
        _("credit points per battle"), max_digits=6, decimal_places=2, default=Decimal("1"),
        help_text=_("Credited to each member who plays a battle to the end (the credit rule's daily cap applies)."))
    practice_credit_factor = models.DecimalField(
        _("credit factor with practice opponents"), max_digits=3, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("0 = a battle with a practice opponent earns no credit; 0.5 = half."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("battle mode")
        verbose_name_plural = _("battle modes")
        ordering = ["players", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(players__gte=2) & Q(players__lte=4), name="exams_battle_mode_players"),
            models.CheckConstraint(condition=Q(min_points__lte=models.F("max_points")),
                                   name="exams_battle_mode_points"),
        ]

    def __str__(self) -> str:
        return self.name


def _invite_token() -> str:
    return secrets.token_urlsafe(12)


class Battle(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for players")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    class Phase(models.TextChoices):
        QUESTION = "question", _("Question open")
        REVEAL = "reveal", _("Answer revealed")

    mode = models.ForeignKey(BattleMode, on_delete=models.PROTECT, related_name="battles")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    private = models.BooleanField(default=False)
    invite_token = models.CharField(max_length=32, unique=True, default=_invite_token, editable=False)
    created_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The questions drawn when the battle starts (QuestionVersion ids, in order) and the settings of the
    # mode at that moment, so a mode edited mid-battle changes nothing.
    version_ids = models.JSONField(default=list)
    seconds_per_question = models.PositiveSmallIntegerField(default=10)
    max_points = models.PositiveSmallIntegerField(default=20)
    min_points = models.PositiveSmallIntegerField(default=10)
    question_index = models.SmallIntegerField(default=-1)
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True)
    shown_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    has_bots = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("battle")
        verbose_name_plural = _("battles")
        indexes = [models.Index(fields=["state", "deadline"], name="exams_battle_state_deadline")]

    def __str__(self) -> str:
        return f"{self.mode} #{self.pk}"

    @property
    def live(self) -> bool:
        return self.state in (self.State.WAITING, self.State.RUNNING)


class BattlePlayer(models.Model):
    """A seat in a battle: a member, or a 练习对手 (``member`` empty). ``live`` is true while the member is in
    a battle that is not over and has not left it: one live seat per member (a database constraint)."""

    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="players")
    seat = models.PositiveSmallIntegerField()
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="battle_seats")
    committee = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=50)
    is_bot = models.BooleanField(default=False)
    live = models.BooleanField(default=True)
    score = models.PositiveIntegerField(default=0)
    correct = models.PositiveSmallIntegerField(default=0)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    forfeited = models.BooleanField(default=False)
    connected = models.BooleanField(default=False)
    # The socket that currently speaks for this player (a second tab takes over; the first is closed).
    channel_name = models.CharField(max_length=200, blank=True, editable=False)
    credit_points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["battle", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["battle", "seat"], name="exams_battle_player_seat"),
            models.UniqueConstraint(fields=["battle", "member"], name="exams_battle_player_member"),
            models.UniqueConstraint(fields=["member"], condition=Q(live=True), name="exams_battle_one_live_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.battle_id}:{self.seat} {self.name}"


class BattleAnswer(models.Model):
    """One answer to one question of a battle, scored by the server; one per player and question."""

    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="answers")
    player = models.ForeignKey(BattlePlayer, on_delete=models.CASCADE, related_name="answers")
    question_index = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(default=list)
    elapsed_ms = models.PositiveIntegerField()
    is_correct = models.BooleanField(default=False)
    points = models.PositiveSmallIntegerField(default=0)
    # Sooner than a human can read (BATTLE_MIN_ANSWER_MS): earns nothing, kept for review.
    too_fast = models.BooleanField(default=False)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["battle", "question_index", "player"]
        constraints = [
            models.UniqueConstraint(fields=["player", "question_index"], name="exams_battle_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.battle_id}:{self.question_index}:{self.player_id}"


class BattleTicket(models.Model):
    """A member waiting in 开始匹配 for a mode; ``battle`` is set when matched. One waiting ticket per member."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="battle_tickets")
    mode = models.ForeignKey(BattleMode, on_delete=models.CASCADE, related_name="tickets")
    committee = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    battle = models.ForeignKey(Battle, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    waiting = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(waiting=True), name="exams_battle_ticket_one_waiting"),
        ]
        indexes = [models.Index(fields=["mode", "waiting", "created_at"], name="exams_battle_ticket_queue")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.mode_id}"
