"""答题PK modes in the Wagtail admin: superusers configure 双人对战 and 四人赛 (banks or tags drawn from, questions,
seconds per question, speed scoring, the practice-opponent timeout and the credit per battle). The credit's
daily cap is the credit rule ``quiz-battle`` (source 答题PK) in 积分规则, like every other source."""

from __future__ import annotations

from typing import Any

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from school.credits.admin_rules import SuperuserOnlyPolicy

from ..models import BattleMode

register_permission_policy(BattleMode, SuperuserOnlyPolicy(BattleMode))


class BattleModeForm(WagtailAdminModelForm):
    class Meta:
        model = BattleMode
        fields = ["code", "name", "players", "banks", "tags", "question_count", "seconds_per_question", "max_points",
                  "min_points", "match_timeout_seconds", "credit_points", "practice_credit_factor", "active"]


class BattleModeViewSet(ModelViewSet):
    model = BattleMode
    icon = "group"
    list_display = ["name", "code", "players", "question_count", "seconds_per_question", "credit_points", "active"]

    def get_form_class(self, for_update: bool = False) -> Any:
        return BattleModeForm
