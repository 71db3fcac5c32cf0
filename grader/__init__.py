"""dlgrade: auto-graded exercises and concept quizzes for deep-learning fundamentals."""

__version__ = "0.1.0"

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def one_blas_thread() -> None:
    """Grading works on tiny arrays: BLAS thread pools only cost start-up time. Takes effect for
    numpy loaded after the call (and for child processes)."""
    import os

    for var, value in ONE_THREAD.items():
        os.environ.setdefault(var, value)
