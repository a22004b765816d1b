"""The command line: parse options, call one pipeline function, map errors to exit codes.

Exit codes: 0 success, 1 content errors (or findings with --strict), 2 usage errors.
Only click is imported up front: `sanwu --help` and Tab completion must not pay for WeasyPrint
and the record types, so every command imports what it needs when it runs.
"""

from __future__ import annotations

import datetime as dt
import errno
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from . import clickzh

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

from .sheets.layouts import LAYOUTS  # plain data: cheap to import

clickzh.install()
PROGRESS_AFTER = 2.0  # seconds: shorter builds show no progress bar
QUIET_HELP = "少输出：不显示进度和完成信息，build 也不列出合规提示（错误和警告照常显示）"


class DateParam(click.ParamType):
    """A YYYY-MM-DD date option."""

    name = "DATE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        from .schema import Bad, parse_date

        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(str(value))
        except Bad as exc:
            self.fail(exc.zh, param, ctx)


class TypeChoice(click.Choice):  # type: ignore[type-arg]
    """The record type names, read only when a value is checked or completed (not for --help)."""

    def __init__(self) -> None:
        self.case_sensitive = True

    @property
    def choices(self) -> Sequence[str]:  # type: ignore[override]
        from .records import TYPES

        return tuple(TYPES.names())

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        """Tab completion from the type modules' text, without importing them (about a second)."""
        from click.shell_completion import CompletionItem

        return [CompletionItem(name) for name in declared_type_names() if name.startswith(incomplete)]


def declared_type_names() -> list[str]:
    """Each records/ module that defines `TYPE = ...` declares a type named like the module, with hyphens."""
    folder = Path(__file__).parent / "records"
    return sorted(
        p.stem.replace("_", "-")
        for p in folder.glob("*.py")
        if any(line.startswith("TYPE = ") for line in p.read_text(encoding="utf-8").splitlines())
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C", "--project", type=click.Path(file_okay=False, path_type=Path), default=".", help="站点目录（默认当前目录）"
)
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@click.version_option(None, "-V", "--version", package_name="sanwu", message="sanwu %(version)s", help="显示版本号")
@click.help_option("-h", "--help", help="显示本帮助")
@click.pass_context
def main(ctx: click.Context, project: Path, quiet: bool) -> None:
    """sanwu — 三务公开网站生成器。"""
    ctx.obj = project.resolve()
    ctx.meta["quiet"] = quiet


def quiet() -> bool:
    """-q was given."""
    return bool(click.get_current_context().meta.get("quiet"))


def say(text: str) -> None:
    """A normal message on stdout, unless -q."""
    if not quiet():
        click.echo(text)


def fail(exc: Exception, code: int = 1) -> NoReturn:
    """Print the error and exit: 2 for usage errors, 1 otherwise."""
    from .errors import UsageError

    click.echo(f"错误: {exc}", err=True)
    sys.exit(2 if isinstance(exc, UsageError) else code)


def fail_os(exc: OSError) -> NoReturn:
    """A file system error as a sentence: a full disk says so."""
    where = f"（{exc.filename}）" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        click.echo(
            f"错误: 磁盘空间已满{where}：构建已停止，原有的 output/ 未改动，缓存 .sanwu-cache/ 已清空；"
            "请腾出磁盘空间后重试。",
            err=True,
        )
    else:
        click.echo(f"错误: 无法读写文件{where}：{exc.strerror or exc}", err=True)
    sys.exit(1)


