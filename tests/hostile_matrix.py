"""The hostile-input matrix: every corpus payload into every free-text field of every type and Markdown body.

Payloads are batched: each free-text value holds BATCH payloads joined by a space, so every payload reaches
every field in a few dozen records per type instead of one record per payload and field. Name fields get the
payloads a name can be (the rest are refused by `check`, which the matrix verifies too).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from site_builder.errors import Location, Problems
from site_builder.gate import personal_numbers
from site_builder.load import bad_char
from site_builder.records import TYPES
from site_builder.records.base import RecordType
from site_builder.schema import Bad, Kind, ListOf, Name, Names, Obj, Text

BATCH = 400  # payloads per value of the field that gets them all
SHAPES = 60  # payload shapes per value of every other field
# Fields whose value must name something else of the record (a leader among the members, a parent grid):
# a payload there is refused as a reference error, so they get plain values.
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
    refused_files: dict[str, str] = field(default_factory=dict)
    tried: int = 0  # payload × field pairs placed in a record that was built
    per_file: dict[str, int] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str, int]] = field(default_factory=set)
    shapes: int = 0
    payloads: int = 0
    refused: int = 0  # payload × field pairs placed in a record that `check` must refuse
    slots: int = 0


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


def shape(payload: str) -> str:
    """Payloads that differ only in letters and digits (tag and handler names) are escaped alike."""
    return re.sub(r"[A-Za-z0-9]+", "a", payload)


def build_matrix(payloads: list[str]) -> Matrix:
    """Records for every type: every payload in the body and in one field of each type, every shape of payload
    in every field (titles included; pages list titles, so the full set there would only multiply volume)."""
    m = Matrix()
    accepted = [p for p in payloads if not refused_text(p)]
    refused = [p for p in payloads if refused_text(p)]
    shapes = list({shape(p): p for p in reversed(accepted)}.values())
    names = list(dict.fromkeys(p.strip() for p in payloads if not refused_name(p)))
    bad_names = [p for p in payloads if refused_name(p) and not refused_text(p)]
    every = [accepted[i : i + BATCH] for i in range(0, len(accepted), BATCH)]
    few = [shapes[i : i + SHAPES] for i in range(0, len(shapes), SHAPES)]
    rounds = max(len(every), len(few))
    m.shapes = len(shapes)
    m.payloads = len(payloads)
    for name, rtype in sorted(TYPES.types.items()):
        base, body = example(rtype)
        slots = [s for s in slots_of(rtype.schema.fields) if s.path not in REFERENCES.get(name, set())]
        m.slots += len(slots) + (1 if body is not None else 0)
        ext = "md" if rtype.markdown else "yaml"
        whole = next(s.path for s in slots if s.kind == "text" and s.path != "title")  # gets every payload
        for i in range(rounds):
            before = m.tried
            full = every[i % len(every)]
            some = few[i % len(few)]
            who = names[i * 10 % len(names) :][:10] or names[:10]
            data = json.loads(json.dumps(base))
            for slot in slots:
                batch = full if slot.path == whole else some
                # the round number keeps texts that group records (accounts, branches, rosters) apart
                value = {"text": f"{i} " + " ".join(batch), "texts": batch, "name": who[0], "names": who}[slot.kind]
                if put(data, slot.path, value):
                    m.pairs.add((slot.path, name, len(batch) if slot.kind in ("text", "texts") else len(who)))
                    m.tried += len(batch) if slot.kind in ("text", "texts") else len(who) if slot.kind == "names" else 1
            rec_body = "\n\n".join(full) if body is not None else None
            m.tried += len(full) if body is not None else 0
            m.files[f"{name}/{i:03d}.{ext}"] = dump(data, rec_body)
            m.per_file[f"{name}/{i:03d}.{ext}"] = m.tried - before
        # Refused payloads: a record per chunk in a text field and a name field, which `check` must refuse.
        text_slots = [s for s in slots if s.kind == "text" and s.path != "title"][:1]
        name_slots = [s for s in slots if s.kind == "names"][:1]
        for kind, items, chosen in (("text", refused, text_slots), ("name", bad_names, name_slots)):
            for slot in chosen:
                for j in range(0, len(items), BATCH):
                    chunk = items[j : j + BATCH]
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


__all__ = ["Location", "Problems", "build_matrix", "corpus_payloads"]
