"""`sanwu init` and `sanwu new`: files for people to fill in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import gitinfo
from .config import PLACEHOLDER_URL
from .errors import SanwuError, UsageError

if TYPE_CHECKING:
    from .records import RecordType

SITE_YAML = """\
# 站点配置：每份公告的落款、监督电话和网址都从这里来。
community: {community}
org: 中共{community}委员会                 # 发布单位
parent_org: 某某街道党工委
base_url: {placeholder}        # 网站地址（二维码、订阅、站点地图用）
supervision_phone: "0000-0000000"          # 监督电话，请加引号
address: {community}党群服务中心
timezone: Asia/Shanghai
"""

CI = Path(__file__).parent / "ci"
CI_FILES = {  # built-in file -> where `sanwu init` writes it
    "sanwu-ci.sh": "ci/sanwu-ci.sh",
    "github-workflow.yml": ".github/workflows/sanwu.yml",
    "gitee-go.yml": ".workflow/sanwu.yml",
}

GITIGNORE = """\
# 生成的网站和缓存：党员版、两委版和缓存里有个人信息，绝不能提交到 git
output/
.sanwu-cache/
"""

WELCOME = """\
---
type: notice
title: {community}三务公开网站开通
area: residents
prepared_by: 经办人
reviewed_by: 审核人
approved_by: 审批人
approved_on: 2026-01-01
status: approved
---

本网站公开{community}的党务、居务和财务信息。如有疑问，请拨打监督电话。
"""


def init_site(directory: Path, community: str) -> list[Path]:
    """Create content/, templates/, .gitignore, .gitattributes and the CI files for a new community; never overwrite."""
    content = directory / "content"
    if (content / "site.yaml").exists():
        raise SanwuError(f"{content / 'site.yaml'} 已存在，不会覆盖")
    files = {
        content / "site.yaml": SITE_YAML.format(community=community, placeholder=PLACEHOLDER_URL),
        content / "notices" / "welcome.md": WELCOME.format(community=community),
        directory / "templates" / ".gitkeep": "",
        directory / ".gitignore": GITIGNORE,
        directory / ".gitattributes": gitinfo.ATTRIBUTES,
        **{directory / target: (CI / source).read_text(encoding="utf-8") for source, target in CI_FILES.items()},
    }
    created = []
    try:
        for path, text in files.items():
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            created.append(path)
    except OSError as exc:
        raise SanwuError(f"无法在 {directory} 创建站点：{exc.strerror}（{exc.filename}）") from None
    gitinfo.register_merge_driver(directory)
    return created


def git_setup(project: Path) -> str:
    """Declare the audit log's merge driver in .gitattributes and register it in this clone's git config."""
    if gitinfo.current_branch(project) is None:
        raise UsageError(f"{project} 不在 git 仓库中：先 git init 或 git clone，再运行 sanwu git-setup")
    attributes = project / ".gitattributes"
    text = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    if gitinfo.ATTRIBUTES.strip() not in text:
        attributes.write_text(text + ("\n" if text and not text.endswith("\n") else "") + gitinfo.ATTRIBUTES, "utf-8")
    if not gitinfo.register_merge_driver(project):
        raise SanwuError("无法写入 git 配置（git config --local）")
    return (
        "已在本克隆中登记审计记录的合并方式：两人都发布过时，git pull 会把对方的修订排在前面、"
        "本地的修订重新接在后面，不必手改 JSON。请提交 .gitattributes。"
    )


def new_record(project: Path, type_name: str, path: Path | None) -> Path:
    """Write TYPE's commented example to path (default content/new-TYPE.yaml|.md)."""
    from .records import TYPES  # the record types take a second to import; init and git-setup need none

    rtype = TYPES.types[type_name]
    suffix = ".md" if rtype.markdown else ".yaml"
    target = path if path is not None else project / "content" / f"new-{type_name}{suffix}"
    if target.suffix != suffix:
        raise SanwuError(f"{type_name} 记录应保存为 {suffix} 文件，而不是 {target.name}")
    if target.exists():
        raise SanwuError(f"{target} 已存在，不会覆盖")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rtype.example, encoding="utf-8")
    except OSError as exc:
        raise SanwuError(f"无法写入 {target}：{exc.strerror}") from None
    return target


def json_schema(rtype: RecordType) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for one record type, from its declared fields."""
    doc: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": rtype.label}
    doc.update(rtype.schema.json_type)
    doc["properties"]["type"] = {"const": rtype.name, "description": "记录类型"}
    return doc