class Progress:
    """A progress bar on stderr, only on a terminal, only for work that lasts over PROGRESS_AFTER seconds.

    It is redrawn from a timer signal, not a thread: the PDF renderer forks its workers only while the build
    is single-threaded. Where there is no timer signal (Windows) it is redrawn at each step.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.timer = enabled and hasattr(signal, "setitimer")
        self.start = time.monotonic()
        self.done, self.total, self.label = 0, 1, ""
        self.shown = False
        if self.timer:
            self.previous = signal.signal(signal.SIGALRM, lambda signum, frame: self.draw())
            signal.setitimer(signal.ITIMER_REAL, PROGRESS_AFTER, 0.25)

    def __call__(self, label: str, done: int, total: int) -> None:
        self.label, self.done, self.total = label, done, max(total, 1)
        if self.enabled and not self.timer and time.monotonic() - self.start >= PROGRESS_AFTER:
            self.draw()

    def line(self, elapsed: float) -> str:
        """The bar as drawn after `elapsed` seconds."""
        width = 24
        filled = width * self.done // self.total
        return f"{'█' * filled}{'░' * (width - filled)} {self.done}/{self.total} {self.label}  {elapsed:.0f} 秒"

    def draw(self) -> None:
        """Redraw the bar in place."""
        click.echo(f"\r{self.line(time.monotonic() - self.start)}\033[K", err=True, nl=False)
        self.shown = True

    def close(self) -> None:
        """Stop drawing and clear the bar's line."""
        if self.timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            self.timer = False
        if self.shown:
            click.echo("\r\033[K", err=True, nl=False)


@main.command()
@click.option("--strict", is_flag=True, help="合规提示也按错误处理")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@click.option("--as-of", "as_of", type=DateParam(), help="按这一天检查（与 build --as-of 相同）")
@click.pass_obj
def check(project: Path, strict: bool, fmt: str, lang: str, as_of: dt.date | None) -> None:
    """检查全部记录，列出 sanwu build 会拒绝的每个错误和合规提示（不写入任何文件）。"""
    from . import pipeline
    from .errors import SanwuError, render_fatal, render_problems

    try:
        checked = pipeline.check_all(project, as_of, strict)
    except SanwuError as exc:
        if fmt != "text":  # a machine reading stdout gets the stop in its own format too
            click.echo(render_fatal(str(exc), fmt))
        fail(exc)
    problems = checked.problems.sorted()
    if problems or fmt == "json":
        click.echo(render_problems(problems, fmt, lang))
    failing = checked.problems.errors(strict)
    if fmt == "text" and not quiet():
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
@click.option(
    "--record/--no-record",
    default=None,
    help="是否写入审计记录（默认：只在发布分支 publish_branch 上记录，其他分支显示为“待发布”）",
)
@click.option("--strict", is_flag=True, help="合规提示也按错误处理")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认 output/）")
@click.option(
    "--base-url",
    "base_urls",
    multiple=True,
    metavar="[AUDIENCE=]URL",
    help="本次构建使用的网址（覆盖 site.yaml 的 base_url；如 --base-url party=https://内网/party/）",
)
@click.pass_obj
def build(
    project: Path,
    audience: str,
    drafts: bool,
    as_of: dt.date | None,
    no_pdf: bool,
    record: bool | None,
    strict: bool,
    output: Path | None,
    base_urls: tuple[str, ...],
) -> None:
    """生成网站到 output/<audience>/。"""
    from . import audit, pipeline
    from .errors import ContentErrors, SanwuError, render_problems

    if not no_pdf:
        from .render import pdf

    warning = None if no_pdf else pdf.slow_path_warning()
    if warning:
        click.echo(f"警告: {warning}", err=True)
    progress = Progress(sys.stderr.isatty() and not quiet())
    try:
        built = pipeline.build(
            project,
            pipeline.expand_audiences(audience),
            as_of,
            drafts,
            strict,
            record,
            not no_pdf,
            output.resolve() if output else None,
            base_urls=pipeline.parse_base_urls(base_urls),
            progress=progress,
        )
    except ContentErrors as exc:
        progress.close()
        click.echo(render_problems(exc.problems, "text", "zh"), err=True)
        click.echo(f"构建已停止：{len(exc.problems)} 个错误，原有的 output/ 未改动。", err=True)
        sys.exit(1)
    except (SanwuError, audit.AuditError) as exc:
        progress.close()
        fail(exc)
    except OSError as exc:
        progress.close()
        fail_os(exc)
    except KeyboardInterrupt:  # before the build's own handler was in place
        progress.close()
        click.echo("已中断：构建已停止，原有的 output/ 未改动，审计记录未写入。", err=True)
        sys.exit(130)
    progress.close()
    for problem in built.problems.sorted():
        if problem.severity == "warning" or (problem.severity == "finding" and not quiet()):
            click.echo(problem.format(), err=True)
    if built.recorded:
        say(f"审计记录：新增 {built.recorded} 条修订（content/_audit/），请连同内容一起提交到 git")
    if built.not_recorded:
        say(built.not_recorded)
    for name, count in built.outputs.items():
        say(f"{built.output_label}/{name}/：{count} 个文件（截至 {built.as_of.isoformat()}）")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--community", default="某某社区", help="社区名称")
