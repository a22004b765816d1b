"""grid-roster — 网格划分及责任人公示 (网格台帐): the grid tree, its people and its counts.

Decisions where the contract is open:
- Parents are looked up inside the same record: one record is one community's (or street's) table.
- A grid must sit below its parent's level (街道网格 > 社区网格 > 楼院网格); anything else is an error,
  like an unknown parent, because the tree could not be drawn as written.
- A cycle is reported once, at the `parent` of the first grid of the cycle in the list; the grids
  on it get no level or count messages, which would only restate the cycle.
- Children's counts are compared with their parent's only where the parent states the count;
  a child without the count adds nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import Problems
from ..load import Node
from ..schema import Choice, Conv, F, Int, Kind, ListOf, Name, Obj, Text
from .base import Column, Record, RecordType, personal_phone, work_phone
from .rules import Unique

if TYPE_CHECKING:
    from ..config import SiteConfig

LEVELS = ("街道网格", "社区网格", "楼院网格")
# field -> (label, unit), the counts a parent must cover
SUMMED = {"households": ("户数", "户"), "population": ("人口", "人"), "party_members": ("党员数", "名")}


class TextMap(Kind):
    """A mapping of free text keys to text, in the order written: {网格员: 李四, 网格警员: 王刚}."""

    label = "“名称: 文字”的映射"
    json_type = {"type": "object", "additionalProperties": {"type": "string"}}

    def convert(self, node: Node, path: str, conv: Conv) -> Any:
        conv.locs[path] = node.where
        if not isinstance(node.value, dict):
            return conv.bad(
                node, path, "应为“职务: 姓名”的映射，如 {网格员: 李四}", "expected a mapping like {role: name}"
            )
        out: dict[str, Any] = {}
        for key, value in node.value.items():
            where = f"{path}.{key}"
            if value.value is None:
                conv.locs[where] = value.where
                out[key] = conv.bad(value, where, "不能为空", "must not be empty")
                continue
            out[key] = Text().convert(value, where, conv)
        return out


MANAGER = Obj(
    {
        "name": F(Name(), True, "网格责任人姓名", see="public"),
        "phone": personal_phone("个人联系电话，请加引号；手机号在公开版和党内版打码，座机照常显示"),
        "work_phone": work_phone(),
    }
)

GRID = Obj(
    {
        "id": F(Text(), True, "网格编号（本表内唯一），如 G01", see="public"),
        "name": F(Text(), True, "网格名称", see="public"),
        "level": F(Choice(*LEVELS), True, "层级：" + "、".join(LEVELS), see="public"),
        "parent": F(Text(), doc="上级网格编号；最上一级写 null", see="public"),
        "scope": F(Text(), doc="网格范围，如 1—5栋", see="public"),
        "households": F(Int(), doc="户数", see="public"),
        "population": F(Int(), doc="人口", see="public"),
        "party_members": F(Int(), doc="党员数", see="public"),
        "resident_reps": F(Int(), doc="居民代表数", see="public"),
        "buildings": F(Int(), doc="楼栋数", see="public"),
        "branch": F(Text(), doc="网格党组织，如 第一网格党支部", see="public"),
        "manager": F(MANAGER, doc="网格责任人 {name: 姓名, phone: 电话}", see="public"),
        "staff": F(TextMap(), doc="网格服务人员，职务: 姓名，如 {网格员: 李四, 网格警员: 王刚}", see="public"),
    }
)


class GridRoster(RecordType):
    """The grids of a community, each with its scope, counts and the people responsible."""

    name = "grid-roster"
    label = "网格划分及责任人公示"
    area = "registers"
    fields = {"grids": F(ListOf(GRID, 1), True, "网格", see="public")}
    list_keys = {"grids": "id"}
    rules = (Unique("grids[]", "id", "网格编号"),)
    table = "grids"
    columns = [
        Column("id", "编号"),
        Column("name", "网格名称"),
        Column("level", "层级"),
        Column("parent", "上级网格"),
        Column("scope", "网格范围"),
        Column("households", "户数", "number"),
        Column("population", "人口", "number"),
        Column("party_members", "党员", "number"),
        Column("resident_reps", "居民代表", "number"),
        Column("buildings", "楼栋", "number"),
        Column("branch", "网格党组织"),
        Column("manager_name", "网格责任人"),
        Column("manager_phone", "联系电话"),
        Column("staff_text", "网格服务人员"),
    ]
    example = """\
# 网格划分及责任人公示（网格台帐）：一个社区一个文件。
# 三级网格：街道网格 → 社区网格 → 楼院网格；parent 写上级网格的编号，最上一级写 null。
# 下级网格的户数、人口、党员数合计不应超过上级网格。
type: grid-roster
title: 某某社区网格划分及网格责任人公示
grids:
  - id: C01                          # 编号，本表内不重复
    name: 某某社区
    level: 社区网格                   # 街道网格、社区网格、楼院网格
    parent: null
    scope: 某某小区1—6栋
    households: 480
    population: 1380
    party_members: 40
    resident_reps: 12
    buildings: 6
    manager: {name: 王芳, phone: "0746-1234567"}      # 座机照常公开
    staff: {社区民警: 王刚}                           # 职务: 姓名，职务名称可自拟
  - id: C01-1
    name: 第一网格
    level: 楼院网格
    parent: C01
    scope: 1—3栋
    households: 240
    population: 690
    party_members: 21
    resident_reps: 6
    buildings: 3
    branch: 第一网格党支部
    manager: {name: 李四, phone: "13800000004"}       # 手机号在公开版自动打码
    staff: {网格员: 李四, 楼栋长: 张三}
