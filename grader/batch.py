"""Grade a folder of submissions: parallel warm workers, resumable, never touching originals.

Layout of OUT:
    work/<student>/              private copies that get graded
    results/<student>.json       one file per student, written as soon as it is graded (resume)
    feedback/<student>.{txt,json}  written as soon as the student is graded, while others run
    grades.csv, summary.json, report.html, report.txt   (classreport.write_outputs, at the end)
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sys
import zlib
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, one_blas_thread
from .catalog import load_exercise
from .classreport import write_feedback
from .results import CheckResult, ExerciseResult
from .submissions import Submission, content_hash, discover, materialize
from .text import Text


@dataclass
class BatchConfig:
    submissions: Path
    out: Path
    exercises: list[str]
    quizzes: list[str] = field(default_factory=list)
    seed: int = 0
    jobs: int = 2
    call_timeout: float = 2.0
    submission_timeout: float = 60.0
    hidden: bool = True


def student_seed(seed: int, student: str) -> int:
    """Each student gets their own inputs (and quiz parameters), reproducible from both."""
    return zlib.crc32(f"{seed}:{student}".encode()) % 1_000_000


# ------------------------------------------------------------------ job processes
class WarmGrader:
    """Everything that is the same for every submission, prepared once per process: collected
    checks, references, and zygotes with numpy (and torch) loaded to fork workers from.

    Forking from a process that holds torch costs about ten times more than from one that holds
    numpy alone (its page tables), so workers of numpy exercises come from a light zygote,
    unless the learner's file mentions torch."""

    def __init__(self, names: list[str], hidden: bool = True) -> None:
        from .fastrun import collect
        from .runner import preload, reference

        one_blas_thread()
        self.hidden = hidden
        self.exercises = {n: load_exercise(n) for n in names}
        preloads = {n: preload(ex) for n, ex in self.exercises.items()}
        every = tuple(dict.fromkeys(m for p in preloads.values() for m in p))
        light = tuple(m for m in every if m != "torch")
        # one light zygote for every exercise without torch, one heavy zygote with all
        self.tiers = {n: every if "torch" in p else light for n, p in preloads.items()}
        self.zygotes: dict[tuple[str, ...], Any] = {}
        for modules in dict.fromkeys(self.tiers.values()):
            self._zygote(modules)  # started now: their imports overlap collecting the checks
        self.checks = {n: collect(ex, hidden) for n, ex in self.exercises.items()}
        self.refs = {n: reference(ex) for n, ex in self.exercises.items()}
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        gc.freeze()  # what is loaded now stays: full collections need not walk it again

    def _zygote(self, modules: tuple[str, ...]) -> Any:
        """The zygote for these modules; None where workers are not forked (outside Linux:
        Windows cannot, and macOS aborts some children of processes that hold torch; or with
        the stdio transport): each worker then starts its own Python."""
        from .worker.stdio import STDIO
        from .worker.zygote import Zygote

        if STDIO or not sys.platform.startswith("linux"):
            return None
        if modules not in self.zygotes:
            self.zygotes[modules] = Zygote(modules)
        return self.zygotes[modules]

    def _zygote_for(self, name: str, path: Path) -> Any:
        modules = self.tiers[name]
        if "torch" not in modules and _mentions_torch(path):
            modules = tuple(dict.fromkeys((*modules, "numpy", "torch")))
        return self._zygote(modules)

    def grade(self, name: str, path: Path | None, seed: int, call_timeout: float = 2.0,
              total_timeout: float = 120.0, hide: tuple[str, ...] = ()) -> ExerciseResult:
        from .runner import grade_with_worker, private_dirs
        from .worker.client import Worker, WorkerOptions
        from .worker.sandbox import Limits

        ex, checks = self.exercises[name], self.checks[name]
        if path is None:
            text = Text(f"exercises/{ex.name}.py was not submitted.",
                        f"exercises/{ex.name}.py 가 제출되지 않았습니다.")
            return ExerciseResult(ex.name, ex.title, seed, ex.checks_version(), checks=[
                CheckResult(c.name, Text(c.meta["en"], c.meta["ko"]), 0.0,
                            float(c.meta["points"]), False, text, c.visibility)
                for c in checks])
        zygote = self._zygote_for(name, path)
        worker = Worker(path, ex.name, WorkerOptions(
            preload=() if zygote is None else zygote.preload, call_timeout=call_timeout,
            total_timeout=total_timeout,
            limits=Limits(hide=private_dirs(ex.root) + hide), zygote=zygote))
        worker.start()
        return grade_with_worker(ex, worker, checks, self.refs[name], seed, hidden=self.hidden,
                                 output_limit=2000)

    def close(self) -> None:
        for zygote in self.zygotes.values():
            zygote.close()


