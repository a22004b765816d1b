"""The code stays ruff- and mypy-clean (../shared/STYLE.md): a regression fails CI like any other."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize("tool", [["ruff", "check", "site_builder", "tests"], ["mypy", "site_builder"]])
def test_code_is_clean(tool: list[str]) -> None:
    if (
        shutil.which(tool[0]) is None
        and subprocess.run([sys.executable, "-m", tool[0], "--version"], capture_output=True).returncode
    ):
        pytest.skip(f"{tool[0]} not installed")
    done = subprocess.run([sys.executable, "-m", *tool], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
