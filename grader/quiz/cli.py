"""`grade quiz ...`: list, take (interactive or from an answer file), review, check, export.

`grade quiz TOPIC` is not a click subcommand of its own: any name that is not one of the fixed
subcommands is treated as a topic (QuizGroup.get_command), which is why topic files may not be
named list, review, check or export.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click
from rich import box
from rich.table import Table
from rich.text import Text

from grader.cli import friendly  # the shared UsageError -> message + exit 2 wrapper
from grader.console import make_console, markers
from grader.errors import UsageError
from grader.i18n import pick, resolve_lang
from grader.workspace import find_workspace, require_workspace

from .loader import open_pack, pack_quiz
from .model import RESERVED_TOPICS, Pack, Quiz
from .validate import errors, validate_paths, validate_quiz
from .yamlsrc import YamlSourceError

LANG_OPTION = click.option("--lang", type=click.Choice(["ko", "en"]), default=None,
                           help="Language of questions and messages (default: GRADE_LANG, then the locale).")


def _pack(ctx: click.Context) -> Pack:
    obj = ctx.find_object(dict) or {}
    root = obj.get("pack")
    if root is not None and not Path(root).is_dir():
        raise UsageError(f"Quiz pack folder {root} does not exist", f"퀴즈 팩 폴더 {root} 가 없습니다")
    return open_pack(Path(root) if root else None)


def _load_topic(pack: Pack, topic: str) -> Quiz:
    """A topic that exists, parses and validates; otherwise a UsageError saying why and where."""
    if topic not in pack.topic_files:
        options = pack.topics + list(RESERVED_TOPICS)
        close = difflib.get_close_matches(topic, options, n=1, cutoff=0.5)
        hint_en = f" Did you mean {close[0]!r}?" if close else ""
        hint_ko = f" 혹시 {close[0]!r} 인가요?" if close else ""
        listing = ", ".join(pack.topics) or "(none)"
        raise UsageError(f"Unknown quiz topic {topic!r}.{hint_en} Topics: {listing}",
                         f"알 수 없는 퀴즈 주제 {topic!r} 입니다.{hint_ko} 주제: {listing}")
    try:
        quiz = pack_quiz(pack, topic)
    except YamlSourceError as exc:
        where = f"{exc.file}:{exc.line}" if exc.line else str(exc.file)
        raise UsageError(f"{where}: {exc.message}", f"{where}: {exc.message}") from None
    bad = errors(validate_quiz(quiz, pack))
    if bad:
        shown = "\n".join(str(p) for p in bad[:20]) + ("\n..." if len(bad) > 20 else "")
        raise UsageError(f"The quiz file has errors (see: grade quiz check):\n{shown}",
                         f"퀴즈 파일에 오류가 있습니다 (grade quiz check 로 확인):\n{shown}")
    if not quiz.questions:
        raise UsageError(f"Quiz {topic!r} has no questions", f"{topic!r} 퀴즈에 문제가 없습니다")
    return quiz


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"Cannot write {output}: {exc.strerror}", f"{output} 에 쓸 수 없습니다: {exc.strerror}")


class QuizGroup(click.Group):
    """Subcommands plus `grade quiz TOPIC ...` for any other word."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or take_command

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[--pack DIR] (TOPIC [OPTIONS] | COMMAND [ARGS]...)")


@click.group(cls=QuizGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--pack", type=click.Path(file_okay=False, path_type=Path), envvar="GRADE_QUIZ_PACK",
              default=None, help="A quiz pack folder to use instead of the shipped quizzes (env GRADE_QUIZ_PACK).")
