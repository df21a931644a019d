"""Events other apps listen to.

``lesson_completed``: sent once per member and page (lesson or policy document) when the page is first
completed, after the transaction commits. Keyword arguments: ``member_id``, ``lesson_id`` (the page id),
``completed_at``. The credits app turns it into points.
"""

from django.dispatch import Signal

lesson_completed = Signal()
