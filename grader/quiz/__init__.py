"""Concept quizzes: loading, validating, grading, interactive runs, review and export."""
