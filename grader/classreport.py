"""What a batch run writes: grades.csv, summary.json, per-student feedback, a class report."""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from pathlib import Path

from .report import render_text
from .results import ExerciseResult

BINS = 10


def write_outputs(records: list[dict], out: Path, exercises: list[str], quizzes: list[str],
                  roster: dict[str, dict] | None = None) -> None:
    """The class-level files (per-student feedback is written as each student is graded)."""
    _grades_csv(records, out / "grades.csv", exercises, quizzes, roster or {})
    stats = class_stats(records, exercises)
    (out / "summary.json").write_text(json.dumps(
        {"students": [{k: v for k, v in r.items() if k != "key"} for r in records],
         "class": stats}, ensure_ascii=False), encoding="utf-8")
    (out / "report.txt").write_text(report_text(stats), encoding="utf-8")
    (out / "report.html").write_text(report_html(stats), encoding="utf-8")


def _total(record: dict) -> tuple[float, float]:
    parts = [(e["score"], e["max_score"]) for e in record["exercises"]]
    parts += [(q.get("score", 0.0), q.get("max_score", 0.0)) for q in record["quizzes"]]
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def _grades_csv(records: list[dict], path: Path, exercises: list[str], quizzes: list[str],
                roster: dict[str, dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        extra = sorted({k for row in roster.values() for k in row} - {"student"})
        writer.writerow(["student", *extra, *exercises, *(f"quiz:{q}" for q in quizzes), "total",
                         "max_total", "problems"])
        for r in records:
            scores = {e["exercise"]: e["score"] for e in r["exercises"]}
            qscores = {q["topic"]: q.get("score", 0.0) for q in r["quizzes"]}
            total, top = _total(r)
            info = roster.get(r["student"].split("#")[0], {})
            writer.writerow([r["student"], *(info.get(k, "") for k in extra),
                             *(scores.get(n, 0.0) for n in exercises),
                             *(qscores.get(q, 0.0) for q in quizzes),
                             round(total, 3), round(top, 3), "; ".join(r["problems"])])


def write_feedback(record: dict, folder: Path) -> None:
    """One student's feedback: what `grade exercise` would print (text) and Gradescope JSON."""
    from rich.console import Console

    folder.mkdir(exist_ok=True)
    with open(folder / f"{record['student']}.txt", "w", encoding="utf-8") as f:
        # soft_wrap: a file needs no wrapping at a terminal's width, and rich renders twice as
        # fast without it (this runs once per student)
        console = Console(file=f, width=100, no_color=True, highlight=False, soft_wrap=True)
        for problem in record["problems"]:
            console.print(f"! {problem}", markup=False)
        for data in record["exercises"]:
            render_text(ExerciseResult.from_dict(data), console, "en")
            console.print()
        for q in record["quizzes"]:
            console.print(q.get("text", ""), markup=False)
    (folder / f"{record['student']}.json").write_text(json.dumps(
        {"student": record["student"], "seed": record["seed"], "problems": record["problems"],
         "exercises": [ExerciseResult.from_dict(d).gradescope() for d in record["exercises"]],
         "quizzes": record["quizzes"]}, ensure_ascii=False), encoding="utf-8")


def class_stats(records: list[dict], exercises: list[str]) -> dict:
    totals = [_total(r) for r in records]
    top = max((t[1] for t in totals), default=0.0) or 1.0
    histogram = [0] * BINS
    for score, _ in totals:
        histogram[min(int(score / top * BINS), BINS - 1)] += 1
    per_exercise = {}
    for name in exercises:
        failed: Counter = Counter()
        mistakes: Counter = Counter()
        scores = []
        for r in records:
            for e in r["exercises"]:
                if e["exercise"] != name:
                    continue
                scores.append(e["score"])
                for c in e["checks"]:
                    if not c["passed"]:
                        failed[c["title"]["en"]] += 1
                        for line in c["message"]["en"].splitlines():
                            if line.startswith("Likely mistake"):
                                mistakes[line.split(":", 1)[1].strip()] += 1
        per_exercise[name] = {"mean": sum(scores) / len(scores) if scores else 0.0,
                              "failed_checks": failed.most_common(5),
                              "mistakes": mistakes.most_common(5)}
    return {"students": len(records), "max_total": top, "histogram": histogram,
            "mean_total": sum(t[0] for t in totals) / len(totals) if totals else 0.0,
            "problems": sum(bool(r["problems"]) for r in records), "exercises": per_exercise}


def report_text(stats: dict) -> str:
    lines = [f"Students: {stats['students']}   mean total: {stats['mean_total']:.2f} / "
             f"{stats['max_total']:g}   with problems: {stats['problems']}", "",
             "Score distribution (share of the maximum):"]
    peak = max(stats["histogram"]) or 1
    for i, count in enumerate(stats["histogram"]):
        lines.append(f"  {i * 10:3d}-{i * 10 + 10:3d}% {'#' * round(count / peak * 40):<40} {count}")
    for name, ex in stats["exercises"].items():
        lines += ["", f"{name}: mean {ex['mean']:.2f}", "  most failed checks:"]
        lines += [f"    {n:4d}  {title}" for title, n in ex["failed_checks"]] or ["    none"]
        lines += ["  named misconceptions:"]
        lines += [f"    {n:4d}  {m}" for m, n in ex["mistakes"]] or ["    none"]
    return "\n".join(lines) + "\n"


def report_html(stats: dict) -> str:
    """A self-contained page: inline SVG charts, no scripts, nothing fetched."""
    peak = max(stats["histogram"]) or 1
    bars = "".join(
        f'<rect x="{40 + i * 52}" y="{200 - c / peak * 180:.1f}" width="44" '
        f'height="{c / peak * 180:.1f}" fill="#3b7dd8"><title>{c}</title></rect>'
        f'<text x="{62 + i * 52}" y="216" font-size="11" text-anchor="middle">{i * 10}%</text>'
        f'<text x="{62 + i * 52}" y="{195 - c / peak * 180:.1f}" font-size="11" '
        f'text-anchor="middle">{c}</text>'
        for i, c in enumerate(stats["histogram"]))
    sections = []
    for name, ex in stats["exercises"].items():
        rows = "".join(f"<tr><td>{n}</td><td>{html.escape(t)}</td></tr>"
                       for t, n in ex["failed_checks"]) or "<tr><td colspan=2>none</td></tr>"
        mrows = "".join(f"<tr><td>{n}</td><td>{html.escape(m)}</td></tr>"
                        for m, n in ex["mistakes"]) or "<tr><td colspan=2>none</td></tr>"
        sections.append(f"<section><h2>{html.escape(name)} (mean {ex['mean']:.2f})</h2>"
                        f"<h3>Most failed checks</h3><table>{rows}</table>"
                        f"<h3>Named misconceptions</h3><table>{mrows}</table></section>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
td{{border:1px solid #ccc;padding:.2em .6em}}</style></head><body>
<h1>Class report</h1>
<p id="summary">{stats['students']} students, mean total {stats['mean_total']:.2f} of
{stats['max_total']:g}; {stats['problems']} with problems.</p>
<h2>Score distribution</h2>
<svg id="histogram" width="580" height="230" role="img" aria-label="score histogram">{bars}</svg>
{''.join(sections)}
</body></html>
"""
