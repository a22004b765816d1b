"""The hostile-input matrix: every corpus payload into every free-text field of every type and Markdown body.

Payloads are dealt into batches and the batches rotated across records: each free-text value holds one batch
joined by a space (a list of texts or names, one item each), and record k of a type puts batch (k + i) mod B in
its i-th field, so B records of each type carry every payload in every field. Name fields get the payloads a name
can be; the rest, and the payloads no text may hold, go to records that `check` must refuse (verified too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from site_builder.gate import personal_numbers
from site_builder.load import bad_char
from site_builder.records import TYPES
from site_builder.records.base import RecordType
from site_builder.schema import Bad, Kind, ListOf, Name, Names, Obj, Text

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
BATCH = 400  # payloads per value: B = payloads / BATCH records of each type
BODY = "正文"  # the Markdown body, counted as a field
AS_OF = "2026-12-31"  # late enough for the feeds to list revisions
SITE_YAML = 'community: 测试社区\norg: 中共测试社区委员会\nbase_url: https://example.org/t/\nsupervision_phone: "0746-7654321"\n'
# Fields whose value must name something else of the record (a leader among the members, a parent grid):
# a payload there is refused as a reference error, so they get plain values.
# One record per period (assessment), one place per person at a time (patrol-schedule): record k of these types
# is moved k years back, dates and period alike.
YEARLY = {"assessment", "patrol-schedule"}
# Record k of a type is at the type's lowest audience when k % SPREAD == 0 (so it is built into every audience's
# site), else committee-only: every pair is built into the committee site, a third of them into all three. The
# committee site shows every field; all pairs at every audience would triple the output (~830 MB).
SPREAD = 3
REFERENCES = {
    "grid-roster": {"grids[1].id", "grids[1].parent"},
    "volunteer-team": {"leader", "members[1].name", "activities[1].participants"},
    "meeting-record": {"host", "recorder", "attendees", "absent[1].name"},
    "patrol-schedule": {"shifts[1].leader", "shifts[1].members"},
    "contact-card": {"cards[1].member", "households[1].member"},
}
# Identifiers with their own syntax, not free text: ids are ASCII by rule, ID numbers are checked digit by digit,
# vouchers are unique per account, attachments must be files of content/.
SKIP = {"id", "type", "attachments", "id_number", "voucher", "certificate"}


@dataclass
class Slot:
    """A free-text field of a type: its path in the example record and whether it holds names."""

    path: str
    kind: str  # text | name | names | texts


@dataclass
class Matrix:
    """What the matrix put where."""

    files: dict[str, str] = field(default_factory=dict)
    placed: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # record -> field -> payloads in it
    slots: dict[str, dict[str, str]] = field(default_factory=dict)  # type -> free-text field (and body) -> kind
    refused_files: dict[str, str] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)  # records `check` refused (none expected)
    payloads: int = 0  # distinct lines of the corpora
    accepted: int = 0  # payloads a text may hold
    names: int = 0  # payloads a name may be
    refused: int = 0  # payload × field pairs placed in a record that `check` must refuse

    def tried(self) -> int:
        """Payload × field pairs in records that were built (each payload counted once per field and type)."""
        return sum(len(payloads) for payloads in self.pairs().values())

    def pairs(self) -> dict[tuple[str, str], set[str]]:
        """(type, field) -> the distinct payloads it held in built records."""
        out: dict[tuple[str, str], set[str]] = {}
        for rel, fields in self.placed.items():
            if rel not in self.dropped:
                for path, payloads in fields.items():
                    out.setdefault((rel.split("/")[0], path), set()).update(payloads)
        return out

    def expected(self) -> int:
        """Every accepted payload in every text field and body, every accepted name in every name field."""
        kinds = [kind for fields in self.slots.values() for kind in fields.values()]
        return sum(self.names if kind in ("name", "names") else self.accepted for kind in kinds)


def slots_of(fields: dict[str, Any], prefix: str = "") -> list[Slot]:
    out = []
    for key, spec in fields.items():
        path = f"{prefix}{key}"
        kind: Kind = spec.kind
        if key in SKIP:
            continue
        if type(kind) is Text:
            out.append(Slot(path, "text"))
        elif type(kind) is Name:
            out.append(Slot(path, "name"))
        elif type(kind) is Names:
            out.append(Slot(path, "names"))
        elif isinstance(kind, ListOf) and type(kind.item) is Text:
            out.append(Slot(path, "texts"))
        elif isinstance(kind, Obj):
            out += slots_of(kind.fields, f"{path}.")
        elif isinstance(kind, ListOf) and isinstance(kind.item, Obj):
            out += slots_of(kind.item.fields, f"{path}[1].")
    return out


def example(rtype: RecordType) -> tuple[dict[str, Any], str | None]:
    """The type's `sanwu new` example as data (all scalars text), approved, at its lowest audience."""
    text = rtype.example
    body = None
    if rtype.markdown:
        _, front, body = text.split("---\n", 2)
        text = front
    data = nulls(yaml.load(text, Loader=yaml.BaseLoader))
    notice = data.get("notice_period") or {}
    data.update(status="approved", approved_by="王芳", approved_on=notice.get("from") or "2026-11-01")
    if "audience" not in data or data["audience"] == "public" and rtype.never_public:
        data["audience"] = "party" if rtype.never_public else "public"
    return data, body


