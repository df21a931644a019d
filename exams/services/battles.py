"""答题PK: the writes of a quiz battle, all on the database so a restarted server loses nothing.

Matchmaking (``do_enqueue``, ``do_play_with_bots``, ``do_cancel_queue``), private rooms
(``do_create_private``, ``do_join_private``), the clock of the battles (``do_open_questions``,
``do_reveal_many``: every battle due at once in one transaction, each row locked and its question index and
phase checked again, so when several server processes drive one battle exactly one of them opens or reveals
each question), the players' moves (``do_answers`` in batches, ``do_leave``, ``set_connected``) and the end
(ranks, credit through the ledger after commit).

Scores exist only here: an answer is scored when it arrives (speed-weighted, nothing for a wrong or
too-fast one) but only added to the players' totals — and shown — when the question's window has closed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from school import outbox
from school.credits.models import Basis, CreditRule, CreditRuleVersion, Repeat, SourceType
from school.credits.rules import save_rule_version
from school.db import serialized_writes
from school.models import Member, Organization
from school.models.organizations import OrganizationKind

from ..models import (
    Battle,
    BattleAnswer,
    BattleMode,
    BattlePlayer,
    BattleTicket,
    ExamQuestionStat,
    Question,
    QuestionType,
    QuestionVersion,
)
from ..models.banks import PRACTICE_USES
from .errors import ExamError
from .grading import grade, letter, validate_response

BOT_NAMES = ["练习对手·甲", "练习对手·乙", "练习对手·丙"]
# Below this many recorded answers a question's correct rate is a guess: 练习对手 answer right this often.
BOT_DEFAULT_CORRECT_RATE = 0.6
BOT_MIN_OBSERVATIONS = 5
BATTLE_QTYPES = (QuestionType.SINGLE, QuestionType.JUDGE)


class BattleError(ExamError):
    """A refused battle request; ``message`` is shown to the member."""


# --- Modes ----------------------------------------------------------------------------------------

DEFAULT_MODES = [("duel", "双人对战", 2), ("quad", "四人赛", 4)]


def ensure_default_modes() -> list[BattleMode]:
    """双人对战 and 四人赛 with the default numbers, and the credit rule of battles, when missing."""
    ensure_battle_credit_rule()
    return [BattleMode.objects.get_or_create(code=code, defaults={"name": name, "players": players})[0]
            for code, name, players in DEFAULT_MODES]


BATTLE_RULE_CODE = "quiz-battle"


def ensure_battle_credit_rule() -> CreditRule:
    """The ledger's rule for 答题PK (source ``battle``): per unit = the battle's credit points (its mode's
    setting), at most 3 a day; superusers change it in 积分规则 like any other rule."""
    rule, created = CreditRule.objects.get_or_create(
        code=BATTLE_RULE_CODE, defaults={"name": "答题PK", "source_type": SourceType.BATTLE, "basis": Basis.PER_UNIT,
                                         "repeat": Repeat.ONCE})
    if created:
        today = timezone.localdate()
        save_rule_version(CreditRuleVersion(rule=rule, factor=Decimal("1"), daily_cap=Decimal("3"),
                                            effective_from=today.replace(month=1, day=1), note="初始规则"),
                          allow_backdate=True)
    return rule


def committee_of(organization: Organization | None) -> Organization | None:
    """The nearest party committee (党委) at or above ``organization``: matchmaking prefers it."""
    if organization is None:
        return None
    if organization.kind == OrganizationKind.COMMITTEE:
        return organization
    return (Organization.objects.filter(path__in=organization.ancestor_paths(), kind=OrganizationKind.COMMITTEE)
            .order_by("-depth").first())


def mode_questions(mode: BattleMode) -> QuerySet[Question]:
    qs = Question.objects.filter(is_active=True, current_version__isnull=False, qtype__in=BATTLE_QTYPES,
                                 bank__use__in=PRACTICE_USES)
    bank_ids = list(mode.banks.values_list("pk", flat=True))
    if bank_ids:
        qs = qs.filter(bank_id__in=bank_ids)
    tag_ids = list(mode.tags.values_list("pk", flat=True))
    if tag_ids:
        qs = qs.filter(tags__in=tag_ids).distinct()
    return qs


def draw_questions(mode: BattleMode, rng: random.Random | None = None) -> list[int]:
    """``question_count`` current versions of the mode's questions, from a random point of the random keys."""
    rng = rng or random.Random()
    qs = mode_questions(mode)
    start = rng.random()
    after = list(qs.filter(random_key__gte=start).order_by("random_key")
                 .values_list("current_version_id", flat=True)[: mode.question_count])
    before = list(qs.filter(random_key__lt=start).order_by("random_key")
                  .values_list("current_version_id", flat=True)[: mode.question_count - len(after)])
    picked = [int(v) for v in after + before if v is not None]
    rng.shuffle(picked)
    return picked


