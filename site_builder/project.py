"""The audience filter and masking, applied once, before any renderer runs.

Renderers get Views only: the projected data an audience may see, never a Record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog
from .config import SiteConfig
from .records import AREAS, Record, RecordType
from .records.base import audience_rank, notice_state
from .schema import Period, parse_period_text


@dataclass
class View:
    """One record as one audience sees it."""

    id: str
    source: str  # the content file, for linking findings to pages
    rtype: RecordType
    title: str
    area: str
    audience: str
    status: str
    data: dict[str, Any]
    body: str | None
    published_on: dt.date | None
    period: Period | None
    notice_period: dict[str, dt.date] | None
    notice_state: str | None
    draft: bool
    scheduled: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def area_label(self) -> str:
        return AREAS[self.area]

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"


def visible(rec: Record, audience: str, as_of: dt.date, drafts: bool) -> bool:
    """Whether this audience's build shows the record at all."""
    if not rec.valid or audience_rank(rec.audience) > audience_rank(audience):
        return False
    if not rec.published:
        return drafts
    scheduled = rec.published_on is not None and rec.published_on > as_of
    return drafts or not scheduled


def listing_period(rec: Record) -> Period | None:
    """The record's period, or the month it was published in."""
    if rec.period:
        return rec.period
    day = rec.published_on
    return parse_period_text(f"{day.year}-{day.month:02d}") if day else None


def project_catalog(catalog: Catalog, audience: str, as_of: dt.date, drafts: bool, site: SiteConfig) -> list[View]:
    """The views of one audience's build, in id order."""
    views = []
    for rec in catalog.records:
        if not visible(rec, audience, as_of, drafts):
            continue
        np = rec.get("notice_period")
        views.append(
            View(
                id=rec.id,
                source=rec.path,
                rtype=rec.rtype,
                title=rec.title,
                area=rec.area,
                audience=rec.audience,
                status=rec.status,
                data=rec.rtype.project(rec.data, audience, as_of, site),
                body=rec.body,
                published_on=rec.published_on,
                period=listing_period(rec),
                notice_period=np,
                notice_state=notice_state(np, as_of),
                draft=not rec.published,
                scheduled=rec.published and rec.published_on is not None and rec.published_on > as_of,
            )
        )
    peers: dict[str, list[dict[str, Any]]] = {}
    for view in views:
        if not view.draft:
            peers.setdefault(view.rtype.name, []).append(view.data)
    for view in views:
        view.extra = view.rtype.view(view.data, peers.get(view.rtype.name, []))
    return views
