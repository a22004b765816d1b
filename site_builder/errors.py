"""Problems found in content: where, what, how bad — and the collector that gathers them all."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "finding", "warning"]

SEVERITY_LABEL = {
    "zh": {"error": "错误", "finding": "合规提示", "warning": "警告"},
    "en": {"error": "error", "finding": "finding", "warning": "warning"},
}


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A position in a content file; line and column count from 1."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path

    def __reduce__(self) -> tuple[type[Location], tuple[str, int, int]]:
        """Pickled as its three values: a cached record's thousands of locations load quickly."""
        return Location, (self.path, self.line, self.col)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, in Chinese and English."""

    loc: Location
    field: str
    zh: str
    en: str
    severity: Severity = "error"
    period: str = ""  # for findings: the period they concern (2026-11, 2026-Q4), for the 合规 page
    audience: str = ""  # for findings: the lowest build whose 合规 page may show it ("" = its record's audience)

    def sort_key(self) -> tuple[Location, str, str]:
        """Order by file, then position, then text."""
        return (self.loc, self.field, self.zh)

    def message(self, lang: str = "zh") -> str:
        """The message in the requested language."""
        return self.en if lang == "en" else self.zh

    def format(self, lang: str = "zh") -> str:
        """Compiler style: path:line:col: 错误: field: message."""
        label = SEVERITY_LABEL[lang][self.severity]
        where = f"{self.field}: " if self.field else ""
        return f"{self.loc}: {label}: {where}{self.message(lang)}"

    def format_github(self, lang: str = "zh") -> str:
        """A GitHub Actions workflow command, escaped as the runner reads it (properties also escape : and ,)."""
        kind = {"error": "error", "finding": "warning", "warning": "notice"}[self.severity]
        where = f"{self.field}: " if self.field else ""
        text = github_escape(where + self.message(lang))
        path = github_escape(self.loc.path, prop=True)
        return f"::{kind} file={path},line={self.loc.line},col={self.loc.col}::{text}"

    def as_json(self, lang: str = "zh") -> dict[str, object]:
        """A plain dict for --format json."""
        return {
            "path": self.loc.path,
            "line": self.loc.line,
            "col": self.loc.col,
            "severity": self.severity,
            "field": self.field,
            "message": self.message(lang),
        }


def github_escape(text: str, prop: bool = False) -> str:
    """Workflow-command escaping: % CR LF in the message; also : and , in a property value."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


@dataclass
class Problems:
    """Collects every problem of a run; nothing stops at the first one."""

    items: list[Problem] = field(default_factory=list)

    def error(self, loc: Location, fld: str, zh: str, en: str) -> None:
        """Record something that blocks publication."""
        self.items.append(Problem(loc, fld, zh, en, "error"))

    def finding(self, loc: Location, fld: str, zh: str, en: str, period: str = "", audience: str = "") -> None:
        """Record a compliance finding (an error only with --strict), with the period it concerns."""
        self.items.append(Problem(loc, fld, zh, en, "finding", period, audience))

    def warning(self, loc: Location, fld: str, zh: str, en: str) -> None:
        """Record something worth knowing that never blocks."""
        self.items.append(Problem(loc, fld, zh, en, "warning"))

    def extend(self, other: Problems) -> None:
        """Take over another collector's problems."""
        self.items.extend(other.items)

    def sorted(self) -> list[Problem]:
        """All problems, deduplicated, in file order."""
        return sorted(set(self.items), key=Problem.sort_key)

    def errors(self, strict: bool = False) -> list[Problem]:
        """Problems that fail the run (findings too when strict)."""
        bad = {"error", "finding"} if strict else {"error"}
        return [p for p in self.sorted() if p.severity in bad]

    def of(self, path: str) -> list[Problem]:
        """Problems in one file."""
        return [p for p in self.sorted() if p.loc.path == path]


def render_fatal(message: str, fmt: str) -> str:
    """A problem that stopped the run (no content folder, unreadable log…) in the requested format."""
    if fmt == "json":
        return json.dumps({"fatal": message, "problems": []}, ensure_ascii=False, indent=2)
    if fmt == "github":
        return f"::error::{github_escape(message)}"
    return f"错误: {message}"


def render_problems(problems: list[Problem], fmt: str, lang: str) -> str:
    """Format a problem list as text, json or github annotations."""
    if fmt == "json":
        return json.dumps([p.as_json(lang) for p in problems], ensure_ascii=False, indent=2)
    if fmt == "github":
        return "\n".join(p.format_github(lang) for p in problems)
    return "\n".join(p.format(lang) for p in problems)


class SanwuError(Exception):
    """A problem that stops a command; its text is for the user."""


class UsageError(SanwuError):
    """The command cannot run as asked (no content/, an unknown git revision): exit code 2."""


class ContentErrors(SanwuError):
    """The content has errors; they are listed in `problems`."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} 个错误")
        self.problems = problems
