"""Declared field kinds: each turns a YAML Node into a typed value or says what is wrong.

Validators say only what is wrong; `Conv` adds where (the field path and the file location).
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import Location, Problems
from .load import Node


class Invalid:
    """Marks a value that failed conversion (already reported)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = Invalid()


class Bad(Exception):
    """Raised by a kind's parse(): (zh, en)."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass
class Conv:
    """Conversion context: where problems go, and the location of every converted path."""

    problems: Problems
    locs: dict[str, Location] = field(default_factory=dict)

    def bad(self, node: Node, path: str, zh: str, en: str) -> Any:
        self.problems.error(node.loc, path, zh, en)
        return INVALID


def child(path: str, name: str) -> str:
    """The path of a mapping field (interned: every record's locations share one copy of each path)."""
    return sys.intern(f"{path}.{name}" if path else name)


def item(path: str, i: int) -> str:
    """The path of a list's i-th item, counted from 1 (interned like child's)."""
    return sys.intern(f"{path}[{i}]")


class Kind:
    """A field kind. Scalar kinds implement parse(text)."""

    json_type: dict[str, Any] = {"type": "string"}
    label = "文字"

    def convert(self, node: Node, path: str, conv: Conv) -> Any:
        conv.locs[path] = node.where
        if isinstance(node.value, (list, dict)) or node.value is None:
            what = "列表" if isinstance(node.value, list) else "映射" if isinstance(node.value, dict) else "空值"
            return conv.bad(node, path, f"应填写{self.label}，得到的是{what}", f"expected {self.label}, got {what}")
        try:
            return self.parse(node.value.strip())
        except Bad as exc:
            return conv.bad(node, path, exc.zh, exc.en)

    def parse(self, text: str) -> Any:
        return text


class Text(Kind):
    """Any text; numbers-looking values stay text."""

    def parse(self, text: str) -> str:
        if not text:
            raise Bad("不能为空", "must not be empty")
        return text


# What separates two people: list marks, brackets, or a space between two Chinese names.
NAME_BREAK = re.compile(r"[、，,；;【】\[\]/／]|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
MAX_NAME = 12


class Name(Text):
    """One person's name: never two people in one item (周德明、黄桂兰), never a whole sentence."""

    label = "姓名"

    def __init__(self, many: bool = False):
        self.many = many  # an item of a list of names (the fix is 每人一项), else a field for one person

    def parse(self, text: str) -> str:
        text = super().parse(text)
        m = NAME_BREAK.search(text)
        if m:
            mark = m.group().strip() or "空格"
            fix = "每人一项，写成 [周德明, 黄桂兰]" if self.many else "这里只填一个人的姓名"
            what = f"带有括号“{mark}”" if mark in "【】[]" else f"用“{mark}”隔开了几个人的姓名"
            raise Bad(
                f"“{text}”{what}：{fix}",
                f"{text!r} holds several names separated by {mark!r}: one person per item",
            )
        if len(text) > MAX_NAME:
            raise Bad(
                f"姓名“{text[:20]}”超过 {MAX_NAME} 个字：是不是把几个人或职务、备注写在了一起？",
                f"name longer than {MAX_NAME} characters",
            )
        return text


class Choice(Kind):
    """One of a fixed set of words; `words` gives a resident's word for a code (approved -> 已批准)."""

    def __init__(self, *options: str, words: dict[str, str] | None = None):
        self.options = options
        self.words = words or {}
        self.label = "、".join(options) + " 之一"
        self.json_type = {"type": "string", "enum": list(options)}

    def parse(self, text: str) -> str:
        if text not in self.options:
            hint = difflib.get_close_matches(text, self.options, 1, 0.4)
            more = f"；是不是“{hint[0]}”？" if hint else ""
            raise Bad(
                f"应为 {'、'.join(self.options)} 之一，得到 “{text}”{more}",
                f"must be one of {', '.join(self.options)}, got {text!r}",
            )
        return text


class Bool(Kind):
    """true/false (or 是/否); never YAML 1.1's yes/no/on/off guesses."""

    label = "true 或 false"
    json_type = {"type": "boolean"}
    WORDS = {"true": True, "false": False, "是": True, "否": False}

    def parse(self, text: str) -> bool:
        if text not in self.WORDS:
            raise Bad(f"应为 true 或 false，得到 “{text}”", f"expected true or false, got {text!r}")
        return self.WORDS[text]


class Int(Kind):
    """A whole number (at least `minimum`)."""

    label = "整数"
    json_type = {"type": "integer"}

    def __init__(self, minimum: int = 0, maximum: int = 10_000_000):
        self.minimum = minimum
        self.maximum = maximum

    def parse(self, text: str) -> int:
        if not re.fullmatch(r"\d{1,12}", text):
            raise Bad(f"应为整数，得到 “{text}”", f"expected a whole number, got {text!r}")
        value = int(text)
        if value < self.minimum:
            raise Bad(f"应不小于 {self.minimum}，得到 {value}", f"must be at least {self.minimum}")
        if value > self.maximum:
            raise Bad(f"应不大于 {self.maximum}，得到 {value}", f"must be at most {self.maximum}")
        return value


class Number(Kind):
    """A decimal number such as hours (4 or 2.5)."""

    label = "数字"
    json_type = {"type": "number"}

    def parse(self, text: str) -> Decimal:
        if not re.fullmatch(rf"\d{{1,{MAX_DIGITS}}}(\.\d{{1,6}})?", text):
            raise Bad(
                f"应为数字（最多 {MAX_DIGITS} 位整数、6 位小数），得到 “{text}”", f"expected a number, got {text!r}"
            )
        return Decimal(text)


# The largest amount a page and a notice can print with every total (人民币大写 ends at 16 integer digits):
# 12 digits (under a trillion yuan) leave room for sums of ten thousand amounts.
MAX_DIGITS = 12
MONEY_RE = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+(\.\d+)?")
CURRENCY_RE = re.compile(r"[¥￥]?\s*(.*?)\s*元?")


def strip_currency(text: str) -> str:
    """¥1,260 · ￥1260.00 · 1260元 → the number as written (thousands commas are read by MONEY_RE)."""
    m = CURRENCY_RE.fullmatch(text)
    return m.group(1) if m and m.group(1) else text


class Money(Kind):
    """Exact yuan with at most two decimals, parsed from its text, never via float."""

    label = "金额"
    json_type = {"type": ["number", "string"], "pattern": r"^-?[0-9,]+(\.[0-9]{1,2})?$"}

    def __init__(self, allow_negative: bool = False):
        self.allow_negative = allow_negative

    def parse(self, text: str) -> Decimal:
        text = strip_currency(text)
        if not MONEY_RE.fullmatch(text):
            raise Bad(f"应为金额（如 1260.00），得到 “{text}”", f"expected an amount like 1260.00, got {text!r}")
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise Bad(f"无法识别的金额 “{text}”", f"unreadable amount {text!r}") from None
        if "." in text and len(text.split(".")[1]) > 2:
            raise Bad(f'金额最多两位小数，得到 "{text}"', f'at most two decimals allowed, got "{text}"')
        if abs(value) >= 10**MAX_DIGITS:
            raise Bad(
                f"金额过大：最多 {MAX_DIGITS} 位整数（不到一万亿元），得到 {text}",
                f"amount too large: at most {MAX_DIGITS} integer digits, got {text}",
            )
        if value < 0 and not self.allow_negative:
            raise Bad(f"金额不能为负数，得到 {text}", f"amount must not be negative, got {text}")
        return value.quantize(Decimal("0.01"))


MIN_YEAR, MAX_YEAR = 1900, 2100  # birth dates to far-future plans; keeps date arithmetic in range


DATE_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
MONTH_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})|(\d{4})\s*年\s*(\d{1,2})\s*月")


