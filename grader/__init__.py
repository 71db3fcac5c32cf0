"""dlgrade: auto-graded exercises and concept quizzes for deep-learning fundamentals."""

__version__ = "0.1.0"
