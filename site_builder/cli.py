"""The command line: parse options, call one pipeline function, map errors to exit codes.

Exit codes: 0 success, 1 content errors (or findings with --strict), 2 usage errors.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from . import pipeline, scaffold
from .errors import ContentErrors, SanwuError, render_problems
from .records import TYPES
from .schema import Bad, parse_date


class DateParam(click.ParamType):
    """A YYYY-MM-DD date option."""

    name = "DATE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except Bad as exc:
            self.fail(exc.zh, param, ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C", "--project", type=click.Path(file_okay=False, path_type=Path), default=".", help="站点目录（默认当前目录）"
)
@click.pass_context
def main(ctx: click.Context, project: Path) -> None:
    """sanwu — 三务公开网站生成器。"""
    ctx.obj = project.resolve()


def fail(exc: SanwuError) -> None:
    click.echo(f"错误: {exc}", err=True)
    sys.exit(1)


@main.command()
@click.option("--strict", is_flag=True, help="合规提示也按错误处理")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@click.pass_obj
def check(project: Path, strict: bool, fmt: str, lang: str) -> None:
    """检查全部记录，列出每个错误和合规提示。"""
    try:
        checked = pipeline.check(project)
    except SanwuError as exc:
        fail(exc)
        return
    problems = checked.problems.sorted()
    if problems or fmt == "json":
        click.echo(render_problems(problems, fmt, lang))
    failing = checked.problems.errors(strict)
    if fmt == "text":
        counts = {s: sum(p.severity == s for p in problems) for s in ("error", "finding", "warning")}
        summary = (
            f"{len(checked.catalog.records)} 条记录：{counts['error']} 个错误，{counts['finding']} 个合规提示，"
            f"{counts['warning']} 个警告"
            if lang == "zh"
            else f"{len(checked.catalog.records)} records: {counts['error']} errors, "
            f"{counts['finding']} findings, {counts['warning']} warnings"
        )
        click.echo(summary, err=True)
    sys.exit(1 if failing else 0)


@main.command()
@click.option("--audience", type=click.Choice(["public", "party", "committee", "all"]), default="public")
@click.option("--drafts", is_flag=True, help="包含草稿（带“草稿”水印，不记入审计）")
@click.option("--as-of", "as_of", type=DateParam(), help="按这一天构建（默认今天或 SOURCE_DATE_EPOCH）")
@click.option("--no-pdf", is_flag=True, help="不生成 PDF")
@click.option("--no-record", is_flag=True, help="只预览，不写入审计记录")
@click.option("--strict", is_flag=True, help="合规提示也按错误处理")
@click.pass_obj
def build(
    project: Path, audience: str, drafts: bool, as_of: dt.date | None, no_pdf: bool, no_record: bool, strict: bool
) -> None:
    """生成网站到 output/<audience>/。"""
    try:
        built = pipeline.build(project, pipeline.expand_audiences(audience), as_of, drafts, strict)
    except ContentErrors as exc:
        click.echo(render_problems(exc.problems, "text", "zh"), err=True)
        click.echo(f"构建已停止：{len(exc.problems)} 个错误，原有的 output/ 未改动。", err=True)
        sys.exit(1)
    except SanwuError as exc:
        fail(exc)
        return
    for problem in built.problems.sorted():
        if problem.severity != "error":
            click.echo(problem.format(), err=True)
    for name, count in built.outputs.items():
        click.echo(f"output/{name}/：{count} 个文件（截至 {built.as_of.isoformat()}）")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--community", default="某某社区", help="社区名称")
def init(directory: Path, community: str) -> None:
    """新建一个社区站点。"""
    try:
        created = scaffold.init_site(directory, community)
    except SanwuError as exc:
        click.echo(f"错误: {exc}", err=True)
        sys.exit(2)
    for path in created:
        click.echo(f"已创建 {path}")


@main.command()
@click.argument("type_name", metavar="TYPE", type=click.Choice(TYPES.names()))
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.pass_obj
def new(project: Path, type_name: str, path: Path | None) -> None:
    """写一份带注释的 TYPE 记录模板，填写后即可使用。"""
    try:
        written = scaffold.new_record(project, type_name, path)
    except SanwuError as exc:
        click.echo(f"错误: {exc}", err=True)
        sys.exit(2)
    click.echo(f"已创建 {written}，填写后运行 sanwu check")