def parse_date(text: str) -> dt.date:
    """A calendar date: 2026-11-05, also as people write it: 2026/11/5, 2026.11.5, 2026年11月5日."""
    m = DATE_RE.fullmatch(text)
    if not m:
        raise Bad(f"日期应写成 2026-11-26 的格式，得到 “{text}”", f"date must look like 2026-11-26, got {text!r}")
    year, month, day = (int(g) for g in m.groups() if g and g.isdigit())
    if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12 and 1 <= day <= 28:
        return dt.date(year, month, day)  # the usual case, without the calendar checks below
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Bad(
            f"日期 {text} 的年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间", f"date {text}: year must be {MIN_YEAR}–{MAX_YEAR}"
        )
    if not 1 <= month <= 12:
        raise Bad(f"日期 {text} 的月份不存在", f"date {text}: no such month")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise Bad(
            f"日期 {text} 不存在（{year}年{month}月只有 {last} 天）",
            f"date {text} does not exist ({year}-{month:02d} has {last} days)",
        )
    return dt.date(year, month, day)


class Date(Kind):
    """YYYY-MM-DD."""

    label = "日期"
    json_type = {"type": "string", "format": "date"}

    def parse(self, text: str) -> dt.date:
        return parse_date(text)


class Month(Kind):
    """YYYY-MM, e.g. a birth month."""

    label = "年月"
    json_type = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}

    def parse(self, text: str) -> str:
        m = MONTH_RE.fullmatch(text)
        year, month = (int(g) for g in m.groups() if g and g.isdigit()) if m else (0, 0)
        if not 1 <= month <= 12:
            raise Bad(f"应写成 1995-03 的格式，得到 “{text}”", f"expected a month like 1995-03, got {text!r}")
        return f"{year}-{month:02d}"


