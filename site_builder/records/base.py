"""What every record has, and the interface a record type implements."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Location, Problems
from ..schema import (
    INVALID,
    Choice,
    Date,
    F,
    ListOf,
    Names,
    Obj,
    Period,
    PeriodKind,
    Text,
)
from .rules import Due, Rule, Series, record_series

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..config import SiteConfig

AUDIENCES = ("public", "party", "committee")
AUDIENCE_LABEL = {"public": "向社会公开", "party": "党内公开", "committee": "限党组织委员/经办人"}
STATUSES = ("draft", "reviewed", "approved", "withdrawn")
STATUS_LABEL = {"draft": "草稿", "reviewed": "已审核", "approved": "已批准", "withdrawn": "已撤回"}
PUBLISHED = ("approved", "withdrawn")
AREAS = {"party": "党务", "residents": "居务", "finance": "财务", "teams": "队伍", "registers": "台帐"}


def audience_rank(audience: str) -> int:
    """public < party < committee."""
    return AUDIENCES.index(audience)


def personal_phone(doc: str, label: str = "联系电话") -> F:
    """A person's own phone: whole for the committee, mobiles masked (138****8000) below it."""
    return F(Text(), doc=doc, label=label, see="committee", lower="mask")


def work_phone(doc: str = "工作电话（对居民公开、照常显示的号码），请加引号") -> F:
    """A number someone serves residents on (网格员, 队长): shown whole, and not flagged by the free-text gate."""
    return F(Text(), doc=doc, label="工作电话", see="public")


def finding_audience(audience: str) -> str:
    """Who may see a finding about a record of this audience: its readers, but never the public."""
    return max(audience, "party", key=audience_rank)


NOTICE_PERIOD = Obj(
    {
        "from": F(Date(), True, "公示开始日期（含）", label="开始日期", see="public"),
        "to": F(Date(), True, "公示结束日期（含）", label="结束日期", see="public"),
    }
)

# Every record's own fields: public wherever the record itself is shown.
COMMON: dict[str, F] = {
    "type": F(Text(), True, "记录类型", see="public"),
    "title": F(Text(), True, "标题", see="public"),
    "id": F(Text(), doc="网址和审计记录使用的编号，默认取文件路径（中文转拼音）", label="编号", see="public"),
    "audience": F(
        Choice(*AUDIENCES, words=AUDIENCE_LABEL),
        doc="公开范围：public 向社会公开 / party 党内公开 / committee 限委员",
        label="公开范围",
        see="public",
    ),
    "status": F(
        Choice(*STATUSES, words=STATUS_LABEL),
        doc="draft 草稿 / reviewed 已审核 / approved 已审批 / withdrawn 已撤回",
        label="状态",
        see="public",
    ),
    "issuer": F(
        Text(),
        doc="发布单位（落款），如 凤凰社区民主理财小组；不填则为党支部（有 branch 的类型）或 site.yaml 的 org",
        label="发布单位",
        see="public",
    ),
    "prepared_by": F(Names(), doc="经办人", see="public"),
    "reviewed_by": F(Names(), doc="审核人（含保密审查）", see="public"),
    "approved_by": F(Names(), doc="审批人", see="public"),
    "approved_on": F(Date(), doc="审批日期", see="public"),
    "published_on": F(Date(), doc="公开日期，默认为审批日期；晚于今天表示定时公开", see="public"),
    "period": F(PeriodKind(), doc="所属期间：2026、2026-H2、2026-Q4 或 2026-11", see="public"),
    "notice_period": F(NOTICE_PERIOD, doc="公示期 {from: 日期, to: 日期}", label="公示期", see="public"),
    "change_reason": F(Text(), doc="已公开记录修改或撤回的原因", label="修改原因", see="public"),
    "tags": F(ListOf(Text()), doc="标签", see="public"),
    "attachments": F(ListOf(Text()), doc="附件（content/ 下的文件路径）", see="public"),
}


