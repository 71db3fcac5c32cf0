"""Batch grading end to end: mixed and hostile submissions, originals untouched, resume, report."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import LIBRARY, REPO, failed, grade_file, orphans

CORRECT = REPO / "solutions" / "conv_shape.py"
MUTANT = LIBRARY / "conv_shape" / "mut_padding_once.py"
ATTACKS = sorted((LIBRARY / "attacks").glob("*.py"))


def _tree_hash(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _descendants_left(pid: int) -> list[int]:
    """Processes of a killed batch still running: its job processes, their zygotes and workers
    (still its descendants, or adopted by init once it died)."""
    parents: dict[int, int] = {}
    adopted_jobs = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == 1 and b"multiprocessing.spawn" in (proc / "cmdline").read_bytes():
                adopted_jobs.add(int(proc.name))
        except (OSError, ValueError):
            continue
        parents[int(proc.name)] = ppid
    left, frontier = [], {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier}
        left += frontier
    return left + sorted(adopted_jobs) + sorted(orphans())


def _make_class(root: Path) -> dict[str, str]:
    """20 submissions; returns the expected outcome per student."""
    subs = root / "subs"
    subs.mkdir()
    expected = {}

    def folder(name: str, source: Path | None, nested: bool = False) -> Path:
        target = subs / name / ("exercises" if nested else "")
        target.mkdir(parents=True, exist_ok=True)
        if source is not None:
            shutil.copy(source, target / "conv_shape.py")
        return subs / name

    for i in range(4):
        folder(f"correct{i}", CORRECT, nested=bool(i % 2))
        expected[f"correct{i}"] = "full"
    with zipfile.ZipFile(subs / "zipped.zip", "w") as zf:
        zf.write(CORRECT, "exercises/conv_shape.py")
        zf.writestr("notes.txt", "extra file")
    expected["zipped"] = "full"
    for i in range(3):
        folder(f"buggy{i}", MUTANT)
        expected[f"buggy{i}"] = "partial"
    for attack in ATTACKS[:8]:
        folder(f"hostile_{attack.stem}", attack)
        expected[f"hostile_{attack.stem}"] = "zero"
    (subs / "empty").mkdir()
    expected["empty"] = "zero"
    (subs / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    expected["corrupt"] = "zero"
    folder("wrongname", None)
    (subs / "wrongname" / "conv.py").write_text("x = 1\n")
    expected["wrongname"] = "zero"
    folder("dup", CORRECT)
    with zipfile.ZipFile(subs / "dup.zip", "w") as zf:
        zf.write(MUTANT, "conv_shape.py")
    expected["dup"] = "full"
    expected["dup#1"] = "partial"
    (subs / "cnn-quiz").mkdir()
    return expected


def _run(subs: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader", "batch", str(subs), "--out", str(out),
                             "--exercises", "conv_shape", "--jobs", "2", "--timeout", "2",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "GRADE_LANG": "en"})


@pytest.mark.slow
def test_batch_of_mixed_submissions(tmp_path: Path):
    expected = _make_class(tmp_path)
    subs, out = tmp_path / "subs", tmp_path / "out"
    before = _tree_hash(subs)
    orphans_before = orphans()
    proc = _run(subs, out)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-3000:]
    assert _tree_hash(subs) == before  # originals byte-identical
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(expected) | {"cnn-quiz"}
    for student, outcome in expected.items():
        score = float(rows[student]["conv_shape"])
        assert {"full": score == 20, "partial": 0 < score < 20, "zero": score == 0}[outcome], \
            (student, score)
    assert "duplicate student id" in rows["dup#1"]["problems"]
    assert "empty" in rows["empty"]["problems"]
    assert "could not read corrupt.zip" in rows["corrupt"]["problems"]
    assert (out / "feedback" / "buggy0.txt").read_text().count("padding was counted once") >= 1
    report = (out / "report.txt").read_text()
    assert "padding was counted once" in report and f"Students: {len(rows)}" in report
    time.sleep(0.5)
    assert orphans() <= orphans_before  # the escaping attack left nothing running


@pytest.mark.slow
def test_batch_resumes_after_a_kill(tmp_path: Path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(8):
        (subs / f"s{i}").mkdir()
        shutil.copy(CORRECT if i % 2 else MUTANT, subs / f"s{i}" / "conv_shape.py")
    out = tmp_path / "out"
    proc = _run(subs, out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10  # its job processes and zygotes die with it
    while time.monotonic() < deadline and _descendants_left(proc.pid):
        time.sleep(0.1)
    assert not _descendants_left(proc.pid)
    done = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert 2 <= len(done) < 8 or len(done) == 8
    graded = sorted(done)[0].removesuffix(".json")
    (out / "feedback" / f"{graded}.txt").unlink()  # lost: rewritten from the saved result
    again = _run(subs, out)
    again.communicate(timeout=600)
    assert again.returncode == 0
    after = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert len(after) == 8
    assert all(after[name] == mtime for name, mtime in done.items())  # not graded again
    with open(out / "grades.csv", newline="") as f:
        scores = {r["student"]: float(r["conv_shape"]) for r in csv.DictReader(f)}
    assert all((scores[f"s{i}"] == 20) == bool(i % 2) for i in range(8))
    for i in range(8):
        feedback = (out / "feedback" / f"s{i}.txt").read_text()
        assert f"Score: {scores[f's{i}']:g}/20" in feedback


@pytest.mark.slow
def test_batch_runs_the_same_checks_as_grade_exercise(tmp_path: Path):
    """The warm batch runner gives, check by check, what `grade exercise` gives."""
    from grader.batch import BatchConfig, _grade_student, _init_job

    sub = tmp_path / "s"
    sub.mkdir()
    shutil.copy(MUTANT, sub / "conv_shape.py")
    _init_job(BatchConfig(tmp_path, tmp_path / "out", ["conv_shape"]))
    record = _grade_student("s", str(sub), [])
    single = grade_file("conv_shape", MUTANT, seed=record["seed"], cold=True)
    batch_checks = {c["id"]: (c["passed"], c["message"]["en"])
                    for c in record["exercises"][0]["checks"]}
    assert batch_checks == {c.id: (c.passed, c.message.en) for c in single.checks}
    assert failed(single)


def test_numpy_workers_fork_from_a_zygote_without_torch(tmp_path: Path):
    """Forking from a torch-laden zygote costs ten times more: a numpy exercise's worker comes
    from a light zygote, unless the learner's file uses torch (then it finds torch loaded)."""
    from grader.batch import WarmGrader

    warm = WarmGrader(["lstm"])
    try:
        assert list(warm.zygotes) == [("numpy",)]
        plain = warm.grade("lstm", REPO / "solutions" / "lstm.py", 0)
        assert plain.score == plain.max_score and list(warm.zygotes) == [("numpy",)]
        uses_torch = tmp_path / "lstm.py"
        uses_torch.write_text((REPO / "solutions" / "lstm.py").read_text() + "\nimport torch\n")
        result = warm.grade("lstm", uses_torch, 0)
        assert result.score == result.max_score
        assert set(warm.zygotes) == {("numpy",), ("numpy", "torch")}
    finally:
        warm.close()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (apt-get install chromium)")
