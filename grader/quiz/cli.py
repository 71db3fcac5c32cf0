"""`grade quiz ...` (placeholder until the quiz engine lands)."""

import click


@click.group()
def quiz() -> None:
    """Concept quizzes."""