def nulls(value: Any) -> Any:
    """BaseLoader keeps `null` as text; the record means no value."""
    if isinstance(value, dict):
        return {k: nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nulls(v) for v in value]
    return None if value in ("null", "~") else value


def put(data: dict[str, Any], path: str, value: Any) -> bool:
    """Set a slot's value; False when the example does not have that list or mapping."""
    node: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        node = node.get(name) if isinstance(node, dict) else None
        if index:
            node = node[0] if isinstance(node, list) and node else None
        if not isinstance(node, dict):
            return False
    node[parts[-1]] = value
    return True


def put_each(data: dict[str, Any], base: dict[str, Any], path: str, names: list[str]) -> bool:
    """A field for one person inside a list (members[1].name): the first item gets the first name, copies of the
    example's last item the others (with an id and ID number of their own where items have them)."""
    key, _, rest = path.partition("[1].")
    items = data.get(key)
    if not isinstance(items, list) or not items or not names or not put(items[0], rest, names[0]):
        return False
    for n, who in enumerate(names[1:], 2):
        item = json.loads(json.dumps(base[key][-1]))
        if "id" in item:
            item["id"] = f"{item['id']}-{n}"
        if item.get("id_number"):  # unique within a record; same place, birth date and sex
            number = item["id_number"]
            item["id_number"] = id_number(f"{number[:14]}{n + 10:02d}{number[16]}")
        if not put(item, rest, who):
            return False
        items.append(item)
    return True


def id_number(first17: str) -> str:
    """A checksum-valid ID number (GB 11643) from its first 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def refused_text(payload: str) -> bool:
    """Whether `check` refuses a payload as text: a control character, a personal number, or blank."""
    return bad_char(payload) is not None or not payload.strip() or any(personal_numbers(payload, frozenset()))


def refused_name(payload: str) -> bool:
    if refused_text(payload):
        return True
    try:
        Name().parse(payload.strip())
    except Bad:
        return True
    return False


def dump(data: dict[str, Any], body: str | None) -> str:
    """JSON is YAML too, and json writes long texts far faster than PyYAML's emitter."""
    try:
        text = json.dumps(data, ensure_ascii=False, indent=1)
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: written as the \\ud800 escape a user could type
        text = json.dumps(data, ensure_ascii=True, indent=1)
    return f"---\n{text}\n---\n\n{body}\n" if body is not None else text + "\n"