# --- Seats and matchmaking ------------------------------------------------------------------------

def live_seat(member: Member) -> BattlePlayer | None:
    return BattlePlayer.objects.select_related("battle").filter(member=member, live=True).first()


def _refuse_if_busy(member: Member) -> None:
    seat = live_seat(member)
    if seat is not None:
        raise BattleError(_("You are already in a battle; finish or leave it first."), "busy", status=409)


def _seat(battle: Battle, seat: int, member: Member | None, name: str) -> BattlePlayer:
    committee = committee_of(member.organization) if member is not None else None
    return BattlePlayer.objects.create(battle=battle, seat=seat, member=member, name=name[:50],
                                       is_bot=member is None, committee=committee)


def _start(battle: Battle, mode: BattleMode) -> Battle:
    """Draw the questions and set the battle running (its first question is opened by the driver)."""
    ids = draw_questions(mode)
    if len(ids) < mode.question_count:
        raise BattleError(_("There are not enough questions for this battle yet; ask an administrator to add some."),
                          "no_questions", status=409)
    battle.version_ids = ids
    battle.seconds_per_question = mode.seconds_per_question
    battle.max_points = mode.max_points
    battle.min_points = mode.min_points
    battle.state = Battle.State.RUNNING
    battle.started_at = timezone.now()
    battle.save(update_fields=["version_ids", "seconds_per_question", "max_points", "min_points", "state",
                               "started_at"])
    return battle


def _waiting_tickets(mode: BattleMode, exclude_member: Member) -> QuerySet[BattleTicket]:
    qs = BattleTicket.objects.filter(mode=mode, waiting=True).exclude(member=exclude_member).select_related(
        "member")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs


@dataclass(frozen=True)
class Queued:
    ticket: BattleTicket
    battle: Battle | None  # set when the member was matched at once


def do_enqueue(member: Member, mode: BattleMode) -> Queued:
    """开始匹配: wait for ``mode``, or be matched at once with members already waiting: members of the same
    committee, or anyone who has waited longer than ``BATTLE_SAME_COMMITTEE_SECONDS`` (longest waiting first).
    ``do_match_anyone`` widens this member's own search once that time has passed."""
    if not mode.active:
        raise BattleError(_("This battle mode is not open."), "mode_closed", status=404)
    committee = committee_of(member.organization)
    try:
        with serialized_writes(), transaction.atomic():
            _refuse_if_busy(member)
            BattleTicket.objects.filter(member=member, waiting=True).update(waiting=False)
            ticket = BattleTicket.objects.create(member=member, mode=mode, committee=committee)
            return Queued(ticket, _match(ticket, anyone=False))
    except IntegrityError:
        raise BattleError(_("You are already in a battle; finish or leave it first."), "busy", status=409) from None


def do_match_anyone(member: Member) -> Battle | None:
    """After ``BATTLE_SAME_COMMITTEE_SECONDS`` of waiting, match this member with anyone waiting."""
    with serialized_writes(), transaction.atomic():
        ticket = BattleTicket.objects.select_related("mode", "member").filter(member=member, waiting=True).first()
        if ticket is None:
            return None
        return _match(ticket, anyone=True)


