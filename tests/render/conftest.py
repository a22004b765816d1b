"""Shared by the PDF tests."""

from __future__ import annotations

import pytest

from site_builder.render import pdf


@pytest.fixture
def typeset(monkeypatch: pytest.MonkeyPatch) -> list[pdf.PdfJob]:
    """Every document WeasyPrint typesets, in order (on one worker, in this process, so that it is seen)."""
    jobs: list[pdf.PdfJob] = []
    real = pdf._render_job

    def counting(job: pdf.PdfJob, css_text: str, fonts: pdf.FontChoice) -> pdf.Rendered:
        jobs.append(job)
        return real(job, css_text, fonts)

    monkeypatch.setattr(pdf, "_render_job", counting)
    monkeypatch.setattr(pdf, "worker_count", lambda: 1)
    return jobs
