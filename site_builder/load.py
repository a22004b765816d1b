"""Files -> raw records: decoded, YAML-parsed safely, with a location for every key and value.

Every scalar is kept as text; the schema of the record type decides what it means, so YAML 1.1
surprises (`007` -> 7, `0746` -> octal, `NO` -> false, `1:20` -> 80) cannot happen.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problems

NULLS = {"", "~", "null", "Null", "NULL"}
DEFAULT_TAGS = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}
PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
MAX_NODES = 200_000  # far above any real record; stops pathological documents early
MAX_DEPTH = 64  # records nest three or four levels; brackets in quoted text count too, so be generous
DEEP_INDENT = re.compile(rf"^ {{{2 * MAX_DEPTH + 1},}}", re.MULTILINE)


# Characters no text of a record may hold: control characters (tab and line breaks aside), lone surrogates
# (from "\ud800" escapes) and the non-characters U+FFFE/U+FFFF. They make feeds ill-formed, JSON unwritable
# and spreadsheets misread, and nobody types them on purpose.
BAD_CHAR = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def bad_char(text: str) -> str | None:
    """How to name the first forbidden character of a text (U+000C 换页符), or None."""
    m = BAD_CHAR.search(text)
    if m is None:
        return None
    return f"U+{ord(m.group()):04X}"


def bad_char_error(loc: Location, fld: str, what: str, problems: Problems) -> None:
    """The one message for a forbidden character, wherever it is."""
    if "D800" <= what[2:] <= "DFFF":
        zh, en = f"含有无效的 Unicode 字符 {what}（单独的代理码位，如转义 \\u{what[2:].lower()}）", "a lone surrogate"
    else:
        zh, en = f"含有不可见的控制字符 {what}", "a control character"
    problems.error(loc, fld, zh + "，请删除（常见于从网页或其他软件复制的文字）", f"contains {en} {what}; delete it")


def scan_chars(text: str, where: str, problems: Problems, first_line: int = 1) -> bool:
    """Every forbidden character of a file's text at its line and column; True when there is none."""
    ok = True
    for n, line in enumerate(text.split("\n")):
        for m in BAD_CHAR.finditer(line.replace("\t", " ")):
            what = bad_char(m.group())
            assert what is not None
            bad_char_error(Location(where, first_line + n, m.start() + 1), "", what, problems)
            ok = False
    return ok


class AliasRefused(yaml.MarkedYAMLError):
    """An alias (*name): refused where it is written, so alias bombs cost nothing."""


class _TextLoader(yaml.SafeLoader):
    """A safe loader that resolves every plain scalar to text and refuses aliases."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise AliasRefused(problem="alias", problem_mark=self.peek_event().start_mark)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


_TextLoader.yaml_implicit_resolvers = {}


class _FastTextLoader(getattr(yaml, "CSafeLoader", _TextLoader)):  # type: ignore[misc]
    """libyaml's parser with the same text-only resolution; aliases are caught after composing."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        # With no implicit resolvers every untagged node gets its kind's default tag: said directly,
        # instead of the generic resolver's per-node search (a third of the parse time).
        return DEFAULT_TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers: nothing to track while descending."""

    def ascend_resolver(self) -> None:
        """No path resolvers: nothing to track while ascending."""


_FastTextLoader.yaml_implicit_resolvers = {}


class _Reused(Exception):
    """A node reached twice: an alias, which only the pure-Python loader can locate exactly."""


Value = str | None | list["Node"] | dict[str, "Node"]


@dataclass(slots=True)
class Node:
    """A YAML value with where it was written (and, for mapping values, where its key was)."""

    value: Value
    loc: Location
    key_loc: Location | None = None
    quoted: bool = False

    @property
    def where(self) -> Location:
        """The location to report: the key when there is one."""
        return self.key_loc or self.loc


@dataclass
class RawRecord:
    """A file's parsed front matter or document, plus its Markdown body."""

    path: str
    root: Node
    body: str | None = None
    body_line: int = 0