def _match(ticket: BattleTicket, *, anyone: bool) -> Battle | None:
    others = _waiting_tickets(ticket.mode, ticket.member)
    if not anyone:
        patient = timezone.now() - dt.timedelta(seconds=settings.BATTLE_SAME_COMMITTEE_SECONDS)
        others = others.filter(Q(committee_id=ticket.committee_id) | Q(created_at__lte=patient)) \
            if ticket.committee_id is not None else others.filter(created_at__lte=patient)
    candidates = list(others.order_by("created_at", "pk")[:200])
    candidates.sort(key=lambda t: (t.committee_id != ticket.committee_id, t.created_at, t.pk))
    need = ticket.mode.players - 1
    if len(candidates) < need:
        return None
    return _battle_for(ticket.mode, [ticket, *candidates[:need]], with_bots=False)


def _battle_for(mode: BattleMode, tickets: list[BattleTicket], *, with_bots: bool) -> Battle:
    battle = Battle.objects.create(mode=mode, has_bots=with_bots)
    for seat, ticket in enumerate(tickets):
        _seat(battle, seat, ticket.member, ticket.member.name)
    for seat in range(len(tickets), mode.players):
        _seat(battle, seat, None, BOT_NAMES[(seat - len(tickets)) % len(BOT_NAMES)])
    BattleTicket.objects.filter(pk__in=[t.pk for t in tickets]).update(waiting=False, battle=battle)
    return _start(battle, mode)


def do_play_with_bots(member: Member) -> Battle:
    """练习对手: after the mode's match timeout, start with everyone waiting for the mode (this member first)
    and fill the empty seats with practice opponents."""
    with serialized_writes(), transaction.atomic():
        ticket = BattleTicket.objects.select_related("mode").filter(member=member, waiting=True).first()
        if ticket is None:
            raise BattleError(_("You are not waiting for a battle."), "not_waiting", status=409)
        waited = (timezone.now() - ticket.created_at).total_seconds()
        if waited < ticket.mode.match_timeout_seconds:
            raise BattleError(_("Practice opponents are offered after %(s)d seconds of waiting.") % {
                "s": ticket.mode.match_timeout_seconds}, "too_soon", status=409)
        others = list(_waiting_tickets(ticket.mode, member).order_by("created_at", "pk")[: ticket.mode.players - 1])
        return _battle_for(ticket.mode, [ticket, *others], with_bots=True)


def do_cancel_queue(member: Member) -> int:
    with serialized_writes(), transaction.atomic():
        return BattleTicket.objects.filter(member=member, waiting=True).update(waiting=False)


def do_create_private(member: Member, mode: BattleMode) -> Battle:
    """A private room: the creator sits in it and invites colleagues by its link or QR code; it starts when full."""
    if not mode.active:
        raise BattleError(_("This battle mode is not open."), "mode_closed", status=404)
    try:
        with serialized_writes(), transaction.atomic():
            _refuse_if_busy(member)
            BattleTicket.objects.filter(member=member, waiting=True).update(waiting=False)
            battle = Battle.objects.create(mode=mode, private=True, created_by=member)
            _seat(battle, 0, member, member.name)
            return battle
    except IntegrityError:
        raise BattleError(_("You are already in a battle; finish or leave it first."), "busy", status=409) from None


def do_join_private(member: Member, token: str) -> Battle:
    try:
        with serialized_writes(), transaction.atomic():
            battle = Battle.objects.select_for_update().select_related("mode").filter(
                invite_token=token, private=True).first()
            if battle is None:
                raise BattleError(_("This invitation does not exist."), "no_room", status=404)
            if battle.players.filter(member=member).exists():
                return battle
            if battle.state != Battle.State.WAITING:
                raise BattleError(_("This battle has already started or ended."), "room_closed", status=409)
            _refuse_if_busy(member)
            taken = battle.players.count()
            if taken >= battle.mode.players:
                raise BattleError(_("This room is full."), "room_full", status=409)
            BattleTicket.objects.filter(member=member, waiting=True).update(waiting=False)
            _seat(battle, taken, member, member.name)
            if taken + 1 == battle.mode.players:
                _start(battle, battle.mode)
            return battle
    except IntegrityError:
        raise BattleError(_("You are already in a battle; finish or leave it first."), "busy", status=409) from None


# --- The clock ------------------------------------------------------------------------------------

