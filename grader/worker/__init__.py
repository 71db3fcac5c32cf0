"""Learner code runs here, in a separate process; the grading process only ever sees plain data."""