@click.pass_context
def quiz(ctx: click.Context, pack: Path | None) -> None:
    """Concept quizzes.

    \b
    grade quiz list                      topics, question counts, your best scores
    grade quiz TOPIC [--lang ko|en] [--count N] [--seed N]
                                         take a quiz in the terminal
    grade quiz TOPIC --template [--seed N] [-o FILE]
                                         write an empty answer file
    grade quiz TOPIC --answers FILE [--format text|json]
                                         grade an answer file (json: Gradescope results.json)
    (a homework quiz, `homework: true`, is not graded here: its answers are
     saved to TOPIC.answers.yaml for the instructor)
    grade quiz review                    spaced repetition (FSRS) of questions met so far
    grade quiz check [PATH]              validate quiz files
    grade quiz export TOPIC --to moodle-xml|gift [-o FILE]
    """
    ctx.ensure_object(dict)
    ctx.obj["pack"] = pack


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@LANG_OPTION
@click.option("--count", type=click.IntRange(min=1), default=None, help="Ask only N questions (a seeded subset).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed for the subset, the choice order and the parameters (default: random, shown).")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Grade this answer file instead of asking.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="With --answers: plain text, or JSON shaped like Gradescope's results.json.")
@click.option("--template", is_flag=True, help="Write an empty answer file (with --seed, parameters are recorded).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the template or the results here instead of standard output.")
@click.pass_context
@friendly
def take_command(ctx: click.Context, lang: str | None, count: int | None, seed: int | None,
                 answers_file: Path | None, fmt: str | None, template: bool, output: Path | None) -> None:
    """Take the quiz TOPIC, write its answer template, or grade an answer file."""
    from . import answers as answer_files
    from .session import new_seed, run_quiz

    lang = resolve_lang(lang)
    topic = ctx.info_name or ""
    if template and answers_file:
        raise UsageError("Use either --template or --answers, not both", "--template 과 --answers 는 함께 쓸 수 없습니다")
    if fmt and not answers_file:
        raise UsageError("--format only applies with --answers FILE", "--format 은 --answers FILE 과 함께 씁니다")
    pack = _pack(ctx)
    quiz_ = _load_topic(pack, topic)
    if quiz_.homework and answers_file is not None:
        raise UsageError(f"{topic} is a homework quiz: its answers are graded by your instructor. "
                         f"Submit your answer file ({topic}.answers.yaml) to them.",
                         f"{topic} 는 숙제 퀴즈입니다: 답은 강사가 채점합니다. "
                         f"답안 파일({topic}.answers.yaml)을 강사에게 제출하세요.")
    if quiz_.homework and count is not None:
        raise UsageError(f"{topic} is a homework quiz: every question is asked (no --count)",
                         f"{topic} 는 숙제 퀴즈입니다: 모든 문제를 풉니다 (--count 없이)")
    if template:
        text = answer_files.write_template(pack, quiz_, seed if seed is not None else new_seed(), count, lang)
        _write(text, output)
        return
    if answers_file is not None:
        if not answers_file.is_file():
            raise UsageError(f"Answer file {answers_file} does not exist", f"답안 파일 {answers_file} 가 없습니다")
        if count is not None or seed is not None:
            raise UsageError("With --answers, --count and --seed are read from the answer file",
                             "--count 와 --seed 는 답안 파일에서 읽습니다")
        results, elapsed = answer_files.grade_file(pack, quiz_, answers_file)
        if fmt == "json":
            text = json.dumps(answer_files.results_json(quiz_, results, elapsed, lang), ensure_ascii=False,
                              indent=2) + "\n"
        else:
            ok, bad = markers(sys.stdout) if output is None else ("✓", "✗")
            text = answer_files.results_text(quiz_, results, lang, ok, bad)
        _write(text, output)
        return
    if output is not None:
        raise UsageError("-o only applies with --template or --answers", "-o 는 --template 이나 --answers 와 함께 씁니다")
    if quiz_.homework:
        from .homework import run_homework

        ctx.exit(run_homework(pack, quiz_, lang, seed, find_workspace(), make_console()))
    code = run_quiz(pack, quiz_, lang, seed, count, find_workspace(), make_console())
    ctx.exit(code)


take_command.name = "TOPIC"


@quiz.command("list")
@LANG_OPTION
@click.pass_context
@friendly
def list_command(ctx: click.Context, lang: str | None) -> None:
    """Topics with their question counts and your best score."""
    from .store import QuizStore

    lang = resolve_lang(lang)
    pack = _pack(ctx)
    ws = find_workspace()
    best = QuizStore(ws.db_path).best_scores() if ws and ws.db_path.exists() else {}
    table = Table(box=box.SIMPLE_HEAD)
    for name in (("topic", "주제"), ("title", "제목"), ("questions", "문항"), ("best", "최고 점수")):
        table.add_column(pick({"en": name[0], "ko": name[1]}, lang))
    for topic in pack.topics:
        try:
            q = pack_quiz(pack, topic)
            title, count = pick(q.title, lang), str(len(q.questions))
            homework = q.homework
        except YamlSourceError:
            homework = False
            title, count = pick({"en": "(invalid file: run grade quiz check)",
                                 "ko": "(잘못된 파일: grade quiz check 실행)"}, lang), "-"
        score = best.get(topic)
        shown = f"{score[0]:.0%} ({score[1]})" if score else "-"
        if homework:  # answers go to the instructor: no score here
            shown = pick({"en": "homework", "ko": "숙제"}, lang)
        table.add_row(Text(topic), Text(title), count, shown)
    console = make_console()
    if not pack.topics:
        console.print(pick({"en": f"No quiz files in {pack.root}.", "ko": f"{pack.root} 에 퀴즈 파일이 없습니다."}, lang))
        return
    console.print(table)
    if ws is None:
        console.print(Text(pick({"en": "(best scores appear inside a grade workspace)",
                                 "ko": "(최고 점수는 grade 작업 공간 안에서 보입니다)"}, lang), style="dim"))


