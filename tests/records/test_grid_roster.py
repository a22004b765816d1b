"""grid-roster: ids, parents, levels, cycles, children's counts, the staff mapping, the tree and masking."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from site_builder.records import TYPES
from tests.conftest import run

STREET = (
    "  - {id: JD, name: 某某街道网格, level: 街道网格, parent: null,\n"
    '     households: 2000, population: 6000, party_members: 200, manager: {name: 彭志刚, phone: "0746-1230002"}}'
)
COMMUNITY = (
    "  - {id: C1, name: 测试社区网格, level: 社区网格, parent: JD, scope: 1—8栋, households: 600, population: 1800,\n"
    '     party_members: 60, manager: {name: 王芳, phone: "0746-1234501"}, staff: {社区党委书记: 王芳, 网格警员: 王刚}}'
)


def court(gid: str, name: str, parent: str = "C1", households: int = 300, extra: str = "") -> str:
    return (
        f"  - {{id: {gid}, name: {name}, level: 楼院网格, parent: {parent}, scope: 1—4栋, households: {households},\n"
        f"     population: 900, party_members: 30,\n"
        f'     manager: {{name: {name}责任人, phone: "1380000{gid[-1]}{gid[-1]}01"}},\n'
        f"     staff: {{网格员: {name}网格员, 楼栋长: {name}楼栋长}}{extra}}}"
    )


def roster(grids: list[str] | None = None) -> str:
    grids = grids if grids is not None else [STREET, COMMUNITY, court("C11", "第一网格"), court("C12", "第二网格")]
    return (
        "type: grid-roster\n"
        "title: 测试社区网格划分及网格责任人公示\n"
        "grids:\n" + "\n".join(grids) + "\n"
        "approved_by: 王芳\n"
        "approved_on: 2026-11-12\n"
        "status: approved\n"
    )


def only(project: Path, path: str = "content/g.yaml") -> list[tuple[object, object, object]]:
    """(severity, field, message) of the problems `sanwu check` reports in one file."""
    result = run(project, "check", "--format", "json")
    assert "Traceback" not in result.output
    return [(p["severity"], p["field"], p["message"]) for p in json.loads(result.stdout or "[]") if p["path"] == path]


def test_a_consistent_tree_has_no_problems(site) -> None:
    project = site({"g.yaml": roster()})
    assert only(project) == []
    assert run(project, "check").exit_code == 0


def test_the_example_passes_check(site) -> None:
    project = site({"new.yaml": TYPES.types["grid-roster"].example})
    assert run(project, "check").exit_code == 0
    assert only(project, "content/new.yaml") == []


# --- errors -----------------------------------------------------------------------------------


def test_a_duplicate_grid_id_is_an_error_at_the_second(site) -> None:
    grids = [STREET, COMMUNITY, court("C11", "第一网格"), court("C11", "第二网格")]
    assert only(site({"g.yaml": roster(grids)})) == [("error", "grids[4].id", "网格编号 C11 重复（grids[3] 已有）")]


def test_an_unknown_parent_is_an_error(site) -> None:
    grids = [STREET, COMMUNITY, court("C11", "第一网格", parent="C9")]
    assert only(site({"g.yaml": roster(grids)})) == [
        ("error", "grids[3].parent", "上级网格 C9 不存在（本表中没有这个编号）")
    ]


def test_a_cycle_is_one_error_naming_it(site) -> None:
    grids = [
        STREET,
        COMMUNITY,
        court("C11", "第一网格", parent="C12"),
        court("C12", "第二网格", parent="C11"),
    ]
    found = only(site({"g.yaml": roster(grids)}))
    assert ("error", "grids[3].parent", "上级关系形成循环：C11 → C12 → C11") in found
    assert [f for f in found if "循环" in str(f[2])] == [
        ("error", "grids[3].parent", "上级关系形成循环：C11 → C12 → C11")
    ]


def test_a_grid_that_is_its_own_parent_is_a_cycle(site) -> None:
    grids = [STREET, COMMUNITY, court("C11", "第一网格", parent="C11")]
    assert ("error", "grids[3].parent", "网格 C11 的上级不能是它自己") in only(site({"g.yaml": roster(grids)}))


def test_a_grid_must_sit_below_its_parents_level(site) -> None:
    grids = [STREET, court("C11", "第一网格", parent="JD"), COMMUNITY.replace("parent: JD", "parent: C11")]
    found = only(site({"g.yaml": roster(grids)}))
    assert [f for f in found if f[0] == "error"] == [
        (
            "error",
            "grids[3].parent",
            "社区网格不能挂在楼院网格 C11 之下（层级从上到下：街道网格 → 社区网格 → 楼院网格）",
        )
    ]


def test_an_unknown_level_is_an_error(site) -> None:
    grids = [STREET.replace("level: 街道网格", "level: 片区网格")]
    assert only(site({"g.yaml": roster(grids)})) == [
        ("error", "grids[1].level", "应为 街道网格、社区网格、楼院网格 之一，得到 “片区网格”；是不是“社区网格”？")
    ]


def test_staff_must_be_a_mapping_of_names(site) -> None:
    bad_list = STREET.replace("manager:", "staff: [网格员, 李四], manager:")
    assert only(site({"g.yaml": roster([bad_list])})) == [
        ("error", "grids[1].staff", "应为“职务: 姓名”的映射，如 {网格员: 李四}")
    ]
    empty = STREET.replace("manager:", "staff: {网格员: }, manager:")
    assert only(site({"g.yaml": roster([empty])})) == [("error", "grids[1].staff.网格员", "不能为空")]


# --- findings ---------------------------------------------------------------------------------


def test_children_adding_up_to_more_than_the_parent_is_a_finding(site) -> None:
    grids = [STREET, COMMUNITY, court("C11", "第一网格"), court("C12", "第二网格", households=320)]
    assert only(site({"g.yaml": roster(grids)})) == [
        ("finding", "grids[2].households", "下级网格户数合计 620 户，多于本网格的 600 户（C11 300、C12 320）")
    ]


def test_population_and_party_members_are_summed_too(site) -> None:
    community = COMMUNITY.replace("population: 1800", "population: 1700").replace(
        "party_members: 60", "party_members: 59"
    )
    found = only(site({"g.yaml": roster([STREET, community, court("C11", "一"), court("C12", "二")])}))
    assert found == [
        ("finding", "grids[2].population", "下级网格人口合计 1800 人，多于本网格的 1700 人（C11 900、C12 900）"),
        ("finding", "grids[2].party_members", "下级网格党员数合计 60 名，多于本网格的 59 名（C11 30、C12 30）"),
    ]


def test_a_parent_without_a_count_is_not_compared(site) -> None:
    community = COMMUNITY.replace("households: 600, ", "")
    grids = [STREET, community, court("C11", "第一网格", households=400), court("C12", "第二网格", households=400)]
    assert only(site({"g.yaml": roster(grids)})) == []


# --- output -----------------------------------------------------------------------------------


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(project: Path) -> None:
    result = run(project, "build", "--audience", "all", "--as-of", "2026-11-26", "--no-pdf")
    assert result.exit_code == 0, result.output


def test_managers_mobiles_are_masked_in_every_public_and_party_file_and_landlines_stay(site) -> None:
    project = site({"taizhang/g.yaml": roster()})
    build(project)
    committee = files_under(project / "output" / "committee")
    full = b"13800001101"
    for audience in ("public", "party"):
        files = files_under(project / "output" / audience)
        assert [name for name, data in files.items() if full in data] == []
        for name in ("r/taizhang/g.html", "data/taizhang/g.json", "data/taizhang/g.csv"):
            assert b"138****1101" in files[name], name
            assert b"0746-1234501" in files[name], name
    for name in ("r/taizhang/g.html", "data/taizhang/g.json", "data/taizhang/g.csv"):
        assert full in committee[name], name


def test_a_declared_work_phone_is_shown_whole_on_the_public_board(site) -> None:
    work = court("C11", "第一网格").replace('phone: "13800001101"', 'phone: "13800001101", work_phone: "13900001111"')
    project = site({"taizhang/g.yaml": roster([STREET, COMMUNITY, work])})
    build(project)
    page = (project / "output/public/r/taizhang/g.html").read_text(encoding="utf-8")
    assert "13900001111" in page and "13800001101" not in page


class TreeDepth(HTMLParser):
    """The <li> nesting depth of each grid name inside the grid tree."""

    def __init__(self) -> None:
        super().__init__()
        self.in_tree = 0
        self.depth = 0
        self.naming = False
        self.depths: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag == "ul" and "grid-tree" in classes:
            self.in_tree = 1
        elif tag == "ul" and self.in_tree:
            self.in_tree += 1
        elif tag == "li" and self.in_tree:
            self.depth += 1
        self.naming = self.in_tree > 0 and tag == "strong" and "grid-name" in classes

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self.in_tree:
            self.in_tree -= 1
        elif tag == "li" and self.in_tree:
            self.depth -= 1
        self.naming = False

    def handle_data(self, data: str) -> None:
        if self.naming:
            self.depths[data] = self.depth


def test_the_grid_tree_nests_street_community_court(site) -> None:
    project = site({"taizhang/g.yaml": roster()})
    build(project)
    page = (project / "output/public/r/taizhang/g.html").read_text(encoding="utf-8")
    parser = TreeDepth()
    parser.feed(page)
    assert parser.depths == {"某某街道网格": 1, "测试社区网格": 2, "第一网格": 3, "第二网格": 3}


def test_the_page_has_a_board_per_grid_with_manager_phone_and_staff(site) -> None:
    project = site({"taizhang/g.yaml": roster()})
    build(project)
    page = (project / "output/public/r/taizhang/g.html").read_text(encoding="utf-8")
    assert page.count('<article class="grid-board"') == 4
    board = page[page.index(">第一网格公示牌<") :].split("</article>")[0]
    for text in (
        "1—4栋",
        "第一网格责任人",
        "138****1101",
        "网格员</th><td>第一网格网格员",
        "楼栋长</th><td>第一网格楼栋长",
    ):
        assert text in board, text
    assert "0746-7654321" in board  # the community's supervision phone
    csv = (project / "output/public/data/taizhang/g.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert csv[3].startswith("C11,第一网格,楼院网格,C1,1—4栋,300,900,30,,,,第一网格责任人,138****1101,")
