from __future__ import annotations


class ExamError(Exception):
    """A refused request: ``message`` is shown to the user (translated), ``code`` is for programs."""

    status = 400

    def __init__(self, message: str, code: str = "invalid", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status
