"""The direction of imports between the apps, checked by import-linter (``[tool.importlinter]`` in
pyproject.toml, run by ``make lint``): courses, exams and search sit on media and school, media on school,
school imports none of them, and the three apps do not import each other. The wrong imports are made in
a copy of the packages, so the contract is shown to fail on them, not only to pass on the real tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("school", "media", "courses", "exams", "search")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACT = "courses, exams, search sit on media, media on school; school imports none of them"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's contracts over the packages found in ``tree`` (first on the path,
    before the editable install of the real tree)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200"}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=120)


def copy_of_the_project(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", "locale", "templates", "static", "*.txt", "*.json"))
    return tree


def test_it_keeps_the_contracts_on_the_real_tree() -> None:
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("importer", "imported", "rule"), [
    ("school", "courses.models", "school is not allowed to import courses"),
    ("school", "media.models", "school is not allowed to import media"),
    ("media", "search.models", "media is not allowed to import search"),
    ("courses", "exams.models", "courses is not allowed to import exams"),
    ("search", "courses.models", "search is not allowed to import courses"),
])
def test_it_fails_on_a_wrong_import(tmp_path: Path, importer: str, imported: str, rule: str) -> None:
    tree = copy_of_the_project(tmp_path)
    (tree / importer / "wrong_import.py").write_text(f"import {imported}  # breaks the architecture\n",
                                                    encoding="utf-8")

    result = lint_imports(tree)

    assert result.returncode != 0
    assert "Contracts: 0 kept, 1 broken." in result.stdout
    assert f"{CONTRACT} BROKEN" in result.stdout
    assert rule in result.stdout
    assert f"{importer}.wrong_import -> {imported}" in result.stdout
