"""The `grade` command line."""

from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Auto-graded deep-learning exercises and concept quizzes."""


def _register_quiz() -> None:
    from .quiz.cli import quiz

    main.add_command(quiz)


_register_quiz()