def question_payload(battle: Battle, index: int, version: QuestionVersion | None = None) -> dict[str, Any]:
    version = version or QuestionVersion.objects.get(pk=battle.version_ids[index])
    assert battle.shown_at is not None and battle.deadline is not None
    return {
        "type": "question", "battle": battle.pk, "index": index, "total": len(battle.version_ids),
        "qtype": version.qtype, "stem": version.stem,
        "options": [{"key": letter(i), "text": str(text)} for i, text in enumerate(version.options)],
        "shown_at_ms": int(battle.shown_at.timestamp() * 1000),
        "deadline_ms": int(battle.deadline.timestamp() * 1000),
        "seconds": battle.seconds_per_question,
    }


Due = tuple[int, int]  # (battle id, question index)


def _locked(qs: QuerySet[Battle]) -> QuerySet[Battle]:
    """The battles' rows locked until commit (PostgreSQL), in the order of their ids so that two transactions
    locking several never deadlock; SQLite's writers already queue on the write lock."""
    return qs.select_for_update(of=("self",)).order_by("pk") if connection.vendor == "postgresql" else qs


def do_open_questions(wanted: list[Due], now: dt.datetime | None = None) -> dict[Due, dict[str, Any]]:
    """Open question ``index`` of each battle (its previous question revealed), all in one transaction: the
    question frames of those this call opened. A battle that another driver opened, or that is over, is left
    out. Every driver of a server process sends the openings that fall due together here at once."""
    now = now or timezone.now()
    index_of = dict(wanted)
    opened: list[Battle] = []
    with serialized_writes(), transaction.atomic():
        candidates = _locked(Battle.objects.filter(pk__in=index_of, state=Battle.State.RUNNING)
                             .filter(Q(phase=Battle.Phase.REVEAL) | Q(phase="")))
        for battle in candidates:
            index = index_of[battle.pk]
            if battle.question_index == index - 1 and index < len(battle.version_ids):
                opened.append(battle)
        by_window: dict[tuple[int, int], list[Battle]] = {}
        for battle in opened:
            by_window.setdefault((index_of[battle.pk], battle.seconds_per_question), []).append(battle)
        for (index, seconds), group in by_window.items():
            deadline = now + dt.timedelta(seconds=seconds)
            Battle.objects.filter(pk__in=[b.pk for b in group]).update(
                question_index=index, phase=Battle.Phase.QUESTION, shown_at=now, deadline=deadline)
            for battle in group:
                battle.question_index, battle.phase, battle.shown_at, battle.deadline = (
                    index, Battle.Phase.QUESTION, now, deadline)
    versions = QuestionVersion.objects.in_bulk({b.version_ids[b.question_index] for b in opened})
    return {(b.pk, b.question_index): question_payload(b, b.question_index, versions[b.version_ids[b.question_index]])
            for b in opened}