def test_html_report_renders_in_headless_chromium(tmp_path: Path):
    from grader.classreport import report_html

    stats = {"students": 3, "max_total": 20, "histogram": [1, 0, 0, 0, 0, 0, 0, 0, 1, 1],
             "mean_total": 12.0, "problems": 1,
             "exercises": {"conv_shape": {"mean": 12.0, "failed_checks": [("dilation", 2)],
                                          "mistakes": [("padding was counted once", 2)]}}}
    page = tmp_path / "report.html"
    page.write_text(report_html(stats))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([_chromium(), *flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    assert 'id="histogram"' in dom and dom.count("<rect") == 10
    assert "padding was counted once" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([_chromium(), *flags, f"--screenshot={shot}", "--window-size=900,700",
                    page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 5000


def test_a_submission_with_too_many_files_is_cut_short(tmp_path: Path):
    """200,000 empty files cost the batch minutes on every run: past MAX_FILES, the rest is
    skipped and the report says so; the exercise file that came first is still graded."""
    from grader.submissions import MAX_FILES, discover, materialize

    subs = tmp_path / "subs"
    subs.mkdir()
    with zipfile.ZipFile(subs / "many.zip", "w") as zf:
        zf.writestr("exercises/conv_shape.py", "x = 1\n")
        for i in range(MAX_FILES + 50):
            zf.writestr(f"junk/{i}.txt", "")
    folder = subs / "many2" / "junk"
    folder.mkdir(parents=True)
    for i in range(MAX_FILES + 50):
        (folder / f"{i}.txt").write_text("")
    for sub in discover(subs):
        materialize(sub, tmp_path / "work")
        assert any(f"more than {MAX_FILES}" in p for p in sub.problems), sub.problems
        assert sum(1 for _ in sub.folder.rglob("*")) <= MAX_FILES + 5