prepared_by: 李四                 # 经办
approved_by: 王芳                 # 审批
status: draft                    # 审批后改为 approved，并填写 approved_on
"""

    def check(self, rec: Record, problems: Problems, site: SiteConfig) -> None:
        """Unique ids, known parents, levels, no cycles; children's counts within their parent's."""
        grids: list[dict[str, Any]] = rec.get("grids") or []
        index: dict[str, int] = {}
        for i, grid in enumerate(grids, 1):
            index.setdefault(grid["id"], i)  # a repeated id is reported by the Unique rule
        in_cycles = self._check_cycles(rec, grids, index, problems)
        for i, grid in enumerate(grids, 1):
            parent = grid.get("parent")
            if parent is None or grid["id"] in in_cycles:
                continue
            if parent not in index:
                rec.error(
                    problems,
                    f"grids[{i}].parent",
                    f"上级网格 {parent} 不存在（本表中没有这个编号）",
                    f"parent grid {parent} does not exist in this table",
                )
                continue
            upper = grids[index[parent] - 1]
            if LEVELS.index(upper["level"]) >= LEVELS.index(grid["level"]):
                rec.error(
                    problems,
                    f"grids[{i}].parent",
                    f"{grid['level']}不能挂在{upper['level']} {parent} 之下（层级从上到下：{' → '.join(LEVELS)}）",
                    f"a {grid['level']} cannot be below the {upper['level']} {parent}",
                )
        self._check_counts(rec, grids, index, in_cycles, problems)

    def _check_cycles(
        self, rec: Record, grids: list[dict[str, Any]], index: dict[str, int], problems: Problems
    ) -> set[str]:
        """Report each cycle of parents once; return the ids on cycles (their other rules would only repeat it)."""
        reported: set[str] = set()
        for i, grid in enumerate(grids, 1):
            if index.get(grid["id"]) != i or grid["id"] in reported:
                continue
            chain = [grid["id"]]
            parent = grid.get("parent")
            while parent in index and parent not in chain:
                chain.append(parent)
                parent = grids[index[parent] - 1].get("parent")
            if parent != grid["id"]:
                continue  # reaches a root, an unknown parent, or a cycle that starts further up
            reported.update(chain)
            if len(chain) == 1:
                zh, en = f"网格 {grid['id']} 的上级不能是它自己", f"grid {grid['id']} is its own parent"
            else:
                loop = " → ".join([*chain, grid["id"]])
                zh, en = f"上级关系形成循环：{loop}", f"the parents form a cycle: {loop}"
            rec.error(problems, f"grids[{i}].parent", zh, en)
        return reported

    def _check_counts(
        self, rec: Record, grids: list[dict[str, Any]], index: dict[str, int], skip: set[str], problems: Problems
    ) -> None:
        for i, grid in enumerate(grids, 1):
            if index.get(grid["id"]) != i or grid["id"] in skip:
                continue
            children = [g for g in grids if g.get("parent") == grid["id"] and g is not grid]
            for key, (label, unit) in SUMMED.items():
                parts = [(c["id"], c[key]) for c in children if c.get(key) is not None]
                total, own = sum(v for _, v in parts), grid.get(key)
                if own is None or not parts or total <= own:
                    continue
                detail = "、".join(f"{cid} {v}" for cid, v in parts)
                rec.finding(
                    problems,
                    f"grids[{i}].{key}",
                    f"下级网格{label}合计 {total} {unit}，多于本网格的 {own} {unit}（{detail}）",
                    f"the child grids' {key} add up to {total}, more than this grid's {own} ({detail})",
                )

    def view(self, data: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, Any]:
        """The grid tree (roots first, children in the order written) and the table rows."""
        grids: list[dict[str, Any]] = data.get("grids") or []
        ids = {g["id"] for g in grids}
        rows = [
            {
                **g,
                "manager_name": (g.get("manager") or {}).get("name"),
                "manager_phone": (g.get("manager") or {}).get("work_phone") or (g.get("manager") or {}).get("phone"),
                "staff_text": "；".join(f"{role}：{name}" for role, name in (g.get("staff") or {}).items()),
            }
            for g in grids
        ]
        by_parent: dict[str | None, list[dict[str, Any]]] = {}
        for row in rows:
            parent = row.get("parent") if row.get("parent") in ids and row.get("parent") != row["id"] else None
            by_parent.setdefault(parent, []).append(row)
        names = {g["id"]: g["name"] for g in grids}

        def node(row: dict[str, Any], seen: frozenset[str]) -> dict[str, Any]:
            kids = [k for k in by_parent.get(row["id"], []) if k["id"] not in seen]
            return {
                **row,
                "parent_name": names.get(row.get("parent") or ""),
                "children": [node(k, seen | {k["id"]}) for k in kids],
            }

        tree = [node(r, frozenset({r["id"]})) for r in by_parent.get(None, [])]
        return {"rows": rows, "tree": tree, "boards": flatten(tree)}


def flatten(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tree's grids in reading order (a parent before its children)."""
    out = []
    for item in tree:
        out.append(item)
        out.extend(flatten(item["children"]))
    return out


TYPE = GridRoster()