@quiz.command("review")
@LANG_OPTION
@click.option("--count", type=click.IntRange(min=1), default=20, show_default=True, help="At most N questions.")
@click.option("--ahead", is_flag=True, help="After the due questions, continue with ones not yet due.")
@click.option("--rate", is_flag=True, help="Rate each answer yourself (Again/Hard/Good/Easy) instead of by score.")
@click.pass_context
@friendly
def review_command(ctx: click.Context, lang: str | None, count: int, ahead: bool, rate: bool) -> None:
    """Spaced repetition over the questions you have met, due ones first (FSRS)."""
    from .session import run_review

    lang = resolve_lang(lang)
    ws = require_workspace()
    ctx.exit(run_review(_pack(ctx), lang, count, ahead, rate, ws, make_console()))


@quiz.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@LANG_OPTION
@click.pass_context
@friendly
def check_command(ctx: click.Context, path: Path | None, strict: bool, lang: str | None) -> None:
    """Validate quiz files (default: the pack in use). Exit 1 when there are errors."""
    lang = resolve_lang(lang)
    if path is not None and not path.exists():
        raise UsageError(f"{path} does not exist", f"{path} 가 없습니다")
    if path is None:
        obj = ctx.find_object(dict) or {}
        path = obj.get("pack")
    problems, n_files, n_questions = validate_paths(path)
    for p in problems:
        click.echo(str(p), err=p.severity == "error" or strict)
    n_err = len(errors(problems))
    n_warn = len(problems) - n_err
    failed = n_err or (strict and n_warn)
    summary = pick({
        "en": f"{n_files} file(s), {n_questions} question(s): {n_err} error(s), {n_warn} warning(s)",
        "ko": f"파일 {n_files}개, 문제 {n_questions}개: 오류 {n_err}개, 경고 {n_warn}개",
    }, lang)
    click.echo(summary)
    if n_files == 0:
        raise UsageError(f"No quiz files found in {path or 'the quiz pack'}",
                         f"{path or '퀴즈 팩'} 에 퀴즈 파일이 없습니다")
    ctx.exit(1 if failed else 0)


@quiz.command("export")
@click.argument("topic")
@click.option("--to", "fmt", type=click.Choice(["moodle-xml", "gift"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--lang", type=click.Choice(["ko", "en", "both"]), default="both", show_default=True,
              help="both: Moodle multilang spans with Korean and English.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed for the fixed samples of parametrized questions and for Moodle datasets.")
@click.option("--params", "mode", type=click.Choice(["calculated", "sample"]), default="calculated",
              show_default=True, help="moodle-xml: parametrized questions as Moodle calculated questions "
                                      "(when they use answer_expr) or as one fixed sample.")
@click.pass_context
@friendly
def export_command(ctx: click.Context, topic: str, fmt: str, output: Path | None, lang: str,
                   seed: int, mode: str) -> None:
    """Export TOPIC for import into an LMS (Moodle XML or GIFT)."""
    from .export import to_gift, to_moodle_xml

    pack = _pack(ctx)
    quiz_ = _load_topic(pack, topic)
    if quiz_.homework:
        raise UsageError(f"{topic} is a homework quiz without answers: there is nothing to export. "
                         f"Export from the full quiz pack (the instructor's copy).",
                         f"{topic} 는 정답이 없는 숙제 퀴즈라 내보낼 수 없습니다. "
                         f"정답이 있는 원래 퀴즈 팩(강사용)에서 내보내세요.")
    text = to_moodle_xml(pack, quiz_, lang, seed, mode) if fmt == "moodle-xml" else to_gift(pack, quiz_, lang, seed)
    _write(text, output)
