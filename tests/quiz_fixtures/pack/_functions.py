"""Answer functions of the test pack (merged over the shipped ones)."""

from grader.quiz.functions import Registry

functions = Registry()


@functions.register
def doubled(x: int) -> int:
    return 2 * x
