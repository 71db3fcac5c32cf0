"""The `grade` command line: thin click commands over the engine."""

from __future__ import annotations

import functools
import secrets
import sys
from pathlib import Path

import click

from . import __version__, one_blas_thread
from .errors import UsageError
from .i18n import resolve_lang

one_blas_thread()  # before anything loads numpy

# Everything else is imported inside the commands: `grade exercise` starts the learner's worker
# first, and its start-up then overlaps the grader's own imports.

LANG = click.option("--lang", type=click.Choice(["ko", "en"]), default=None,
                    help="Language of the output (default: GRADE_LANG, then the locale).")
WORKSPACE = click.option("--workspace", "workspace_dir", type=click.Path(path_type=Path),
                         default=None, help="The workspace folder (default: found from here).")


def friendly(fn):
    """Turn UsageError into a clear message and exit code 2, never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UsageError as err:
            click.echo(err.text(resolve_lang(kwargs.get("lang"))), err=True)
            sys.exit(err.exit_code)
    return wrapper


class LazyGroup(click.Group):
    """Subcommands imported only when used, so `grade exercise` does not pay for the quiz code."""

    lazy = {"quiz": "grader.quiz.cli:quiz",
            **{name: f"grader.instructor_cli:{attr}" for name, attr in (
                ("batch", "batch"), ("release", "release"), ("export", "export"),
                ("student-seed", "student_seed_cmd"), ("autograde", "autograde"))}}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attr = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


def run() -> None:
    """The `grade` executable: main(), then exit without the interpreter's teardown, which
    with torch loaded takes about 0.4 s, longer than grading some exercises. Every command has
    closed its files by then; with other threads still running, Python exits as usual."""
    import os
    import threading

    try:
        main()
    except SystemExit as exc:
        if threading.active_count() > 1:
            raise
        code = exc.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Auto-graded deep-learning exercises and concept quizzes."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # a cp949 console must never crash us


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@LANG
@friendly
def init(directory: Path, lang: str | None) -> None:
    """Create a learner workspace with the exercise stubs in DIRECTORY."""
    from . import catalog
    from .workspace import init_workspace

    lang = resolve_lang(lang)
    stubs = {ex.name: ex.stub for ex in catalog.all_exercises()}
    created = init_workspace(directory, stubs, __version__)
    ko = lang == "ko"
    click.echo(("작업 공간을 만들었습니다: " if ko else "Workspace created: ") + str(directory))
    for path in created:
        click.echo(f"  {path}")
    first = next(iter(stubs), "conv_shape")
    click.echo((f"다음: cd {directory} 후 exercises/{first}.py 를 채우고 grade exercise {first}"
                if ko else
                f"Next: cd {directory}, fill in exercises/{first}.py, run grade exercise {first}"))


@main.command(name="list")
@WORKSPACE
@LANG
@friendly
def list_(workspace_dir: Path | None, lang: str | None) -> None:
    """Exercises with their points and your status."""
    from . import catalog, progress
    from .console import make_console
    from .workspace import require_workspace

    from rich.table import Table

    lang = resolve_lang(lang)
    ws = require_workspace(workspace_dir)
    best = progress.best_scores(ws.db_path)
    ko = lang == "ko"
    table = Table("name", "제목" if ko else "title", "점수" if ko else "points",
                  "상태" if ko else "status", "최고 점수" if ko else "best")
    for ex in catalog.all_exercises():
        score, top = best.get(ex.name, (None, ex.points))
        status = ("not started", "시작 전") if score is None else \
            ("done", "완료") if score >= top else ("partial", "진행 중")
        table.add_row(ex.name, ex.title.get(lang), f"{ex.points:g}", status[1] if ko else status[0],
                      "-" if score is None else f"{score:g}/{top:g}")
    make_console().print(table)


@main.command()
@click.argument("name")
@WORKSPACE
@click.option("--seed", type=int, default=None, help="Reproduce a run (default: a new seed).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text")
@click.option("--verbose", "-v", is_flag=True, help="Full messages and what your code printed.")
@click.option("--timeout", type=float, default=5.0, show_default=True,
              help="Seconds allowed for each call into your code.")
@click.option("--check", "only", multiple=True, help="Run only this check (repeatable).")
@LANG
@friendly
def exercise(name: str, workspace_dir: Path | None, seed: int | None, fmt: str, verbose: bool,
             timeout: float, only: tuple, lang: str | None) -> None:
    """Grade exercises/NAME.py, check by check."""
    from .runner import run_exercise, start_worker
    from .workspace import require_workspace

    lang = resolve_lang(lang)
    ws = require_workspace(workspace_dir)
    worker = start_worker(name, ws.exercise_file(name), timeout) if name.isidentifier() else None
    from . import catalog, progress

    try:
        ex = catalog.load_exercise(name)
    except UsageError:
        if worker is not None:
            worker.close()
        raise
    seed = secrets.randbelow(1_000_000) if seed is None else seed
    result = run_exercise(ex, ws.exercise_file(name), seed, call_timeout=timeout, worker=worker,
                          only=only)  # closes the worker whatever happens
    if not only:  # progress counts whole gradings only
        progress.record_attempt(ws.db_path, name, result.score, result.max_score,
                                result.checks_version, seed)
    from .console import make_console
    from .report import render_json, render_text

    if fmt == "json":
        click.echo(render_json(result, lang))
    elif fmt == "junit":
        from .exports import junit_xml

        click.echo(junit_xml([("", result)], lang))
    else:
        render_text(result, make_console(), lang, verbose)
    sys.exit(0 if result.full_marks else 1)


@main.command()
@click.argument("name")
@WORKSPACE
@LANG
@friendly
def hint(name: str, workspace_dir: Path | None, lang: str | None) -> None:
    """The next hint for NAME: concept, then formula, then a code skeleton."""
    from . import catalog, progress
    from .workspace import require_workspace

    lang = resolve_lang(lang)
    ex = catalog.load_exercise(name)
    ws = require_workspace(workspace_dir)
    hints = ex.hints
    if not hints:
        raise UsageError(f"{name} has no hints.", f"{name} 에는 힌트가 없습니다.")
    shown = min(progress.hints_shown(ws.db_path, name) + 1, len(hints))
    progress.set_hints_shown(ws.db_path, name, shown)
    ko = lang == "ko"
    click.echo((f"힌트 {shown}/{len(hints)}" if ko else f"Hint {shown}/{len(hints)}") + f" - {name}")
    click.echo(hints[shown - 1].get(lang))
    if shown == len(hints):
        click.echo("(마지막 힌트입니다)" if ko else "(that was the last hint)")


@main.command()
@click.argument("name")
@WORKSPACE
@LANG
@friendly
def solution(name: str, workspace_dir: Path | None, lang: str | None) -> None:
    """The reference solution, once your workspace has full marks on NAME."""
    from . import catalog, progress
    from .workspace import require_workspace

    lang = resolve_lang(lang)
    ex = catalog.load_exercise(name)
    ws = require_workspace(workspace_dir)
    ko = lang == "ko"
    if ex.solution is None:
        raise UsageError("The reference solutions are not part of this installation.",
                         "이 설치본에는 참고 답안이 들어 있지 않습니다.")
    score, top = progress.best_scores(ws.db_path).get(name, (0.0, ex.points))
    if score < top:
        click.echo(f"참고 답안은 만점을 받은 뒤에 볼 수 있습니다: {top - score:g}점 남았습니다 "
                   f"(최고 {score:g}/{top:g}). grade exercise {name}" if ko else
                   f"The reference unlocks at full marks: {top - score:g} points to go "
                   f"(best {score:g}/{top:g}). Run: grade exercise {name}")
        sys.exit(1)
    click.echo(ex.solution.read_text(encoding="utf-8"))


@main.command()
@click.argument("name")
@WORKSPACE
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@LANG
@friendly
def reset(name: str, workspace_dir: Path | None, yes: bool, lang: str | None) -> None:
    """Put the stub of NAME back (your file is backed up first)."""
    from . import catalog
    from .workspace import require_workspace, reset_exercise

    lang = resolve_lang(lang)
    ex = catalog.load_exercise(name)
    ws = require_workspace(workspace_dir)
    ko = lang == "ko"
    question = (f"exercises/{name}.py 를 스텁으로 되돌릴까요? (지금 파일은 백업됩니다)" if ko else
                f"Reset exercises/{name}.py to the stub? (your file is backed up first)")
    if not yes and not click.confirm(question, default=False):
        click.echo("취소했습니다." if ko else "Cancelled: nothing changed.")
        sys.exit(1)
    backup = reset_exercise(ws, name, ex.stub)
    click.echo((f"되돌렸습니다. 백업: {backup}" if ko else f"Reset. Backup: {backup}")
               if backup else ("되돌렸습니다." if ko else "Reset."))