@dataclass(frozen=True, order=True)
class Period:
    """A year, half, quarter or month: 2026, 2026-H2, 2026-Q4, 2026-11."""

    start: dt.date
    end: dt.date
    key: str

    @property
    def label(self) -> str:
        """Chinese name: 2026年11月, 2026年第四季度, 2026年下半年, 2026年."""
        year, _, rest = self.key.partition("-")
        if not rest:
            return f"{year}年"
        if rest.startswith("H"):
            return f"{year}年{'上' if rest == 'H1' else '下'}半年"
        if rest.startswith("Q"):
            return f"{year}年第{'一二三四'[int(rest[1]) - 1]}季度"
        return f"{year}年{int(rest)}月"

    @property
    def kind(self) -> str:
        """year, half, quarter or month."""
        rest = self.key.partition("-")[2]
        return "year" if not rest else {"H": "half", "Q": "quarter"}.get(rest[0], "month")

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return parse_period_text(_shift(self, -1))

    def contains(self, day: dt.date) -> bool:
        """Whether a date falls inside."""
        return self.start <= day <= self.end


def _shift(p: Period, step: int) -> str:
    year, _, rest = p.key.partition("-")
    y = int(year)
    if not rest:
        return str(y + step)
    size = {"half": 2, "quarter": 4, "month": 12}[p.kind]
    n = (int(rest[1:]) if p.kind != "month" else int(rest)) - 1 + step
    y, n = y + n // size, n % size + 1
    prefix = {"half": "H", "quarter": "Q", "month": ""}[p.kind]
    return f"{y}-{prefix}{n}" if prefix else f"{y}-{n:02d}"


def parse_period_text(text: str) -> Period:
    """Parse a period key."""
    m = re.fullmatch(r"(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?", text)
    if not m or (m.group(2) and m.group(2).isdigit() and not 1 <= int(m.group(2)) <= 12):
        raise Bad(
            f"期间应写成 2026、2026-H2、2026-Q4 或 2026-11，得到 “{text}”",
            f"period must look like 2026, 2026-H2, 2026-Q4 or 2026-11, got {text!r}",
        )
    year, rest = int(m.group(1)), m.group(2)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Bad(f"期间 {text} 的年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间", f"period {text}: year out of range")
    if not rest:
        first, last = 1, 12
    elif rest[0] == "H":
        first = 1 if rest == "H1" else 7
        last = first + 5
    elif rest[0] == "Q":
        first = (int(rest[1]) - 1) * 3 + 1
        last = first + 2
    else:
        first = last = int(rest)
    end = dt.date(year, last, calendar.monthrange(year, last)[1])
    return Period(dt.date(year, first, 1), end, text)


class PeriodKind(Kind):
    """A reporting period."""

    label = "期间"
    json_type = {"type": ["string", "integer"], "pattern": r"^\d{4}(-(H[12]|Q[1-4]|\d{2}))?$"}

    def parse(self, text: str) -> Period:
        return parse_period_text(text)


class Names(Kind):
    """One name or a list of names; always a list."""

    label = "姓名"
    json_type = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}

    def convert(self, node: Node, path: str, conv: Conv) -> Any:
        if isinstance(node.value, list):
            conv.locs[path] = node.where
            return [Name(many=True).convert(value, item(path, i), conv) for i, value in enumerate(node.value, 1)]
        value = Name(many=True).convert(node, path, conv)
        return value if value is INVALID else [value]