@dataclass
class Record:
    """A validated record: typed data plus where each field was written."""

    rtype: RecordType
    path: str
    id: str
    data: dict[str, Any]
    locs: Mapping[str, Location]
    body: str | None = None
    body_line: int = 0
    valid: bool = True

    def get(self, name: str, default: Any = None) -> Any:
        """A field's value, or default when missing or invalid."""
        value = self.data.get(name, default)
        return default if value is INVALID else value

    @property
    def title(self) -> str:
        return str(self.get("title", self.id))

    @property
    def status(self) -> str:
        return str(self.get("status", "draft"))

    @property
    def audience(self) -> str:
        return str(self.get("audience", self.rtype.default_audience))

    @property
    def area(self) -> str:
        return str(self.get("area") or self.rtype.area)

    @property
    def period(self) -> Period | None:
        return self.get("period")

    @property
    def published_on(self) -> dt.date | None:
        return self.get("published_on") or self.get("approved_on")

    @property
    def published(self) -> bool:
        return self.status in PUBLISHED

    def loc(self, path: str = "") -> Location:
        """The location of a field path, or of its nearest written parent."""
        while path:
            if path in self.locs:
                return self.locs[path]
            path = path.rpartition(".")[0] if "." in path else path.rpartition("[")[0]
        return Location(self.path, 1, 1)

    def error(self, problems: Problems, path: str, zh: str, en: str) -> None:
        """Report an error at a field of this record."""
        problems.error(self.loc(path), path, zh, en)

    def finding(self, problems: Problems, path: str, zh: str, en: str, period: str = "", audience: str = "") -> None:
        """Report a compliance finding at a field of this record.

        period: the one it concerns; audience: the lowest build that may see it on its 合规 page, when
        the finding holds no personal data and may go lower than the record itself (meeting cadence);
        by default the record's own audience, and never the public (the public build has no 合规 page).
        """
        key = period or (self.period.key if self.period else "")
        problems.finding(self.loc(path), path, zh, en, key, audience or finding_audience(self.audience))


def notice_state(notice_period: dict[str, dt.date] | None, as_of: dt.date) -> str | None:
    """未开始 / 公示中 / 已结束 for a 公示 period."""
    if not notice_period:
        return None
    if as_of < notice_period["from"]:
        return "未开始"
    return "公示中" if as_of <= notice_period["to"] else "已结束"


@dataclass
class Column:
    """A column of a record's main table, for HTML, CSV and PDF alike."""

    key: str
    label: str
    # The column's role, which decides how it prints: free text wraps; names, dates, ids (voucher, ID card,
    # phone) and short codes (性别, 类别) never break inside; money is right-aligned.
    kind: str = "text"  # text | money | date | number | names | id | code


class Made(Mapping[str, Any]):
    """A mapping made only when first read, known by a digest of what it is made from: a page's context (an
    annual report; a rebuild whose inputs did not change neither makes it nor digests it, see made()), or what
    a revision would record of a record (trail.current_records)."""

    def __init__(self, key: str, make: Callable[[], dict[str, Any]]) -> None:
        self._key, self._make = key, make
        self._made: dict[str, Any] | None = None

    @property
    def inputs_digest(self) -> str:
        """The digest of what it is made from."""
        return self._key

    def _get(self) -> dict[str, Any]:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __getitem__(self, name: str) -> Any:
        return self._get()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (self._get(),)  # pickled (sent elsewhere) as what it holds


def made(make: Callable[[], dict[str, Any]], *inputs: str) -> Mapping[str, Any]:
    """make's result, made when first read, if every input (the digests of the views it reads, and the
    arguments) is known; else made now."""
    if all(inputs):
        return Made(hashlib.sha256("\0".join(inputs).encode()).hexdigest(), make)
    return make()


