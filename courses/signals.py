"""Events other apps listen to.

``lesson_completed``: sent once per member and page (lesson or policy document) when the page is first
completed, inside the transaction that records it (receivers queue work with
``school.outbox.send_on_commit``, whose row commits with the completion). Keyword arguments: ``member_id``, ``lesson_id`` (the page id),
``completed_at``. The credits app turns it into points.
"""

from django.dispatch import Signal

lesson_completed = Signal()