def init(directory: Path, community: str) -> None:
    """新建一个社区站点（含 .gitignore、.gitattributes 和 CI 配置）。"""
    from . import scaffold
    from .errors import SanwuError

    try:
        created = scaffold.init_site(directory, community)
    except SanwuError as exc:
        fail(exc, 2)
    for path in created:
        say(f"已创建 {path}")


@main.command(name="git-setup")
@click.pass_obj
def git_setup(project: Path) -> None:
    """在这个 git 克隆里登记审计记录的合并方式（每个克隆运行一次；sanwu init 已自动运行）。"""
    from . import scaffold
    from .errors import SanwuError

    try:
        say(scaffold.git_setup(project))
    except SanwuError as exc:
        fail(exc, 2)


@main.command()
@click.argument("type_name", metavar="TYPE", type=TypeChoice())
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), help="改为写一份 Excel 填写模板")
@click.pass_obj
def new(project: Path, type_name: str, path: Path | None, xlsx: Path | None) -> None:
    """写一份带注释的 TYPE 记录模板（或 --xlsx 的 Excel 模板），填写后即可使用。"""
    from . import scaffold
    from .errors import SanwuError

    try:
        if xlsx is not None:
            from .sheets.export import write_template

            written = write_template(type_name, xlsx)
            say(f"已创建 {written}，填好后运行 sanwu import {written} --type {type_name} --out content/….yaml")
            return
        written = scaffold.new_record(project, type_name, path)
    except SanwuError as exc:
        fail(exc, 2)
    say(f"已创建 {written}，填写后运行 sanwu check")


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
    from .errors import SanwuError
    from .sheets import importer

    try:
        result = importer.run(project, source, type_name, out, sheet, list(sets), force)
    except SanwuError as exc:
        fail(exc, 2)
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
    from . import audit, trail

    try:
        entries = trail.read_entries(project)
    except audit.AuditError as exc:
        fail(exc)
    shown = [e for e in entries if record_id in (None, e.id)]
    if not shown:
        click.echo("没有审计记录。" if record_id is None else f"记录 {record_id} 没有修订记录。")
    for e in shown:
        reason = f"  原因：{e.reason}" if e.reason else ""
        click.echo(
            f"#{e.seq:<4} {e.date}  {e.id}  第{e.rev}版 {trail.ACTION_LABEL[e.action]}"
            f"（{e.changed_fields} 处变更）{reason}  {e.hash[: audit.SHORT_HASH]}"
        )


@main.group(name="audit")
def audit_group() -> None:
    """审计记录：核验、修复合并与清理。"""


@audit_group.command()
@click.option("--head", "expected", help="从打印件或网页上抄下的审计链头（至少 12 位十六进制），如 12:a1b2c3d4e5f60718")
@click.option("--as-of", "as_of", type=DateParam(), help="按这一天核对（与 build --as-of 相同）")
@click.pass_obj
def verify(project: Path, expected: str | None, as_of: dt.date | None) -> None:
    """核验审计链：篡改、删除、调换、截断，以及内容与记录不符。"""
    from . import audit, pipeline, trail
    from .errors import SanwuError

    try:
        head = audit.parse_head(expected) if expected else None
    except (ValueError, audit.AuditError) as exc:
        click.echo(f"错误: --head {exc}", err=True)
        sys.exit(2)
    try:
        checked = pipeline.check(project, as_of)
        day = checked.catalog.as_of
        report = audit.verify_report(trail.audit_dir(project), trail.current_records(checked.catalog, day), head)
    except (SanwuError, audit.AuditError) as exc:
        fail(exc)
    for problem in report.problems:
        click.echo(problem)
    head_text = audit.format_head(report.head) if report.head else "（空）"
    summary = (
        f"{report.entries} 条修订，核对快照 {report.snapshots_checked} 份，已清理 {len(report.purged)} 份；"
        f"审计链头 {head_text}：{'未通过' if report.problems else '通过'}"
    )
    if report.problems or not quiet():
        click.echo(summary, err=bool(report.problems))
    sys.exit(1 if report.problems else 0)