@dataclass
class ExtraPage:
    """A page of a type over many records, e.g. the 会议记录簿; listed on its area page."""

    path: str  # e.g. "books/meetings.html"
    template: str  # e.g. "books/meetings.html"
    title: str
    area: str
    context: dict[str, Any] = field(default_factory=dict)
    printable: bool = False  # also rendered as a PDF register (committee build)
    date: dt.date | None = None  # the day the page speaks for (its PDF's date); default: the build date


class RecordType:
    """A content type: its fields (each declaring who may see it), rules and templates.

    Subclasses set the class attributes and override the hooks they need.
    """

    name = ""
    label = ""
    area = "residents"
    default_audience = "public"
    never_public = False
    markdown = False  # .md with a Markdown body
    printable = True  # gets a PDF notice
    fields: dict[str, F] = {}
    list_keys: dict[str, str | tuple[str, ...]] = {}  # natural keys for list items (audit diffs)
    # How a resident recognises a row in change lists, e.g. {"entries": "凭证 {voucher}（{summary}）"};
    # default: the list's label and the row's key (队员 张三).
    row_names: dict[str, str] = {}
    labels: dict[str, str] = {}  # words for keys that are not declared fields (derived figures)
    table: str | None = None  # the list field exported as CSV
    columns: list[Column] = []
    example = ""  # a commented record for `sanwu new`
    rules: tuple[Rule, ...] = ()  # declared rules (records/rules.py), applied by the catalog
    due: Due | None = None  # a periodic disclosure: its span and deadline (逾期未公开, the 定期公开 calendar)

    @property
    def schema(self) -> Obj:
        """Common fields plus this type's."""
        return Obj({**COMMON, **self.fields}, self.name)

    @property
    def template(self) -> str:
        return f"types/{self.name}.html"

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Rules on one record (errors and findings)."""

    def check_all(self, recs: list[Record], catalog: Catalog, problems: Problems) -> None:
        """Rules across all records of this type."""

    def series(self, recs: list[Record], as_of: dt.date) -> list[Series]:
        """The periodic disclosures of this type (from `due`): one series per subject."""
        return record_series(self.due, self.label, recs, as_of) if self.due else []

    def derived(self, data: dict[str, Any]) -> dict[str, Any]:
        """Figures over the whole record (counts, totals) that every audience of the record sees.

        Computed from all the data before fields are withheld; none by default.
        """
        return {}

    def restrict(
        self, shown: dict[str, Any], data: dict[str, Any], audience: str, as_of: dt.date, site: SiteConfig
    ) -> dict[str, Any]:
        """A type's own rule on top of the declared field audiences (e.g. details expire); none by default."""
        return shown

    def summary_pages(self, recs: list[Record], audience: str, catalog: Catalog) -> list[ExtraPage]:
        """Pages of figures over all valid records, for builds that may not see the records themselves; none by default."""
        return []

    def extra_pages(self, views: list[Any], audience: str) -> list[ExtraPage]:
        """Pages over all this audience's records of the type (books, calendars); none by default."""
        return []

    def view_peers(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records of the type (of all this audience's, projected) that view() reads for this one; none by default.

        view() is given only these, and a memoized view is kept by them: a change to any other record does
        not make it again.
        """
        return []

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """Derived figures for the page, from projected data (peers: what view_peers chose)."""
        return {}

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled by name (a cached Record comes back with the registered type, not a copy of it)."""
        return registered_type, (self.name,)


def registered_type(name: str) -> RecordType:
    """The registered type of that name."""
    from . import TYPES

    rtype = TYPES.get(name)
    if rtype is None:
        raise KeyError(name)
    return rtype


@dataclass
class TypeRegistry:
    """All record types by name."""

    types: dict[str, RecordType] = field(default_factory=dict)

    def add(self, rtype: RecordType) -> None:
        self.types[rtype.name] = rtype

    def get(self, name: str) -> RecordType | None:
        return self.types.get(name)

    def names(self) -> list[str]:
        return sorted(self.types)
