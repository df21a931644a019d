"""答题PK member pages: the lobby (modes, 开始匹配, private rooms, history, the committee's weekly board),
the battle page (the play itself runs over the WebSocket, exams/consumers.py), invitations and results.
Every battle page is for its players only (404 for anyone else)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from school.models import Member

from ..models import Battle, BattleAnswer, BattleMode, BattlePlayer, QuestionVersion
from ..presenters import answer_text
from ..services.battles import BattleError, committee_of, do_create_private, do_join_private, do_leave, live_seat
from .pages import _member


def _week_start(now: dt.datetime | None = None) -> dt.datetime:
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


def weekly_board(member: Member, limit: int = 20) -> list[dict[str, Any]]:
    """This week's battle points of the members of ``member``'s committee, best first."""
    committee = committee_of(member.organization)
    qs = BattlePlayer.objects.filter(is_bot=False, battle__state=Battle.State.FINISHED,
                                     battle__finished_at__gte=_week_start())
    qs = qs.filter(committee=committee) if committee is not None else qs.filter(member=member)
    rows = (qs.values("member_id", "name").annotate(points=Sum("score"), battles=Count("pk"),
                                                   wins=Count("pk", filter=Q(rank=1)))
            .order_by("-points", "-wins", "member_id")[:limit])
    return [{**row, "position": n, "me": row["member_id"] == member.pk} for n, row in enumerate(rows, start=1)]


def _history(member: Member, limit: int) -> list[BattlePlayer]:
    return list(BattlePlayer.objects.filter(member=member, battle__state=Battle.State.FINISHED)
                .select_related("battle__mode").order_by("-battle__finished_at")[:limit])


@require_GET
@login_required
def lobby(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    seat = live_seat(member)
    committee = committee_of(member.organization)
    return render(request, "exams/battles/lobby.html", {
        "modes": BattleMode.objects.filter(active=True), "seat": seat, "committee": committee,
        "board": weekly_board(member), "history": _history(member, 5)})


@require_GET
@login_required
def history(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/battles/history.html", {"history": _history(_member(request), 100)})


def _my_battle(request: HttpRequest, pk: int) -> tuple[Member, Battle, BattlePlayer]:
    member = _member(request)
    player = BattlePlayer.objects.select_related("battle__mode").filter(battle_id=pk, member=member).first()
    if player is None:
        raise Http404
    return member, player.battle, player


@require_GET
@login_required
def battle_page(request: HttpRequest, pk: int) -> HttpResponse:
    _unused, battle, player = _my_battle(request, pk)
    if battle.state == Battle.State.FINISHED:
        return redirect("exams:battle_result", pk=battle.pk)
    if battle.state == Battle.State.CANCELLED:
        messages.info(request, _("This room is closed."))
        return redirect("exams:battles")
    invite = request.build_absolute_uri(reverse("exams:battle_join", args=[battle.invite_token]))
    return render(request, "exams/battles/battle.html", {
        "battle": battle, "player": player, "players": battle.players.all(), "invite": invite,
        "waiting": battle.state == Battle.State.WAITING,
        "socket_path": f"/ws/battles/{battle.pk}/"})


@require_GET
@login_required
def battle_qr(request: HttpRequest, pk: int) -> HttpResponse:
    _unused, battle, _player = _my_battle(request, pk)
    if not battle.private:
        raise Http404
    invite = request.build_absolute_uri(reverse("exams:battle_join", args=[battle.invite_token]))
    out = io.BytesIO()
    qrcode.make(invite, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@require_POST
@login_required
def create_private(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    mode = BattleMode.objects.filter(code=request.POST.get("mode", "")[:20], active=True).first()
    if mode is None:
        return render(request, "exams/battles/refused.html", {"message": _("This battle mode is not open.")}, status=404)
    try:
        battle = do_create_private(member, mode)
    except BattleError as exc:
        return render(request, "exams/battles/refused.html", {"message": exc.message}, status=exc.status)
    return redirect("exams:battle", pk=battle.pk)


@require_http_methods(["GET", "POST"])
@login_required
def join(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(request)
    battle = get_object_or_404(Battle.objects.select_related("mode", "created_by"), invite_token=token[:32],
                               private=True)
    if request.method == "GET":
        return render(request, "exams/battles/join.html", {"battle": battle, "taken": battle.players.count()})
    try:
        do_join_private(member, token)
    except BattleError as exc:
        return render(request, "exams/battles/refused.html", {"message": exc.message}, status=exc.status)
    return redirect("exams:battle", pk=battle.pk)


@require_POST
@login_required
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    member, battle, _player = _my_battle(request, pk)
    do_leave(member, battle.pk)
    return redirect("exams:battles")


@require_GET
@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    _unused, battle, player = _my_battle(request, pk)
    if battle.state != Battle.State.FINISHED:
        return redirect("exams:battle", pk=battle.pk)
    players = list(battle.players.all().order_by("rank", "seat"))
    versions = QuestionVersion.objects.in_bulk(battle.version_ids)
    mine = {a.question_index: a for a in BattleAnswer.objects.filter(player=player)}
    questions = []
    for index, vid in enumerate(battle.version_ids):
        version = versions[vid]
        answer = mine.get(index)
        questions.append({
            "number": index + 1, "stem": version.stem, "options": [
                {"key": chr(65 + i), "text": text} for i, text in enumerate(version.options)],
            "correct": answer_text(version, [], "".join(chr(65 + i) for i in version.answer)),
            "explanation": version.explanation,
            "mine": answer_text(version, [], answer.response) if answer else None,
            "is_correct": bool(answer and answer.is_correct), "points": answer.points if answer else 0,
            "too_fast": bool(answer and answer.too_fast)})
    return render(request, "exams/battles/result.html", {
        "battle": battle, "player": player, "players": players, "questions": questions})