def build_matrix(payloads: list[str], batch: int = BATCH) -> Matrix:
    """Records for every type, rotated so that every payload reaches every free-text field and every body.

    The distinct accepted payloads are dealt into B batches; record k of a type puts batch (k + i) mod B in its
    i-th free-text field and batch k in its body, so its B records carry every payload in every field. Names are
    dealt into B groups the same way; a field for one person inside a list gets its group as extra items (copies
    of the example's last item). Refused payloads go to records that `check` must refuse.
    """
    m = Matrix()
    distinct = list(dict.fromkeys(payloads))
    accepted = [p for p in distinct if not refused_text(p)]
    refused = [p for p in distinct if refused_text(p)]
    names = list(dict.fromkeys(p.strip() for p in distinct if not refused_name(p)))
    bad_names = [p for p in distinct if refused_name(p) and not refused_text(p)]
    rounds = -(-len(accepted) // batch)
    texts = [accepted[k::rounds] for k in range(rounds)]
    people = [names[k::rounds] for k in range(rounds)]
    m.payloads, m.accepted, m.names = len(distinct), len(accepted), len(names)
    for name, rtype in sorted(TYPES.types.items()):
        base, body = example(rtype)
        slots = [s for s in slots_of(rtype.schema.fields) if s.path not in REFERENCES.get(name, set())]
        m.slots[name] = {s.path: s.kind for s in slots} | ({BODY: "text"} if body is not None else {})
        ext = "md" if rtype.markdown else "yaml"
        for k in range(rounds):
            data = json.loads(json.dumps(base).replace('"2026', f'"{2026 - k}') if name in YEARLY else json.dumps(base))
            if k % SPREAD:
                data["audience"] = "committee"
            placed: dict[str, list[str]] = {}
            for i, slot in enumerate(slots):
                j = (k + i) % rounds
                if slot.kind == "name":
                    done = put_each(data, base, slot.path, people[j])
                else:  # the round number keeps texts that group records (accounts, branches, rosters) apart
                    value = {"text": f"{k} " + " ".join(texts[j]), "texts": texts[j], "names": people[j]}[slot.kind]
                    done = put(data, slot.path, value)
                if not done:
                    raise AssertionError(f"{name}: the example has no {slot.path} to put payloads in")
                placed[slot.path] = people[j] if slot.kind in ("name", "names") else texts[j]
            if body is not None:
                placed[BODY] = texts[k]
            rel = f"{name}/{k:03d}.{ext}"
            m.files[rel] = dump(data, "\n\n".join(texts[k]) if body is not None else None)
            m.placed[rel] = placed
        # Refused payloads: records with a chunk in a text field and a names field, which `check` must refuse.
        text_slots = [s for s in slots if s.kind == "text" and s.path != "title"][:1]
        name_slots = [s for s in slots if s.kind == "names"][:1]
        for kind, items, chosen in (("text", refused, text_slots), ("name", bad_names, name_slots)):
            for slot in chosen:
                for j in range(0, len(items), batch):
                    chunk = items[j : j + batch]
                    data = json.loads(json.dumps(base))
                    put(data, slot.path, " ".join(chunk) if kind == "text" else chunk)
                    m.refused += len(chunk)
                    m.refused_files[f"{name}/r-{kind}-{j}.{ext}"] = dump(data, body)
    return m


def corpus_payloads(corpora: Path) -> list[str]:
    lines: list[str] = []
    for name in ("xss-payloadbox.txt", "xss-html5sec.txt"):
        lines += (corpora / name).read_text(encoding="utf-8", errors="replace").splitlines()
    lines += [
        s for s in json.loads((corpora / "naughty-strings.json").read_text(encoding="utf-8")) if isinstance(s, str)
    ]
    return [line for line in lines if line]


def values_at(node: Any, path: str) -> list[str]:
    """The texts at a field's path in a record's data (every item of a list: members[1].name)."""
    key, _, rest = path.partition(".")
    name, _, index = key.partition("[")
    node = node.get(name) if isinstance(node, dict) else None
    out: list[str] = []
    for item in node if index and isinstance(node, list) else [node]:
        if rest:
            out += values_at(item, rest)
        elif isinstance(item, list):
            out += [str(v) for v in item]
        elif item is not None:
            out.append(str(item))
    return out


def build_site(matrix: Matrix, root: Path) -> Path:
    """Write the matrix's records and build every audience once; returns the project folder.

    A record that `check` refuses for a rule across records is left out (its pairs then are not counted, and the
    count test says so); the build must succeed with exit 0.
    """
    from tests.conftest import run, write_site

    project = write_site(root, dict(matrix.files), SITE_YAML)
    checked = run(project, "check")
    assert "Traceback" not in checked.output
    for line in checked.stdout.splitlines():
        rel = line.split(":")[0].removeprefix("content/")
        if ": 错误: " in line and rel in matrix.files:
            (project / "content" / rel).unlink(missing_ok=True)
            matrix.dropped.add(rel)
    result = run(project, "build", "--no-pdf", "--audience", "all", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output[:3000]
    assert "Traceback" not in result.output
    return project