def do_open_question(battle_id: int, index: int, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Open question ``index`` (the previous one revealed); None when another driver did it or the battle is over."""
    return do_open_questions([(battle_id, index)], now).get((battle_id, index))


def speed_points(battle: Battle, elapsed_ms: int) -> int:
    window = battle.seconds_per_question * 1000
    left = max(0.0, 1.0 - elapsed_ms / window)
    return round(battle.min_points + (battle.max_points - battle.min_points) * left)


@dataclass(frozen=True)
class Answered:
    index: int
    elapsed_ms: int


@dataclass(frozen=True)
class AnswerIn:
    """One answer frame as it arrived: who sent it, for which battle and question, which option, and when."""
    member_id: int
    battle_id: Any
    index: Any
    choice: Any
    received_at: dt.datetime


def do_answer(member: Member, battle_id: Any, index: Any, choice: Any, received_at: dt.datetime | None = None,
              ) -> Answered:
    """Record one answer inside the question's window; the points stay hidden until the reveal."""
    result = do_answers([AnswerIn(member.pk, battle_id, index, choice, received_at or timezone.now())])[0]
    if isinstance(result, BattleError):
        raise result
    return result


def do_answers(answers: list[AnswerIn]) -> list[Answered | BattleError]:
    """Record answers inside their questions' windows, in one transaction (a server sends every answer that
    arrived while the previous ones were being written): for each, ``Answered`` or the ``BattleError`` that
    refused it (nothing stored for it). Points are computed here, hidden until the reveal."""
    results: list[Answered | BattleError | None] = [None] * len(answers)
    wellformed = [(n, a) for n, a in enumerate(answers)
                  if isinstance(a.battle_id, int) and isinstance(a.index, int) and not isinstance(a.index, bool)]
    for n in set(range(len(answers))) - {m for m, _a in wellformed}:
        results[n] = BattleError(_("This answer is malformed."), "bad_frame")
    seats = {(p.battle_id, p.member_id): p for p in BattlePlayer.objects.select_related("battle").filter(
        battle_id__in={a.battle_id for _n, a in wellformed}, member_id__in={a.member_id for _n, a in wellformed})}
    checked: list[tuple[int, AnswerIn, BattlePlayer]] = []
    for n, answer in wellformed:
        player = seats.get((answer.battle_id, answer.member_id))
        error = _refusal(player, answer)
        if error is not None:
            results[n] = error
        else:
            assert player is not None
            checked.append((n, answer, player))
    versions = QuestionVersion.objects.in_bulk({p.battle.version_ids[a.index] for _n, a, p in checked})
    rows: list[tuple[int, BattleAnswer]] = []
    for n, answer, player in checked:
        battle, version = player.battle, versions[player.battle.version_ids[answer.index]]
        assert battle.shown_at is not None
        try:
            canonical = validate_response(version, answer.choice)
        except ExamError as exc:
            results[n] = BattleError(exc.message, exc.code)
            continue
        _points, correct = grade(version, canonical, [], Decimal(1), "all")
        elapsed_ms = max(0, int((answer.received_at - battle.shown_at).total_seconds() * 1000))
        too_fast = elapsed_ms < settings.BATTLE_MIN_ANSWER_MS
        rows.append((n, BattleAnswer(
            battle=battle, player=player, question_index=answer.index, version=version, response=canonical,
            elapsed_ms=elapsed_ms, is_correct=correct, points=speed_points(battle, elapsed_ms) if correct and not too_fast
            else 0, too_fast=too_fast)))
    if rows:
        try:
            _store_answers(rows, results)
        except IntegrityError:  # another server process stored one of them meanwhile: one by one
            for row in rows:
                try:
                    _store_answers([row], results)
                except IntegrityError:
                    results[row[0]] = _already_answered()
    return [r if r is not None else BattleError(_("This answer is malformed."), "bad_frame") for r in results]


def _already_answered() -> BattleError:
    return BattleError(_("You have already answered this question."), "already_answered", status=409)


def _refusal(player: BattlePlayer | None, answer: AnswerIn) -> BattleError | None:
    if player is None:
        return BattleError(_("You are not a player of this battle."), "not_player", status=403)
    battle = player.battle
    if battle.state != Battle.State.RUNNING:
        return BattleError(_("This battle is not running."), "not_running", status=409)
    if player.forfeited:
        return BattleError(_("You have left this battle."), "forfeited", status=409)
    if battle.phase != Battle.Phase.QUESTION or answer.index != battle.question_index:
        return BattleError(_("This question is not open."), "wrong_question", status=409)
    assert battle.deadline is not None
    if answer.received_at > battle.deadline:
        return BattleError(_("Time is up for this question."), "too_late", status=409)
    return None


def _store_answers(rows: list[tuple[int, BattleAnswer]], results: list[Answered | BattleError | None]) -> None:
    with serialized_writes(), transaction.atomic():
        # The reveal may have closed a question since it was read above (a busy server): checked again under
        # the battles' row locks (PostgreSQL) or the write lock (SQLite), so that no answer is stored after the
        # reveal added up the scores.
        still_open = {b.pk: b.question_index for b in _locked(Battle.objects.filter(
            pk__in={a.battle_id for _n, a in rows}, state=Battle.State.RUNNING, phase=Battle.Phase.QUESTION)
            .only("pk", "question_index"))}
        stored = set(BattleAnswer.objects.filter(player_id__in={a.player_id for _n, a in rows},
                                                 question_index__in={a.question_index for _n, a in rows})
                     .values_list("player_id", "question_index"))
        new: list[tuple[int, BattleAnswer]] = []
        for n, answer in rows:
            if still_open.get(answer.battle_id) != answer.question_index:
                results[n] = BattleError(_("Time is up for this question."), "too_late", status=409)
            elif (answer.player_id, answer.question_index) in stored:
                results[n] = _already_answered()
            else:
                stored.add((answer.player_id, answer.question_index))
                new.append((n, answer))
        BattleAnswer.objects.bulk_create([a for _n, a in new])
    for n, answer in new:
        results[n] = Answered(answer.question_index, answer.elapsed_ms)


def correct_rate(version: QuestionVersion) -> float:
    """How often members answer this question right: exams' statistics and earlier battles together."""
    stats = ExamQuestionStat.objects.filter(question_id=version.question_id).aggregate(
        seen=Sum("seen"), correct=Sum("correct"))
    battles = BattleAnswer.objects.filter(version__question_id=version.question_id, player__is_bot=False).aggregate(
        seen=Count("pk"), correct=Count("pk", filter=Q(is_correct=True)))
    seen = (stats["seen"] or 0) + battles["seen"]
    right = (stats["correct"] or 0) + battles["correct"]
    return right / seen if seen >= BOT_MIN_OBSERVATIONS else BOT_DEFAULT_CORRECT_RATE


def _bot_answers(battle: Battle, index: int, version: QuestionVersion) -> None:
    rng = random.Random(f"{battle.pk}:{index}")
    rate = correct_rate(version)
    keys = [letter(i) for i in range(len(version.options))]
    right = [letter(i) for i in version.answer]
    wrong = [k for k in keys if k not in right] or right
    window = battle.seconds_per_question * 1000
    for bot in battle.players.filter(is_bot=True, forfeited=False):
        elapsed = int(window * rng.uniform(0.25, 0.9))
        correct = rng.random() < rate
        choice = right[0] if correct else rng.choice(wrong)
        BattleAnswer.objects.get_or_create(
            player=bot, question_index=index,
            defaults={"battle": battle, "version": version, "response": choice, "elapsed_ms": elapsed,
                      "is_correct": correct, "points": speed_points(battle, elapsed) if correct else 0})


def do_reveal_many(wanted: list[Due], now: dt.datetime | None = None) -> dict[Due, dict[str, Any]]:
    """Close question ``index`` of each battle whose deadline has passed, all in one transaction: the 练习对手
    answer, the players who are gone forfeit the rest, the totals are summed from the stored answers, and a
    battle ends after its last question. Returns the reveal frames of the questions this call closed (one
    already revealed, or not yet due, is left out). A fixed number of queries for any number of battles: every
    driver of a server process sends the reveals that fall due together here at once."""
    now = now or timezone.now()
    index_of = dict(wanted)
    with serialized_writes(), transaction.atomic():
        due = [b for b in _locked(Battle.objects.select_related("mode").filter(
                   pk__in=index_of, state=Battle.State.RUNNING, phase=Battle.Phase.QUESTION, deadline__lte=now))
               if b.question_index == index_of[b.pk]]
        if not due:
            return {}
        ids = [b.pk for b in due]
        Battle.objects.filter(pk__in=ids).update(phase=Battle.Phase.REVEAL)
        versions = QuestionVersion.objects.in_bulk({b.version_ids[b.question_index] for b in due})
        for battle in due:
            if battle.has_bots:
                _bot_answers(battle, battle.question_index, versions[battle.version_ids[battle.question_index]])
        # Players without a connection when the window closes have left: they forfeit the rest.
        BattlePlayer.objects.filter(battle_id__in=ids, is_bot=False, forfeited=False, connected=False).update(
            forfeited=True, live=False)
        # Totals are the sums of the stored answers (every question so far has been revealed): a reveal
        # repeated after a crash cannot add an answer twice.
        answered = BattleAnswer.objects.filter(player=OuterRef("pk")).values("player")
        BattlePlayer.objects.filter(battle_id__in=ids).update(
            score=Coalesce(Subquery(answered.annotate(total=Sum("points")).values("total")), 0),
            correct=Coalesce(Subquery(answered.annotate(right=Count("pk", filter=Q(is_correct=True)))
                                      .values("right")), 0))
        players: dict[int, list[BattlePlayer]] = {}
        for player in BattlePlayer.objects.filter(battle_id__in=ids).order_by("battle", "seat"):
            players.setdefault(player.battle_id, []).append(player)
        answers: dict[int, dict[int, BattleAnswer]] = {}
        for answer in BattleAnswer.objects.filter(battle_id__in=ids,
                                                  question_index__in={b.question_index for b in due}):
            answers.setdefault(answer.battle_id, {})[answer.player_id] = answer
        _finish([b for b in due if b.question_index + 1 >= len(b.version_ids) or not any(
            not p.is_bot and not p.forfeited for p in players.get(b.pk, []))], players, now)
        reveals: dict[Due, dict[str, Any]] = {}
        for battle in due:
            index, seats = battle.question_index, players.get(battle.pk, [])
            version = versions[battle.version_ids[index]]
            mine = {pid: a for pid, a in answers.get(battle.pk, {}).items() if a.question_index == index}
            reveals[(battle.pk, index)] = {
                "type": "reveal", "battle": battle.pk, "index": index,
                "answer": ([letter(i) for i in version.answer] if version.qtype != QuestionType.FILL
                           else version.answer),
                "explanation": version.explanation,
                "results": [{"seat": p.seat, "choice": mine[p.pk].response if p.pk in mine else None,
                             "correct": mine[p.pk].is_correct if p.pk in mine else False,
                             "points": mine[p.pk].points if p.pk in mine else 0} for p in seats],
                "scores": scoreboard(seats),
                "finished": battle.state == Battle.State.FINISHED,
            }
    return reveals


def do_reveal(battle_id: int, index: int, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Close question ``index`` once its deadline has passed (``do_reveal_many`` for one battle). None when not
    due or already done."""
    return do_reveal_many([(battle_id, index)], now).get((battle_id, index))


def scoreboard(players: list[BattlePlayer]) -> list[dict[str, Any]]:
    return [{"seat": p.seat, "name": p.name, "score": p.score, "correct": p.correct, "bot": p.is_bot,
             "forfeited": p.forfeited, "rank": p.rank} for p in players]


def _finish(battles: list[Battle], players: dict[int, list[BattlePlayer]], now: dt.datetime) -> None:
    """Ranks (forfeited players last), credit points, seats freed, for each battle; one query for all the
    seats, and one task (after commit, through the outbox) posting the credit of every battle finished here."""
    seats: list[BattlePlayer] = []
    for battle in battles:
        rank = 0
        previous: tuple[bool, int, int] | None = None
        factor = battle.mode.practice_credit_factor if battle.has_bots else Decimal("1")
        ordered = sorted(players.get(battle.pk, []), key=lambda p: (p.forfeited, -p.score, -p.correct, p.seat))
        for position, player in enumerate(ordered, start=1):
            key = (player.forfeited, player.score, player.correct)
            rank = rank if key == previous else position
            previous = key
            player.rank = rank
            player.live = False
            if not player.is_bot and not player.forfeited:
                player.credit_points = (battle.mode.credit_points * factor).quantize(Decimal("0.01"))
            seats.append(player)
        battle.state = Battle.State.FINISHED
        battle.finished_at = now
    BattlePlayer.objects.bulk_update(seats, ["rank", "live", "credit_points"], batch_size=500)
    Battle.objects.filter(pk__in=[b.pk for b in battles]).update(state=Battle.State.FINISHED, finished_at=now)
    credited = sorted({p.battle_id for p in seats if p.member_id is not None and p.credit_points > 0})
    if credited:
        from ..tasks import post_battle_credits

        outbox.send_on_commit(post_battle_credits, credited)


def do_leave(member: Member, battle_id: int) -> BattlePlayer | None:
    """Leave: in a waiting private room the seat is given up (the room closes when its creator leaves); in a
    running battle the player forfeits the rest (and the battle ends when no member is left)."""
    with serialized_writes(), transaction.atomic():
        player = BattlePlayer.objects.select_related("battle").filter(battle_id=battle_id, member=member).first()
        if player is None:
            return None
        battle = player.battle
        if battle.state == Battle.State.WAITING:
            if battle.created_by_id == member.pk:
                battle.players.update(live=False)
                Battle.objects.filter(pk=battle.pk).update(state=Battle.State.CANCELLED)
            else:
                player.delete()
            return None
        if battle.state != Battle.State.RUNNING or player.forfeited:
            return player
        BattlePlayer.objects.filter(pk=player.pk).update(forfeited=True, live=False, connected=False)
        if not battle.players.filter(is_bot=False, forfeited=False).exists():
            _finish([Battle.objects.select_related("mode").get(pk=battle.pk)], {battle.pk: list(battle.players.all())},
                    timezone.now())
        player.refresh_from_db()
        return player


def set_connected(player_id: int, channel_name: str, connected: bool) -> str:
    """A socket of the player opened (it becomes the player's one connection; returned: the channel of the
    socket it replaces, "" when none was open) or closed (only if it still was the player's one)."""
    with serialized_writes(), transaction.atomic():
        if connected:
            previous = BattlePlayer.objects.filter(pk=player_id, connected=True).exclude(
                channel_name=channel_name).values_list("channel_name", flat=True).first() or ""
            BattlePlayer.objects.filter(pk=player_id).update(connected=True, channel_name=channel_name)
            return previous
        BattlePlayer.objects.filter(pk=player_id, channel_name=channel_name).update(connected=False)
        return ""


def battle_state(battle_id: int, member: Member | None = None) -> dict[str, Any]:
    """What a (re)connecting client needs: players and scores, and the open question if its window is open."""
    battle = Battle.objects.get(pk=battle_id)
    players = list(battle.players.all())
    state: dict[str, Any] = {
        "type": "state", "battle": battle.pk, "state": battle.state, "players": scoreboard(players),
        "total": len(battle.version_ids), "index": battle.question_index, "phase": battle.phase,
        "server_now_ms": int(timezone.now().timestamp() * 1000),
    }
    if member is not None:
        mine = next((p for p in players if p.member_id == member.pk), None)
        state["you"] = mine.seat if mine is not None else None
    if battle.state == Battle.State.RUNNING and battle.phase == Battle.Phase.QUESTION:
        state["question"] = question_payload(battle, battle.question_index)
        if member is not None:
            state["answered"] = BattleAnswer.objects.filter(
                battle=battle, question_index=battle.question_index, player__member=member).exists()
    return state


def final_result(battle_id: int) -> dict[str, Any]:
    battle = Battle.objects.get(pk=battle_id)
    return {"type": "finished", "battle": battle.pk, "players": scoreboard(list(battle.players.all()))}


def sweep_stale_battles(idle_seconds: int = 120, now: dt.datetime | None = None) -> int:
    """Finish battles whose clock stopped (every server process with their sockets is gone and nobody came
    back) and close private rooms nobody joined: the members' seats are freed, answers and points kept.
    Safe to run twice: each step is a conditional UPDATE of ``do_reveal`` or on the battle's state."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=idle_seconds)
    done = 0
    stale = Battle.objects.filter(state=Battle.State.RUNNING).filter(
        Q(deadline__lt=cutoff) | Q(deadline__isnull=True, started_at__lt=cutoff))
    for battle in stale.only("pk", "question_index", "phase"):
        index = battle.question_index
        with serialized_writes(), transaction.atomic():
            BattlePlayer.objects.filter(battle_id=battle.pk).update(connected=False)
            if battle.phase != Battle.Phase.QUESTION:
                # Between questions (or before the first): open the next one as already over, so that its
                # reveal (with no answers) forfeits the absent members and finishes the battle.
                index += 1
                Battle.objects.filter(pk=battle.pk, phase=battle.phase, question_index=battle.question_index).update(
                    phase=Battle.Phase.QUESTION, question_index=index, deadline=now, shown_at=now)
        if do_reveal(battle.pk, index, now=now) is not None:
            done += 1
    with serialized_writes(), transaction.atomic():
        rooms = list(Battle.objects.filter(state=Battle.State.WAITING, created_at__lt=now - dt.timedelta(hours=2))
                     .values_list("pk", flat=True))
        BattlePlayer.objects.filter(battle_id__in=rooms).update(live=False)
        done += Battle.objects.filter(pk__in=rooms, state=Battle.State.WAITING).update(state=Battle.State.CANCELLED)
    return done