class ListOf(Kind):
    """A list of items of one kind."""

    label = "列表"

    def __init__(self, item: Kind, min_items: int = 0):
        self.item = item
        self.min_items = min_items
        self.json_type = {"type": "array", "items": item.json_type}

    def convert(self, node: Node, path: str, conv: Conv) -> Any:
        conv.locs[path] = node.where
        if not isinstance(node.value, list):
            return conv.bad(node, path, "应为列表（每项以 - 开头）", "expected a list (items start with -)")
        if len(node.value) < self.min_items:
            return conv.bad(node, path, f"至少需要 {self.min_items} 项", f"needs at least {self.min_items} item(s)")
        return [self.item.convert(value, item(path, i), conv) for i, value in enumerate(node.value, 1)]


SEE = ("public", "party", "committee")
LOWER = ("withhold", "mask", "count")


@dataclass
class F:
    """A declared field: kind, whether required, what it means, and who may see it.

    label: the word on the paper form (支出, 经手人), used wherever a resident reads the field's name.
    see: the lowest audience that sees the value whole; undeclared means committee only.
    lower: what audiences below `see` get: withheld (absent), masked text (138****8000), or a list's count.
    """

    kind: Kind
    required: bool = False
    doc: str = ""
    default: Any = None
    label: str = ""
    see: str = "committee"
    lower: str = "withhold"

    def __post_init__(self) -> None:
        assert self.see in SEE, self.see
        assert self.lower in LOWER, self.lower
        if not self.label:
            self.label = re.split(r"[（(，,：:；;。\s]", self.doc, maxsplit=1)[0] if self.doc else ""


class Obj(Kind):
    """A mapping with declared fields; unknown fields are errors with a did-you-mean hint."""

    label = "映射"

    def __init__(self, fields: dict[str, F], name: str = ""):
        self.fields = fields
        self.name = name

    @property
    def json_type(self) -> dict[str, Any]:  # type: ignore[override]
        props = {}
        for key, f in self.fields.items():
            schema = dict(f.kind.json_type)
            if f.doc:
                schema["description"] = f.doc
            props[key] = schema
        required = [k for k, f in self.fields.items() if f.required]
        return {"type": "object", "properties": props, "required": required, "additionalProperties": False}

    def convert(self, node: Node, path: str, conv: Conv) -> Any:
        conv.locs[path] = node.where
        if not isinstance(node.value, dict):
            return conv.bad(node, path, "应为“字段: 值”的映射", "expected a mapping of fields")
        out: dict[str, Any] = {}
        for key, value in node.value.items():
            where = child(path, key)
            spec = self.fields.get(key)
            if spec is None:
                unknown_field(conv, value, where, key, list(self.fields))
                continue
            if value.value is None:
                conv.locs[where] = value.where
                if spec.required:
                    out[key] = conv.bad(value, where, "必填字段不能为空", "required field is empty")
                continue
            out[key] = spec.kind.convert(value, where, conv)
        for key, spec in self.fields.items():
            if key in out:
                continue
            if spec.required and key not in node.value:
                conv.problems.error(node.where, child(path, key), "缺少必填字段", "required field is missing")
                out[key] = INVALID
            elif spec.default is not None:
                out[key] = spec.default
        return out


def unknown_field(conv: Conv, node: Node, path: str, key: str, known: list[str]) -> None:
    """Report a field the schema does not declare, suggesting the nearest known name."""
    if re.fullmatch(r"\d{3}(\.\d+)?\s*元?", key):  # {income: 20,000.00}: YAML split the amount at its comma
        conv.problems.error(
            node.where,
            path,
            f"“{key}”是被逗号断开的金额：在 {{ }} 里金额不能带千位逗号，请写成 20000.00 这样，或给金额加引号",
            f"{key!r} is an amount split at its thousands comma; inside {{ }} write 20000.00 or quote it",
        )
        return
    hint = difflib.get_close_matches(key, known, 1, 0.6)
    conv.problems.error(
        node.where,
        path,
        f"未知字段“{key}”" + (f"，是不是“{hint[0]}”？" if hint else ""),
        f"unknown field {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
    )


def has_invalid(value: Any) -> bool:
    """Whether a converted value contains an INVALID anywhere."""
    if value is INVALID:
        return True
    if isinstance(value, dict):
        return any(has_invalid(v) for v in value.values())
    if isinstance(value, list):
        return any(has_invalid(v) for v in value)
    return False


def to_plain(value: Any) -> Any:
    """Typed values -> JSON-able: amounts as "1260.00", dates as "2026-11-26", periods as their key."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent == -2 else str(value)
    if isinstance(value, (dt.date, Period)):
        return value.isoformat() if isinstance(value, dt.date) else value.key
    return value