@audit_group.command(name="merge-driver", hidden=True)
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
def merge_driver(base: Path, ours: Path, theirs: Path) -> None:
    """git 的合并驱动（由 sanwu git-setup 登记）：把两边的审计日志合成一条链，写回 OURS。"""
    from . import audit, gitinfo

    try:
        sides = [base.read_bytes(), ours.read_bytes(), theirs.read_bytes()]
        if gitinfo.rebasing(Path.cwd()):  # in a rebase, git's "ours" is the upstream side
            sides[1], sides[2] = sides[2], sides[1]
        ours.write_bytes(audit.merge_logs(*sides))
    except (OSError, audit.AuditError) as exc:
        click.echo(f"sanwu: 审计日志无法自动合并：{exc}", err=True)
        sys.exit(1)


@audit_group.command()
@click.pass_obj
def repair(project: Path) -> None:
    """修复带 git 冲突标记的审计日志：对方的修订在前，本地的修订重新接在后面。"""
    from . import audit, gitinfo, trail

    try:
        count = audit.repair(trail.audit_dir(project), gitinfo.rebasing(project))
    except audit.AuditError as exc:
        fail(exc)
    say(f"已合并审计日志：共 {count} 条修订。请运行 sanwu audit verify，然后 git add content/_audit 完成合并。")


@audit_group.command()
@click.option("--before", required=True, type=DateParam(), help="删除此日期之前、已被新版本取代的快照")
@click.pass_obj
def purge(project: Path, before: dt.date) -> None:
    """按保留期限删除旧快照（个人信息），审计链仍可核验。"""
    from . import audit, trail

    try:
        count = audit.purge(trail.audit_dir(project), before)
    except audit.AuditError as exc:
        fail(exc)
    say(f"已删除 {count} 份 {before.isoformat()} 之前的旧快照。")


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
    from . import review
    from .errors import SanwuError

    try:
        diffs = review.diff_revisions(project, rev_a, rev_b, audience)
    except SanwuError as exc:
        fail(exc)
    formatter = {"text": review.format_text, "markdown": review.format_markdown, "json": review.format_json}[fmt]
    click.echo(formatter(diffs))


@main.command()
@click.option("--bind", default="127.0.0.1", show_default=True, help="监听地址（0.0.0.0 让局域网内的手机也能看）")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口")
@click.option("--audience", type=click.Choice(["public", "party", "committee"]), default="public")
@click.option("--as-of", "as_of", type=DateParam(), help="按这一天预览")
@click.option("--pdf", is_flag=True, help="也生成 PDF（较慢）")
@click.pass_obj
def serve(project: Path, bind: str, port: int, audience: str, as_of: dt.date | None, pdf: bool) -> None:
    """在本机预览网站（含草稿，不记入审计），修改文件后自动刷新。"""
    from . import serve as preview_server

    preview = preview_server.Preview(project, audience, as_of, pdf)
    if not preview.rebuild(lambda text: click.echo(text, err=True)):
        sys.exit(1)
    try:
        server = preview_server.make_server(preview, port, bind)
    except OSError as exc:
        click.echo(f"错误: 无法使用 {bind}:{port}（{exc.strerror}），请换一个：sanwu serve --port {port + 1}", err=True)
        sys.exit(2)
    stop = threading.Event()
    watcher = threading.Thread(
        target=preview_server.watch, args=(preview, stop, lambda text: click.echo(text, err=True)), daemon=True
    )
    watcher.start()
    host, real_port = str(server.server_address[0]), server.server_address[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"预览地址：http://{shown}:{real_port}/  （含草稿，不记入审计；按 Ctrl+C 停止）")
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

    from . import scaffold
    from .records import TYPES

    schemas = {name: scaffold.json_schema(TYPES.types[name]) for name in TYPES.names()}
    if out_dir is None:
        click.echo(json.dumps(schemas, ensure_ascii=False, indent=2))
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, doc in schemas.items():
        (out_dir / f"{name}.schema.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8")
    say(f"已写入 {len(schemas)} 个 JSON Schema 到 {out_dir}")
