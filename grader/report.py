"""Render an ExerciseResult for a terminal (text) or a machine (JSON)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

from .console import markers
from .results import ExerciseResult

MAX_LINES = 14  # a failure message longer than this is cut unless --verbose


def render_text(result: ExerciseResult, console: Console, lang: str, verbose: bool = False) -> None:
    ok_mark, bad_mark = markers(console.file)
    t = lambda en, ko: ko if lang == "ko" else en  # noqa: E731
    console.print(f"[bold]{result.exercise}[/] - {escape(result.title.get(lang))}")
    console.print(t(f"seed {result.seed}, checks {result.checks_version}",
                    f"시드 {result.seed}, 검사 버전 {result.checks_version}"), style="dim")
    seen: dict[str, str] = {}  # message -> title of the first check that failed with it
    last = ""
    for c in result.checks:
        if c.skipped:  # said once, in the footer
            continue
        mark = f"[green]{ok_mark}[/]" if c.passed else f"[red]{bad_mark}[/]"
        vis = t(" (hidden)", " (숨김)") if c.visibility == "hidden" else ""
        console.print(f"{mark} {_pts(c.points)}/{_pts(c.max_points)}  "
                      f"{escape(c.title.get(lang))}{vis}")
        message = c.message.get(lang).strip()
        if not c.passed and message:
            if message in seen and not verbose:
                first = seen[message]
                console.print("    " + (t("(same reason as above)", "(위와 같은 이유)")
                                         if message == last else
                                         t(f"(same reason as in “{first}”)",
                                           f"(“{first}” 와 같은 이유)")),
                              style="dim", markup=False)
                continue
            seen[message] = c.title.get(lang)
            last = message
            console.print(_indent(message, verbose), style="yellow", markup=False)
    _footer(result, console, lang, verbose)


def _footer(result: ExerciseResult, console: Console, lang: str, verbose: bool) -> None:
    t = lambda en, ko: ko if lang == "ko" else en  # noqa: E731
    console.print()
    console.print(t(f"Score: {_pts(result.score)}/{_pts(result.max_score)}",
                    f"점수: {_pts(result.score)}/{_pts(result.max_score)}"), style="bold")
    n = result.hidden_not_run + sum(c.skipped for c in result.checks)
    if n:
        console.print(t(f"{n} more checks run when your instructor grades.",
                        f"강사가 채점할 때 {n}개의 검사가 더 실행됩니다."))
    if result.full_marks and result.solution_available:
        console.print(t(f"All checks pass. Compare with the reference: grade solution "
                        f"{result.exercise}",
                        f"모든 검사를 통과했습니다. 참고 답안 보기: grade solution {result.exercise}"))
    elif result.full_marks:
        console.print(t("All checks pass.", "모든 검사를 통과했습니다."))
    else:
        console.print(t(f"Stuck? grade hint {result.exercise}   Reproduce this run: "
                        f"grade exercise {result.exercise} --seed {result.seed}",
                        f"막혔나요? grade hint {result.exercise}   같은 입력으로 다시: "
                        f"grade exercise {result.exercise} --seed {result.seed}"))
    if verbose and result.output.strip():
        console.print(t("Your code printed (last lines):", "코드가 출력한 내용 (마지막 부분):"),
                      style="dim")
        console.print(_indent(result.output, True), markup=False)


def _indent(text: str, verbose: bool) -> str:
    lines = text.splitlines()
    if not verbose and len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + ["... (--verbose shows all)"]
    return "\n".join("    " + line for line in lines)


def _pts(value: float) -> str:
    return f"{value:g}"


def render_json(result: ExerciseResult, lang: str) -> str:
    return json.dumps(result.gradescope(lang), ensure_ascii=False, indent=2)
