"""Hypothesis keeps its caches under var/ (not .hypothesis/ in the checkout); the fuzz's counts (operations,
examples, status codes) are printed at the end of the pytest run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(Path(__file__).resolve().parents[2] / "var" / "hypothesis")

SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("schemathesis fuzz")
        for line in SUMMARY:
            terminalreporter.write_line(line)
