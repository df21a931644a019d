"""Prints what the fuzz ran (operations, examples, status codes) at the end of the pytest run."""

from __future__ import annotations

from typing import Any

SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("schemathesis fuzz")
        for line in SUMMARY:
            terminalreporter.write_line(line)
