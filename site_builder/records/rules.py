"""The rule vocabulary: what a record type states about its data, each rule with one message.

A type lists its rules as data (`rules = (Unique("members[]", "name", "队员"), WithinPeriod("activities[].date"))`)
and the catalog applies them; the type's own check() keeps only what is particular to it.

Paths name list items with `[]`: `entries[].date` is the date of every entry, `members[].months[]` every month of
every member. Messages carry the 1-based path of the item (`entries[3].date`) and write dates as 2026年11月3日.

Periodic disclosures declare when they are due (`Due`); `series()` and `overdue()` turn the declarations into
the 定期公开 calendar and the 逾期未公开 findings as of the build date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cnrules import format_date_cn
from ..errors import Problems
from ..schema import Period, parse_period_text

if TYPE_CHECKING:
    from ..config import SiteConfig
    from .base import Record

SPAN_ZH = {"month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}


def each(value: Any, path: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """The values at a path such as `entries[].date`, with their written paths (`entries[3].date`)."""
    head, _, rest = path.partition(".")
    name, listed = head.removesuffix("[]"), head.endswith("[]")
    if not isinstance(value, dict) or value.get(name) is None:
        return
    here = f"{prefix}.{name}" if prefix else name
    items = [(here, value[name])]
    if listed:
        if not isinstance(value[name], list):
            return
        items = [(f"{here}[{i}]", item) for i, item in enumerate(value[name], 1)]
    for where, item in items:
        if rest:
            yield from each(item, rest, where)
        else:
            yield where, item


def lists(data: dict[str, Any], path: str) -> Iterator[tuple[str, list[Any]]]:
    """Every list a path ending in `[]` names, with its written path: `members[].months[]` -> members[2].months."""
    parent, _, last = path.removesuffix("[]").rpartition(".")
    holders = each(data, parent) if parent else iter([("", data)])
    for where, holder in holders:
        if isinstance(holder, dict) and isinstance(holder.get(last), list):
            yield (f"{where}.{last}" if where else last), holder[last]


def shown(value: Any) -> str:
    """A value as written in a message: dates in Chinese, several key parts joined."""
    if isinstance(value, tuple):
        return " ".join(shown(v) for v in value)
    if isinstance(value, dt.date):
        return format_date_cn(value)
    if isinstance(value, Period):
        return value.label
    return str(value)


@dataclass(frozen=True)
class Unique:
    """No two items of a list share a key; `across` makes it one list over all records sharing those fields.

    Unique("members[]", "name", "队员"); Unique("attendees[]", label="出席人员"); Unique("entries[]", "voucher",
    "凭证号", across=("account",)). `person`: the key is a name, and the message says how to tell two apart.
    """

    items: str
    key: str | tuple[str, ...] = ""
    label: str = ""
    across: tuple[str, ...] = ()
    person: bool = False

    def keys(self, rec: Record) -> Iterator[tuple[str, Any]]:
        """(path, key value) of every item, in order; items without the key are skipped."""
        for where, items in lists(rec.data, self.items):
            for i, item in enumerate(items, 1):
                path = f"{where}[{i}]"
                if isinstance(self.key, tuple):
                    parts = tuple(item.get(k) for k in self.key) if isinstance(item, dict) else ()
                    if parts and all(p is not None for p in parts):
                        yield path, parts
                elif self.key:
                    if isinstance(item, dict) and item.get(self.key) is not None:
                        yield f"{path}.{self.key}", item[self.key]
                elif isinstance(item, (str, int, dt.date)):
                    yield path, item

    def report(self, rec: Record, problems: Problems, path: str, value: Any, first: str) -> None:
        """The one message of this rule."""
        text = shown(value)
        hint = f"；同名的人请加以区分，如 {text}（大）" if self.person else ""
        rec.error(
            problems,
            path,
            f"{self.label} {text} 重复（{first} 已有）{hint}",
            f"{self.label or 'value'} {text} is listed twice (already {first})",
        )

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Within one record (each list on its own)."""
        if self.across:
            return
        seen: dict[tuple[str, Any], str] = {}
        for path, value in self.keys(rec):
            scope = path.rpartition("[")[0]  # the list this item is in
            if (scope, value) in seen:
                self.report(rec, problems, path, value, seen[scope, value])
            else:
                seen[scope, value] = (
                    path.removesuffix(f".{self.key}") if isinstance(self.key, str) and self.key else path
                )

    def check_all(self, recs: list[Record], problems: Problems) -> None:
        """Across the records that share the `across` fields."""
        if not self.across:
            return
        seen: dict[tuple[Any, ...], tuple[str, str]] = {}  # the first (file, item path) of each key
        for rec in sorted(live(recs), key=sort_key):
            group = tuple(rec.get(k) for k in self.across)
            for path, value in self.keys(rec):
                mine = (rec.path, path)
                first = seen.setdefault((*group, value), mine)
                if first is not mine:
                    item = first[1].removesuffix(f".{self.key}") if isinstance(self.key, str) and self.key else first[1]
                    self.report(rec, problems, path, value, f"{first[0]} 的 {item}")


