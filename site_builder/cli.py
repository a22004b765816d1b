"""The command line: parse options, call one pipeline function, map errors to exit codes.

Exit codes: 0 success, 1 content errors (or findings with --strict), 2 usage errors.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from . import audit, pipeline, review, scaffold, trail
from .errors import ContentErrors, SanwuError, render_fatal, render_problems
from .records import TYPES
from .render import pdf
from .schema import Bad, parse_date
from .sheets.layouts import LAYOUTS


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


def fail(exc: Exception) -> None:
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
        if fmt != "text":  # a machine reading stdout gets the stop in its own format too
            click.echo(render_fatal(str(exc), fmt))
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
    warning = None if no_pdf else pdf.slow_path_warning()
    if warning:
        click.echo(f"警告: {warning}", err=True)
    try:
        built = pipeline.build(
            project, pipeline.expand_audiences(audience), as_of, drafts, strict, not no_record, not no_pdf
        )
    except ContentErrors as exc:
        click.echo(render_problems(exc.problems, "text", "zh"), err=True)
        click.echo(f"构建已停止：{len(exc.problems)} 个错误，原有的 output/ 未改动。", err=True)
        sys.exit(1)
    except (SanwuError, audit.AuditError) as exc:
        fail(exc)
        return
    for problem in built.problems.sorted():
        if problem.severity != "error":
            click.echo(problem.format(), err=True)
    if built.recorded:
        click.echo(f"审计记录：新增 {built.recorded} 条修订（content/_audit/），请连同内容一起提交到 git")
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
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), help="改为写一份 Excel 填写模板")
@click.pass_obj
def new(project: Path, type_name: str, path: Path | None, xlsx: Path | None) -> None:
    """写一份带注释的 TYPE 记录模板（或 --xlsx 的 Excel 模板），填写后即可使用。"""
    try:
        if xlsx is not None:
            from .sheets.export import write_template

            written = write_template(type_name, xlsx)
            click.echo(f"已创建 {written}，填好后运行 sanwu import {written} --type {type_name} --out content/….yaml")
            return
        written = scaffold.new_record(project, type_name, path)
    except SanwuError as exc:
        click.echo(f"错误: {exc}", err=True)
        sys.exit(2)
    click.echo(f"已创建 {written}，填写后运行 sanwu check")


@main.command(name="import")
@click.argument("source", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "type_name", required=True, type=click.Choice(sorted(LAYOUTS)), help="记录类型")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="写入 content/ 下的 .yaml 文件"
)
@click.option("--sheet", help="工作表名称（默认自动找表头匹配的那一张）")
@click.option(
    "--set", "sets", multiple=True, metavar="字段=值", help="同时填写记录字段，如 --set account=党建经费，可多次使用"
)
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
@click.pass_obj
def import_(
    project: Path, source: Path, type_name: str, out: Path, sheet: str | None, sets: tuple[str, ...], force: bool
) -> None:
    """把 Excel（.xlsx）或 CSV 台账导入为一条草稿记录。"""
    from .sheets import importer

    try:
        result = importer.run(project, source, type_name, out, sheet, list(sets), force)
    except SanwuError as exc:
        click.echo(f"错误: {exc}", err=True)
        sys.exit(2)
    for note in result.notes:
        click.echo(f"提示: {note}", err=True)
    for error in result.errors:
        click.echo(error, err=True)
    if result.errors:
        click.echo(f"导入已停止：{len(result.errors)} 个错误，没有写入任何文件。", err=True)
        sys.exit(1)
    click.echo(f"已导入 {result.rows} 行到 {out}（草稿）；补全空白项后运行 sanwu check")


@main.command(name="log")
@click.argument("record_id", required=False)
@click.pass_obj
def log_(project: Path, record_id: str | None) -> None:
    """列出审计记录（可只看一条记录的修订）。"""
    try:
        entries = trail.read_entries(project)
    except audit.AuditError as exc:
        fail(exc)
        return
    shown = [e for e in entries if record_id in (None, e.id)]
    if not shown:
        click.echo("没有审计记录。" if record_id is None else f"记录 {record_id} 没有修订记录。")
    for e in shown:
        reason = f"  原因：{e.reason}" if e.reason else ""
        click.echo(
            f"#{e.seq:<4} {e.date}  {e.id}  第{e.rev}版 {trail.ACTION_LABEL[e.action]}"
            f"（{e.changed_fields} 处变更）{reason}  {e.hash[:8]}"
        )


@main.group(name="audit")
def audit_group() -> None:
    """审计记录：核验与清理。"""


@audit_group.command()
@click.option("--head", "expected", help="从打印件或网页上抄下的审计链头，如 12:a1b2c3d4")
@click.pass_obj
def verify(project: Path, expected: str | None) -> None:
    """核验审计链：篡改、删除、调换、截断，以及内容与记录不符。"""
    try:
        head = audit.parse_head(expected) if expected else None
    except (ValueError, audit.AuditError) as exc:
        click.echo(f"错误: --head 格式应为 序号:哈希，如 12:a1b2c3d4（{exc}）", err=True)
        sys.exit(2)
    try:
        checked = pipeline.check(project)
        as_of = pipeline.resolve_as_of(None, checked.site)
        report = audit.verify_report(trail.audit_dir(project), trail.current_records(checked.catalog, as_of), head)
    except (SanwuError, audit.AuditError) as exc:
        fail(exc)
        return
    for problem in report.problems:
        click.echo(problem)
    head_text = audit.format_head(report.head) if report.head else "（空）"
    click.echo(
        f"{report.entries} 条修订，核对快照 {report.snapshots_checked} 份，已清理 {len(report.purged)} 份；"
        f"审计链头 {head_text}：{'未通过' if report.problems else '通过'}",
        err=bool(report.problems),
    )
    sys.exit(1 if report.problems else 0)


@audit_group.command()
@click.option("--before", required=True, type=DateParam(), help="删除此日期之前、已被新版本取代的快照")
@click.pass_obj
def purge(project: Path, before: dt.date) -> None:
    """按保留期限删除旧快照（个人信息），审计链仍可核验。"""
    try:
        count = audit.purge(trail.audit_dir(project), before)
    except audit.AuditError as exc:
        fail(exc)
        return
    click.echo(f"已删除 {count} 份 {before.isoformat()} 之前的旧快照。")


@main.command()
@click.argument("rev_a")
@click.argument("rev_b", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text")
@click.option(
    "--audience",
    type=click.Choice(["public", "party", "committee"]),
    default="committee",
    help="按哪一级公开范围显示（默认 committee 完整数据；贴到公开的评论区请用 public）",
)
@click.pass_obj
def diff(project: Path, rev_a: str, rev_b: str | None, fmt: str, audience: str) -> None:
    """两个 git 版本之间的字段级差异（REV_B 默认为当前工作区）。"""
    try:
        diffs = review.diff_revisions(project, rev_a, rev_b, audience)
    except SanwuError as exc:
        fail(exc)
        return
    formatter = {"text": review.format_text, "markdown": review.format_markdown, "json": review.format_json}[fmt]
    click.echo(formatter(diffs))


@main.command()
@click.option("--port", default=8000, show_default=True, help="端口")
@click.option("--audience", type=click.Choice(["public", "party", "committee"]), default="public")
@click.option("--as-of", "as_of", type=DateParam(), help="按这一天预览")
@click.option("--pdf", is_flag=True, help="也生成 PDF（较慢）")
@click.pass_obj
def serve(project: Path, port: int, audience: str, as_of: dt.date | None, pdf: bool) -> None:
    """在本机预览网站（含草稿，不记入审计），修改文件后自动刷新。"""
    import threading

    from . import serve as preview_server

    preview = preview_server.Preview(project, audience, as_of, pdf)
    if not preview.rebuild(lambda text: click.echo(text, err=True)):
        sys.exit(1)
    try:
        server = preview_server.make_server(preview, port)
    except OSError as exc:
        click.echo(f"错误: 无法使用端口 {port}（{exc.strerror}），请换一个：sanwu serve --port 8001", err=True)
        sys.exit(2)
    stop = threading.Event()
    watcher = threading.Thread(
        target=preview_server.watch, args=(preview, stop, lambda text: click.echo(text, err=True)), daemon=True
    )
    watcher.start()
    click.echo(f"预览地址：http://127.0.0.1:{port}/  （含草稿，不记入审计；按 Ctrl+C 停止）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="写入目录（每种类型一个文件）")
def schema(out_dir: Path | None) -> None:
    """输出每种记录类型的 JSON Schema（供编辑器补全和校验）。"""
    import json

    schemas = {name: scaffold.json_schema(TYPES.types[name]) for name in TYPES.names()}
    if out_dir is None:
        click.echo(json.dumps(schemas, ensure_ascii=False, indent=2))
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, doc in schemas.items():
        (out_dir / f"{name}.schema.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8")
    click.echo(f"已写入 {len(schemas)} 个 JSON Schema 到 {out_dir}")
