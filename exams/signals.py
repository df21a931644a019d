"""Signals for the apps above (credits): sent inside the submitting transaction
(receivers queue work with ``school.outbox.send_on_commit``, whose row commits with the attempt).

Both receive keyword arguments ``member_id``, ``exam_id``, ``attempt_id``, ``score`` (Decimal), ``passed``.
``attempt_graded`` is sent for every graded attempt, ``attempt_passed`` additionally when it passed.
"""

from django.dispatch import Signal

attempt_graded = Signal()
attempt_passed = Signal()