RECORD_SUFFIXES = (".yaml", ".yml", ".md")


def find_files(content_dir: Path) -> list[str]:
    """Record files under content/ (their paths inside it, with /), sorted, without following symlinks out of it
    or into linked folders. Hidden and underscored folders (the audit trail's snapshots) are not even listed."""
    root = content_dir.resolve()
    found: list[tuple[tuple[str, ...], str]] = []

    def scan(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except PermissionError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith(("_", ".")):
                continue
            if entry.is_dir(follow_symlinks=False):
                scan(entry.path, (*parts, name))
            elif name.endswith(RECORD_SUFFIXES) and (parts or name != "site.yaml") and entry.is_file():
                if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                    continue  # a symlink pointing out of content/ is not content
                found.append(((*parts, name), "/".join((*parts, name))))

    scan(str(content_dir), ())
    return [rel for _, rel in sorted(found)]


def decode(data: bytes, where: str, problems: Problems) -> str | None:
    """UTF-8 (a BOM is fine); anything else is an error saying how to convert."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        guess = _guess_encoding(data)
        if guess is None:
            problems.error(
                Location(where, line, col),
                "",
                "文件不是文本文件（可能是图片、Word 或其他二进制文件）；记录文件应是 UTF-8 编码的 YAML 或 Markdown",
                "not a text file (an image, a Word file or other binary?); records are UTF-8 YAML or Markdown",
            )
            return None
        problems.error(
            Location(where, line, col),
            "",
            f"文件不是 UTF-8 编码（看起来是 {guess}）。请用记事本“另存为”选择 UTF-8，"
            f"或运行 iconv -f {guess} -t UTF-8 原文件 > 新文件",
            f"file is not UTF-8 (looks like {guess}); re-save it as UTF-8, e.g. iconv -f {guess} -t UTF-8 old > new",
        )
        return None


def _guess_encoding(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    if b"\x00" in data:
        return None
    for name in ("gb18030", "big5"):
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        return "GBK" if name == "gb18030" else name.upper()
    return None


def check_tabs(text: str, where: str, problems: Problems, first_line: int = 1) -> bool:
    """YAML forbids tabs in indentation; say where, before the parser gives a vaguer message."""
    if "\t" not in text:
        return True
    ok = True
    for n, line in enumerate(text.split("\n")):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            problems.error(
                Location(where, first_line + n, len(line) - len(stripped) + 1),
                "",
                "缩进里有制表符（Tab），YAML 只允许用空格缩进",
                "tab character in indentation; YAML allows only spaces",
            )
            ok = False
    return ok


def too_deep(text: str) -> bool:
    """Nesting far beyond any record: refused before a parser recurses into it (or libyaml crashes)."""
    if DEEP_INDENT.search(text):
        return True
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False  # too few brackets to nest that deep (the usual case: no scan needed)
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest > MAX_DEPTH


# A field name followed by a full-width colon, at the start of a line, after "- " or inside { }.
FULLWIDTH_KEY = re.compile(r"(?:^[ ]*(?:-[ ]+)?|[{,][ ]*)([A-Za-z_][A-Za-z0-9_]*)[ ]*(：)[ ]*")


def fix_fullwidth_colons(text: str, where: str, problems: Problems, first_line: int = 1) -> str:
    """`title：…` — a Chinese keyboard's colon after a field name: named on its line, then read as `: `."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if "：" not in line:
            continue
        fixed = FULLWIDTH_KEY.sub(lambda m: m.group(0)[: m.start(2) - m.start(0)] + ": ", line)
        for m in FULLWIDTH_KEY.finditer(line):
            problems.error(
                Location(where, first_line + n, m.start(2) + 1),
                m.group(1),
                f"字段名 {m.group(1)} 后面是中文全角冒号“：”，应改为英文冒号加空格，写成：{fixed.strip()}",
                f"full-width colon after the field name {m.group(1)}; write: {fixed.strip()}",
            )
        lines[n] = fixed
    return "\n".join(lines)


def parse_yaml(text: str, where: str, problems: Problems, line_offset: int = 0) -> Node | None:
    """Parse one YAML document into a Node tree; every problem becomes an error with a location."""
    if not scan_chars(text, where, problems, 1 + line_offset) or not check_tabs(text, where, problems, 1 + line_offset):
        return None
    text = fix_fullwidth_colons(text, where, problems, 1 + line_offset)
    if too_deep(text):
        problems.error(
            Location(where, 1 + line_offset, 1),
            "",
            f"嵌套层数过多（超过 {MAX_DEPTH} 层），记录不需要这么深的结构",
            f"nested more than {MAX_DEPTH} levels deep",
        )
        return None
    # libyaml first (fast); anything unusual — a syntax error, an alias — is parsed again by the
    # pure-Python loader, whose messages and alias locations are the ones users see.
    if _FastTextLoader is not _TextLoader:
        try:
            fast = yaml.compose(text, Loader=_FastTextLoader)
            if fast is None:
                return Node({}, Location(where, 1 + line_offset, 1))
            return _Converter(where, problems, line_offset, strict_reuse=True).convert(fast)
        except (yaml.YAMLError, _Reused):
            pass
    try:
        tree = yaml.compose(text, Loader=_TextLoader)
    except AliasRefused as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (0, 0)
        problems.error(
            Location(where, line, col),
            "",
            "不支持 YAML 锚点和别名（& 和 *），请把内容直接写出来",
            "YAML anchors and aliases (& and *) are not supported; write the content out",
        )
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (0, 0)
        zh, en = explain_yaml_error(exc, line_offset)
        problems.error(Location(where, line, col), "", f"YAML 格式错误：{zh}", f"YAML syntax error: {en}")
        return None
    except yaml.YAMLError as exc:
        problems.error(Location(where), "", f"YAML 格式错误：{exc}", f"YAML syntax error: {exc}")
        return None
    if tree is None:
        return Node({}, Location(where, 1 + line_offset, 1))
    return _Converter(where, problems, line_offset).convert(tree)


YAML_HINTS = [
    ("expected ',' or ']'", "方括号 [ ] 没有闭合，或列表项之间缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 没有闭合，或字段之间缺少逗号"),
    ("mapping values are not allowed", "这里不能出现冒号：冒号后面要加空格，含冒号的文字请加引号"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("did not find expected key", "缩进没有对齐，或缺少“- ”“: ”"),
    ("expected <block end>", "缩进没有对齐"),
    ("did not find expected '-' indicator", "列表项缩进没有对齐"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有闭合"),
    ("found unknown escape character", "双引号里的反斜杠 \\ 需要写成 \\\\，或改用单引号"),
    ("found character that cannot start any token", "这个字符不能出现在这里（如 @ 或 `），请给这段文字加引号"),
]


def explain_yaml_error(exc: yaml.MarkedYAMLError, line_offset: int) -> tuple[str, str]:
    """PyYAML's message in plain Chinese where we know it, with the line an open bracket started on."""
    detail = f"{exc.context or ''} {exc.problem or ''}".strip()
    zh = next((hint for key, hint in YAML_HINTS if key in detail), detail)
    context = exc.context_mark
    if context is not None and exc.problem_mark is not None and context.line != exc.problem_mark.line:
        zh += f"（从第 {context.line + 1 + line_offset} 行开始）"
    return zh, detail


SHARED_LEN = 16  # texts up to this long are kept once for all records


class _Converter:
    """Turns composed YAML nodes into Nodes, refusing aliases, tags and duplicate keys."""

    def __init__(self, where: str, problems: Problems, line_offset: int, strict_reuse: bool = False):
        self.where = where
        self.problems = problems
        self.offset = line_offset
        self.count = 0
        self.strict_reuse = strict_reuse
        self.seen: set[int] = set()

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.where, node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def convert(self, node: yaml.Node) -> Node | None:
        self.count += 1
        if self.strict_reuse:
            if id(node) in self.seen:
                raise _Reused
            self.seen.add(id(node))
        if self.count > MAX_NODES:
            self.problems.error(self.loc(node), "", "文件内容过多，无法处理", "document too large")
            return None
        if node.tag not in PLAIN_TAGS:
            self.problems.error(
                self.loc(node),
                "",
                f"不支持的 YAML 标签 {node.tag}（出于安全不会执行或转换）",
                f"unsupported YAML tag {node.tag} (never executed)",
            )
            return None
        if isinstance(node, yaml.ScalarNode):
            plain = node.style in (None, "")
            value = None if plain and node.value in NULLS else node.value
            what = bad_char(node.value)  # written as an escape ("\x0c", "\ud800"): the raw text was clean
            if what is not None and value is not None:
                bad_char_error(self.loc(node), "", what, self.problems)
                value = BAD_CHAR.sub("\ufffd", value)  # reported once here; the field itself stays present
            if value is not None and len(value) <= SHARED_LEN:
                value = sys.intern(value)  # names, categories, dates repeat across thousands of records
            return Node(value, self.loc(node), quoted=not plain)
        if isinstance(node, yaml.SequenceNode):
            items = [self.convert(item) for item in node.value]
            return Node([i for i in items if i is not None], self.loc(node))
        assert isinstance(node, yaml.MappingNode)
        return self._mapping(node)

    def _mapping(self, node: yaml.MappingNode) -> Node | None:
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in PLAIN_TAGS:
                self.problems.error(self.loc(key_node), "", "字段名必须是普通文字", "keys must be plain text")
                continue
            key = sys.intern(key_node.value)  # one copy of each field name for all records
            what = bad_char(key)
            if what is not None:
                bad_char_error(self.loc(key_node), "", what, self.problems)
                continue
            if key in result:
                first = result[key].where
                self.problems.error(
                    self.loc(key_node),
                    key,
                    f"字段重复（第 {first.line} 行已经写过）",
                    f"duplicate key (already at line {first.line})",
                )
                continue
            value = self.convert(value_node)
            if value is not None:
                value.key_loc = self.loc(key_node)
                result[key] = value
        return Node(result, self.loc(node))


def split_front_matter(text: str, where: str, problems: Problems) -> tuple[str, str, int] | None:
    """Split `---` front matter from a Markdown body: (yaml, body, body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        problems.error(
            Location(where, 1, 1),
            "",
            "Markdown 文件应以 --- 开头的 YAML 信息块开始（type、title 等）",
            "a Markdown record must start with a --- front-matter block",
        )
        return None
    for n in range(1, len(lines)):
        if lines[n].rstrip() in ("---", "..."):
            return "\n".join(lines[1:n]), "\n".join(lines[n + 1 :]), n + 2
    problems.error(Location(where, 1, 1), "", "YAML 信息块没有结束的 --- 行", "front matter has no closing --- line")
    return None


def load_file(path: Path, rel: str, problems: Problems, data: bytes | None = None) -> RawRecord | None:
    """Read one record file (its bytes, when already read)."""
    text = decode(path.read_bytes() if data is None else data, rel, problems)
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # Windows and old Mac line ends
    if path.suffix == ".md":
        parts = split_front_matter(text, rel, problems)
        if parts is None:
            return None
        front, body, body_line = parts
        root = parse_yaml(front, rel, problems, line_offset=1)
        if root is None or not scan_chars(body, rel, problems, body_line):
            return None
        return RawRecord(rel, root, body, body_line)
    root = parse_yaml(text, rel, problems)
    return RawRecord(rel, root) if root is not None else None


def load_record_file(path: Path, rel: str, problems: Problems, data: bytes | None = None) -> RawRecord | None:
    """One record file, parsed: a mapping of fields."""
    raw = load_file(path, rel, problems, data)
    if raw is None:
        return None
    if not isinstance(raw.root.value, dict):
        problems.error(raw.root.loc, "", "记录应是“字段: 值”的映射", "a record must be a mapping of fields")
        return None
    return raw