def _mentions_torch(path: Path) -> bool:
    try:
        return b"torch" in path.read_bytes()
    except OSError:
        return False


_JOB: dict[str, Any] = {}


def _init_job(config: BatchConfig) -> None:
    from .worker.sandbox import die_with_parent

    die_with_parent()
    _JOB.update(config=config, warm=WarmGrader(config.exercises, config.hidden))


def _grade_student(student: str, folder: str, problems: list[str]) -> dict:
    config: BatchConfig = _JOB["config"]
    sub = Submission(student, Path(folder), Path(folder), list(problems))
    seed = student_seed(config.seed, student)
    hide = tuple(str(p.resolve()) for p in (config.submissions, config.out) if p.is_dir())
    results = [_JOB["warm"].grade(name, sub.find(f"{name}.py"), seed, config.call_timeout,
                                  config.submission_timeout, hide).to_dict()
               for name in config.exercises]
    quizzes = [_grade_quiz(topic, sub, seed) for topic in config.quizzes]
    return {"student": student, "seed": seed, "exercises": results, "quizzes": quizzes,
            "problems": sub.problems}


def _grade_quiz(topic: str, sub: Submission, seed: int) -> dict:
    from .quiz.batch import grade_answers

    return grade_answers(topic, sub.find(f"{topic}.answers.yaml"), seed)


# ------------------------------------------------------------------ the run
def run_batch(config: BatchConfig, progress: Any = None) -> list[dict]:
    """Grade everything not graded already; return every student's record."""
    config.out.mkdir(parents=True, exist_ok=True)
    results_dir = config.out / "results"
    results_dir.mkdir(exist_ok=True)
    versions = {n: load_exercise(n).checks_version() for n in config.exercises}
    todo, records = [], {}
    subs = discover(config.submissions)
    for sub in subs:
        materialize(sub, config.out / "work")
        key = _key(sub, config, versions)
        cached = _load(results_dir / f"{sub.student}.json")
        if cached and cached.get("key") == key:
            records[sub.student] = cached
            if not (config.out / "feedback" / f"{sub.student}.txt").is_file():
                write_feedback(cached, config.out / "feedback")
        else:
            todo.append((sub, key))
    if progress:
        progress(len(subs) - len(todo), len(subs))
    if todo:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=config.jobs, mp_context=ctx,
                                 initializer=_init_job, initargs=(config,)) as pool:
            pending = {pool.submit(_grade_student, sub.student, str(sub.folder), sub.problems):
                       (sub, key) for sub, key in todo}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    sub, key = pending.pop(future)
                    record = _record_or_error(future, sub)
                    record["key"] = key
                    write_feedback(record, config.out / "feedback")
                    _save(results_dir / f"{sub.student}.json", record)  # last: marks it done
                    records[sub.student] = record
                    if progress:
                        progress(len(records), len(subs))
    return [records[s.student] for s in subs]


def _record_or_error(future: Any, sub: Submission) -> dict:
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - one student's disaster never stops the run
        return {"student": sub.student, "seed": None, "exercises": [], "quizzes": [],
                "problems": [*sub.problems, f"grading failed: {type(err).__name__}: {err}"]}


def _key(sub: Submission, config: BatchConfig, versions: dict) -> str:
    files = [sub.find(f"{n}.py") for n in config.exercises]
    files += [sub.find(f"{t}.answers.yaml") for t in config.quizzes]
    return content_hash(files) + json.dumps([__version__, versions, config.seed, config.quizzes,
                                             config.hidden, sorted(sub.problems)])


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _save(path: Path, record: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)  # atomic: a kill never leaves half a result behind
