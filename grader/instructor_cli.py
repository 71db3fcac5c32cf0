"""The instructor's commands: batch grading, student releases, platform exports.

Registered lazily by grader.cli (LazyGroup), so learners' commands never import them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .cli import LANG, friendly
from .errors import UsageError
from .i18n import resolve_lang

EXERCISES = click.option("--exercises", default=None, help="Comma-separated names (default: all).")

@click.command()
@click.argument("submissions", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Folder for grades.csv, feedback and the class report.")
@click.option("--jobs", type=int, default=2, show_default=True)
@EXERCISES
@click.option("--quiz", "quizzes", multiple=True, help="Also grade <topic>.answers.yaml files.")
@click.option("--seed", type=int, default=0, show_default=True, help="The assignment seed.")
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              default=None, help="CSV with a 'student' column (extra columns are copied).")
@click.option("--timeout", type=float, default=2.0, show_default=True,
              help="Seconds allowed for each call into a submission's code (the references "
                   "need milliseconds).")
@click.option("--format", "fmt", type=click.Choice(["files", "junit"]), default="files",
              help="junit: also print JUnit XML of every check to stdout.")
@LANG
@friendly
def batch(submissions: Path, out: Path, jobs: int, exercises: str | None, quizzes: tuple,
          seed: int, roster: Path | None, timeout: float, fmt: str, lang: str | None) -> None:
    """Grade a folder of submissions (one folder or zip per student)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from . import catalog
    from .batch import BatchConfig, run_batch
    from .classreport import write_outputs
    from .console import make_console

    names = exercises.split(",") if exercises else catalog.exercise_names()
    for name in names:
        catalog.load_exercise(name)  # unknown names fail here, before any work
    if out.resolve().is_relative_to(submissions.resolve()):
        raise UsageError("--out must not be inside the submissions folder.",
                         "--out 은 제출물 폴더 밖이어야 합니다.")
    config = BatchConfig(submissions.resolve(), out.resolve(), names, list(quizzes), seed,
                         max(1, jobs), timeout)
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=make_console(sys.stderr)) as bar:
        task = bar.add_task("grading", total=None)
        records = run_batch(config, lambda done, total: bar.update(task, completed=done,
                                                                   total=total))
    write_outputs(records, config.out, names, list(quizzes), _read_roster(roster))
    if fmt == "junit":
        from .exports import junit_xml
        from .results import ExerciseResult

        click.echo(junit_xml([(f"{r['student']}.", ExerciseResult.from_dict(e))
                              for r in records for e in r["exercises"]], resolve_lang(lang)))
    else:
        click.echo(f"{len(records)} submissions graded: {config.out / 'grades.csv'}, "
                   f"{config.out / 'report.html'}")


@click.command(name="student-seed")
@click.argument("students", nargs=-1, required=True)
@click.option("--seed", type=int, default=0, show_default=True, help="The assignment seed.")
def student_seed_cmd(students: tuple, seed: int) -> None:
    """Each student's seed in a batch: give it to them for `grade quiz TOPIC --template --seed`."""
    from .batch import student_seed

    for student in students:
        click.echo(f"{student}\t{student_seed(seed, student)}")


def _read_roster(path: Path | None) -> dict[str, dict]:
    import csv

    if path is None:
        return {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if rows and "student" not in rows[0]:
        raise UsageError(f"{path}: the roster needs a 'student' column.",
                         f"{path}: 명단에 'student' 열이 필요합니다.")
    return {row["student"]: row for row in rows}


def _exercise_list(names: str | None) -> list:
    from . import catalog

    return [catalog.load_exercise(n) for n in (names.split(",") if names else
                                               catalog.exercise_names())]


@click.command()
@click.argument("out", type=click.Path(path_type=Path))
@EXERCISES
@click.option("--quizzes", default=None, help="Comma-separated topics (default: all).")
@click.option("--homework", is_flag=True, help="Quizzes without answers (collected for grading).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the inputs whose reference outputs the public checks keep.")
@LANG
@friendly
def release(out: Path, exercises: str | None, quizzes: str | None, homework: bool, seed: int,
            lang: str | None) -> None:
    """Build a student package in OUT: stubs, public checks, hints, quizzes; no solutions."""
    from . import catalog
    from .release import build_release

    chosen = _exercise_list(exercises)
    build_release(catalog.content_root(), out, chosen,
                  quizzes.split(",") if quizzes else None, seed, homework)
    click.echo(f"Student release written to {out} ({len(chosen)} exercises). "
               f"Install it with: pip install {out}")


@click.group()
def export() -> None:
    """Export the grader to other platforms."""


@export.command("gradescope")
@click.argument("out_zip", type=click.Path(path_type=Path, dir_okay=False))
@EXERCISES
@friendly
def export_gradescope(out_zip: Path, exercises: str | None) -> None:
    """An autograder zip: setup.sh, run_autograder and the grader with hidden checks."""
    from . import catalog
    from .exports import gradescope_zip

    gradescope_zip(catalog.content_root(), out_zip, _exercise_list(exercises), __version__)
    click.echo(f"Gradescope autograder written to {out_zip}")


@export.command("github-classroom")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@EXERCISES
@friendly
def export_github(out_dir: Path, exercises: str | None) -> None:
    """A template repository with the stubs and an autograding workflow."""
    from . import catalog
    from .exports import github_classroom

    github_classroom(catalog.content_root(), out_dir, _exercise_list(exercises), __version__)
    click.echo(f"GitHub Classroom template written to {out_dir}")


@click.command(hidden=True)
@click.option("--root", type=click.Path(path_type=Path), default=Path("/autograder"))
@click.option("--exercises", required=True)
@click.option("--seed", type=int, default=0)
def autograde(root: Path, exercises: str, seed: int) -> None:
    """Gradescope's entry point: grade root/submission, write root/results/results.json."""
    import json

    from .runner import run_exercise
    from .submissions import Submission

    sub = Submission("submission", root / "submission", root / "submission")
    tests, score, top, notes = [], 0.0, 0.0, []
    for ex in _exercise_list(exercises):
        path = sub.find(f"{ex.name}.py")
        if path is None:
            notes.append(f"exercises/{ex.name}.py was not submitted.")
            top += ex.points
            continue
        data = run_exercise(ex, path, seed).gradescope()
        for test in data["tests"]:
            test["name"] = f"{ex.name}: {test['name']}"
        tests += data["tests"]
        score += data["score"]
        top += data["max_score"]
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(
        {"score": score, "max_score": top, "output": "\n".join(notes), "tests": tests},
        ensure_ascii=False, indent=1))