@dataclass(frozen=True)
class WithinPeriod:
    """Every date at a path falls inside the record's period: WithinPeriod("activities[].date")."""

    dates: str

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        period = rec.period
        if period is None:
            return
        for path, day in each(rec.data, self.dates):
            if isinstance(day, dt.date) and not period.contains(day):
                rec.error(
                    problems,
                    path,
                    f"日期 {format_date_cn(day)} 不在所属期间 {period.label}"
                    f"（{format_date_cn(period.start)}至{format_date_cn(period.end)}）之内",
                    f"date {day} is outside the period {period.key}",
                )

    def check_all(self, recs: list[Record], problems: Problems) -> None:
        """Nothing across records."""


@dataclass(frozen=True)
class OnePerPeriod:
    """One record per key and period: OnePerPeriod(("account",)). Withdrawn records make room for their successor."""

    keys: tuple[str, ...]

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Nothing within one record."""

    def check_all(self, recs: list[Record], problems: Problems) -> None:
        seen: dict[tuple[Any, ...], Record] = {}
        for rec in sorted(live(recs), key=sort_key):
            key = (*(rec.get(k) for k in self.keys), rec.period.key if rec.period else "")
            if key not in seen:
                seen[key] = rec
                continue
            who = "".join(f"{rec.get(k)}" for k in self.keys)
            what, each_ = (f"{who}{rec.period.label}", "每期") if rec.period else (f"“{who}”", "")
            rec.error(
                problems,
                "period" if rec.period else self.keys[0],
                f"{what}已有一份{rec.rtype.label}：{seen[key].path}（{each_}只能有一份；更正请修改原记录）",
                f"{who} {rec.period.key if rec.period else ''} already has a {rec.rtype.name}: {seen[key].path}",
            )


Rule = Unique | WithinPeriod | OnePerPeriod


def live(recs: list[Record]) -> list[Record]:
    """Records that still stand (not withdrawn)."""
    return [r for r in recs if r.status != "withdrawn"]


def sort_key(rec: Record) -> tuple[str, str]:
    """Period first, then id: the earlier record keeps its place, the later is the one reported."""
    return (rec.period.key if rec.period else "", rec.id)


# ---------------------------------------------------------------------------
# At least N per period, and what is due when
# ---------------------------------------------------------------------------


def period_of(day: dt.date, span: str) -> Period:
    """The month, quarter, half or year containing a day."""
    if span == "month":
        return parse_period_text(f"{day.year}-{day.month:02d}")
    if span == "quarter":
        return parse_period_text(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if span == "half":
        return parse_period_text(f"{day.year}-H{1 if day.month <= 6 else 2}")
    return parse_period_text(str(day.year))


def next_period(period: Period, span: str) -> Period:
    """The period of a span just after this one."""
    return period_of(period.end + dt.timedelta(days=1), span)


def periods_between(first: dt.date, running: dt.date, span: str) -> list[Period]:
    """Periods from the one containing `first` up to, not including, the one containing `running`."""
    out = []
    period, stop = period_of(first, span), period_of(running, span)
    while period.start < stop.start:
        out.append(period)
        period = next_period(period, span)
    return out


def too_few(count: int, need: int, span: str, what: str, verb: str = "") -> tuple[str, str]:
    """The message of "at least N per period": 没有召开支委会 / 只召开了 1 次支委会（要求每月至少 2 次）."""
    did = f"没有{verb}{what}" if count == 0 else f"只{verb}了 {count} 次{what}"
    return (
        f"{did}（要求{SPAN_ZH[span]}至少 {need} 次）",
        f"{count} {what} held, at least {need} per {span} required",
    )


@dataclass(frozen=True)
class Due:
    """A periodic disclosure: one per `span` for each value of `keys`, due `rule` days after the period's `after`.

    Due("month", "finance_ledger_due_days", ("account",)): a month's ledger of each account by the 10th of the
    next month (the number of days comes from site.yaml `rules:`).
    """

    span: str
    rule: str
    keys: tuple[str, ...] = ()
    after: str = "end"  # end | start

    def deadline(self, period: Period, site: SiteConfig) -> dt.date:
        """The last day the period's disclosure is on time."""
        anchor = period.end if self.after == "end" else period.start
        return anchor + dt.timedelta(days=site.rule(self.rule))


