"""Every page of every audience in a real browser at 390 px: no sideways scroll, no axe violation, no console error."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from site_builder.records import AUDIENCES
from tests.browser.conftest import axe_violations, horizontal_overflow


def pages_of(output: Path, audience: str) -> list[str]:
    """Every HTML page of an audience's build, as paths under output/."""
    return sorted(p.relative_to(output).as_posix() for p in (output / audience).rglob("*.html"))


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_page_fits_a_phone_and_passes_axe(audience: str, example_site: Path, served: str, phone: Page) -> None:
    pages = pages_of(example_site / "output", audience)
    assert len(pages) > 20
    failures: list[str] = []
    for path in pages:
        del phone.problems[:]  # type: ignore[attr-defined]
        phone.goto(served + path, wait_until="load")
        wider = horizontal_overflow(phone)
        if wider > 0:
            failures.append(f"{path}: {wider} px wider than a 390 px phone")
        failures += [f"{path}: axe {line}" for line in axe_violations(phone)]
        failures += [f"{path}: {line}" for line in phone.problems]  # type: ignore[attr-defined]
    assert failures == [], "\n".join(failures)
