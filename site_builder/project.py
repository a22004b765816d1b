"""The audience filter and masking, applied once, before any renderer runs.

Every field declares the lowest audience that sees it whole and how lower audiences get it (schema.F);
`project_data` applies those declarations, the one projection behind pages, downloads, search, feeds,
PDFs, history and `sanwu diff --audience`. Renderers get Views only, never a Record.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog
from .cnrules import mask_mobile
from .config import SiteConfig
from .errors import Problem
from .records import AREAS, Record, RecordType
from .records.base import audience_rank, notice_state
from .schema import INVALID, F, Kind, ListOf, Obj, Period, parse_period_text, to_plain


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
    issuer: str = ""  # who signs it: its own issuer, else its 党支部, else the site's org
    key: str = ""  # a digest of everything the view is made from (see project_catalog); "" when not known
    made: Callable[[], dict[str, Any]] | None = field(default=None, repr=False)  # makes `extra`, once
    _extra: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def extra(self) -> dict[str, Any]:
        """The type's figures for the page (running balances, 大写, charts): made when first read, so a
        rebuild makes them only for the pages it renders again."""
        if self._extra is None:
            self._extra = self.made() if self.made else {}
        return self._extra

    def forget_extra(self) -> None:
        """Let the figures go once the pages that read them are made (they are made again if read again)."""
        self._extra = None

    @property
    def area_label(self) -> str:
        return AREAS[self.area]

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"


def public_numbers(site: SiteConfig) -> frozenset[str]:
    """The digits of site.yaml's public_phones: numbers shown whole everywhere."""
    return frozenset("".join(c for c in phone if c.isdigit()) for phone in site.public_phones)


def masked(value: Any, keep: frozenset[str]) -> Any:
    """A value as an audience below its field's `see` gets it with lower="mask"."""
    if isinstance(value, str):
        return mask_mobile(value, keep)
    if isinstance(value, list):
        return [masked(v, keep) for v in value]
    return value


def project_fields(fields: dict[str, F], data: dict[str, Any], audience: str, keep: frozenset[str]) -> dict[str, Any]:
    """The declared fields of a mapping as `audience` may see them; undeclared keys are dropped."""
    rank = audience_rank(audience)
    out: dict[str, Any] = {}
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None or value is INVALID:
            continue
        if rank >= audience_rank(spec.see):
            out[key] = project_value(spec.kind, value, audience, keep)
        elif spec.lower == "mask":
            out[key] = masked(value, keep)
        elif spec.lower == "count" and isinstance(value, list):
            out[key] = len(value)
    return out


def project_value(kind: Kind, value: Any, audience: str, keep: frozenset[str]) -> Any:
    """A visible value: nested mappings and lists of mappings are projected field by field."""
    if isinstance(kind, Obj) and isinstance(value, dict):
        return project_fields(kind.fields, value, audience, keep)
    if isinstance(kind, ListOf) and isinstance(value, list):
        return [project_value(kind.item, v, audience, keep) for v in value]
    if isinstance(value, (list, dict)):
        return value.copy()
    return value


def project_data(
    rtype: RecordType, data: dict[str, Any], audience: str, as_of: dt.date, site: SiteConfig
) -> dict[str, Any]:
    """A record's typed data as `audience` may see it: the declared fields, the type's figures, its own rule."""
    shown = project_fields(rtype.schema.fields, data, audience, public_numbers(site))
    shown.update(rtype.derived(data))
    return rtype.restrict(shown, data, audience, as_of, site)


def project_plain(
    rtype: RecordType, data: dict[str, Any], body: str | None, audience: str, as_of: dt.date, site: SiteConfig
) -> dict[str, Any]:
    """The projected data as plain JSON values with the Markdown body: what history and `sanwu diff` compare."""
    out: dict[str, Any] = to_plain(project_data(rtype, data, audience, as_of, site))
    if body is not None:
        out["body"] = body
    return out


def visible(rec: Record, audience: str, as_of: dt.date, drafts: bool) -> bool:
    """Whether this audience's build shows the record at all."""
    if not rec.valid or audience_rank(rec.audience) > audience_rank(audience):
        return False
    if not rec.published:
        return drafts
    scheduled = rec.published_on is not None and rec.published_on > as_of
    return drafts or not scheduled


def visible_findings(problems: list[Problem], audience: str) -> list[Problem]:
    """The compliance findings this audience's build may show: each declares its lowest audience."""
    rank = audience_rank(audience)
    return [p for p in problems if p.severity == "finding" and p.audience and audience_rank(p.audience) <= rank]


def listing_period(rec: Record) -> Period | None:
    """The record's period, or the month it was published in."""
    if rec.period:
        return rec.period
    day = rec.published_on
    return parse_period_text(f"{day.year}-{day.month:02d}") if day else None


def project_catalog(catalog: Catalog, audience: str, as_of: dt.date, drafts: bool, site: SiteConfig) -> list[View]:
    """The views of one audience's build, in id order.

    Each view's key digests what it is made from: its record file's memo key (the file's path and bytes,
    the settings and sanwu itself), this build's audience, date, drafts and settings, and the keys of the
    peers its type's view() reads.
    """
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
                data=project_data(rec.rtype, rec.data, audience, as_of, site),
                body=rec.body,
                published_on=rec.published_on,
                period=listing_period(rec),
                notice_period=np,
                notice_state=notice_state(np, as_of),
                draft=not rec.published,
                scheduled=rec.published and rec.published_on is not None and rec.published_on > as_of,
                issuer=rec.get("issuer") or rec.get("branch") or site.org or site.community,
            )
        )
    peers: dict[str, list[dict[str, Any]]] = {}
    for view in views:
        if not view.draft:
            peers.setdefault(view.rtype.name, []).append(view.data)
    keys = {id(view.data): catalog.keys.get(view.source, "") for view in views}
    build = hashlib.sha256(pickle.dumps((audience, as_of, drafts, site), protocol=5)).hexdigest()
    for view in views:
        read = view.rtype.view_peers(view.data, peers.get(view.rtype.name, []))
        view.made = functools.partial(view.rtype.view, view.data, read)
        inputs = [keys[id(view.data)], *(keys[id(peer)] for peer in read)]
        if all(inputs):
            view.key = hashlib.sha256(":".join([build, *inputs]).encode()).hexdigest()
    return views