@dataclass
class Series:
    """One periodic disclosure of one subject: which periods were disclosed when, and when each is due."""

    label: str  # what is disclosed: 党建经费 财务收支明细公示
    span: str
    due: Due
    anchor: Record  # where findings are reported: its latest record
    done: dict[str, tuple[dt.date, str]] = field(default_factory=dict)  # period key -> (disclosed on, record id)
    first: Period | None = None

    def rows(self, as_of: dt.date, site: SiteConfig) -> list[dict[str, Any]]:
        """Every period from the first disclosed to the next one due: deadline, date disclosed and state."""
        if self.first is None:
            return []
        out: list[dict[str, Any]] = []
        period = self.first
        last_done = max((parse_period_text(k) for k in self.done), default=period)
        while len(out) < 240:  # twenty years of months: nothing real runs longer
            deadline = self.due.deadline(period, site)
            disclosed = self.done.get(period.key)
            if disclosed:
                state = "按时公开" if disclosed[0] <= deadline else "逾期公开"
            else:
                state = "逾期未公开" if deadline < as_of else "待公开"
            out.append(
                {"period": period, "deadline": deadline, "on": disclosed[0] if disclosed else None, "state": state}
            )
            if not disclosed and deadline >= as_of and period.start > last_done.start:
                break  # the next one due
            period = next_period(period, self.span)
        return out


def record_series(due: Due, label: str, recs: list[Record], as_of: dt.date) -> list[Series]:
    """The series of a type with one record per period: grouped by the Due's keys, periods of its span only."""
    groups: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for rec in live(recs):
        if rec.period is not None and rec.period.kind == due.span:
            groups[tuple(rec.get(k) for k in due.keys)].append(rec)
    out = []
    for key, items in sorted(groups.items(), key=lambda kv: [str(k) for k in kv[0]]):
        items.sort(key=sort_key)
        subject = " ".join(str(k) for k in key if k)
        series = Series(f"{subject} {label}" if subject else label, due.span, due, items[-1])
        for rec in items:
            day = rec.published_on
            if rec.published and day is not None and day <= as_of and rec.period is not None:
                series.done.setdefault(rec.period.key, (day, rec.id))
                series.first = series.first or rec.period
        if series.first:  # a series starts with its first disclosure: drafts alone are not yet a practice
            out.append(series)
    return out


def report_overdue(series: Series, as_of: dt.date, site: SiteConfig, problems: Problems) -> None:
    """逾期未公开: each period past its deadline that nothing disclosed, named with its deadline."""
    for row in series.rows(as_of, site):
        if row["state"] != "逾期未公开":
            continue
        period, deadline = row["period"], row["deadline"]
        late = (as_of - deadline).days
        series.anchor.finding(
            problems,
            "period" if series.anchor.period else "title",
            f"{series.label}（{period.label}）逾期未公开：应于 {format_date_cn(deadline)} 前公开，"
            f"截至 {format_date_cn(as_of)} 已逾期 {late} 天",
            f"{series.label} for {period.key} is overdue: due by {deadline}, {late} days late on {as_of}",
            period=period.key,
            audience="party",  # what is due and when: no personal data
        )


def tally(items: Any, key: str, order: tuple[str, ...]) -> list[tuple[str, int]]:
    """How many items have each value of a field, in the declared order (zeros included): [(优秀, 3), …]."""
    values = [item.get(key) for item in items or [] if isinstance(item, dict)]
    return [(value, values.count(value)) for value in order]
