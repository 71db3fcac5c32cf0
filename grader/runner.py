"""Grade one exercise: start the learner's worker, run its checks, collect the scores."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

from .catalog import Exercise
from .results import ExerciseResult
from .worker.client import Worker, WorkerOptions
from .worker.sandbox import Limits

PRELOAD = {"numpy": ("numpy",), "torch": ("numpy", "torch"), "python": ()}


def preload(exercise: Exercise) -> tuple[str, ...]:
    """What a zygote imports before forking workers: meta.yaml `preload`, or by framework. (A
    worker started on its own needs none: the learner's file imports what it uses.)"""
    return tuple(exercise.meta.get("preload") or PRELOAD.get(exercise.framework, ("numpy",)))


def start_worker(name: str, learner_file: Path, call_timeout: float = 5.0,
                 root: Path | None = None) -> Worker:
    """Spawn the learner's worker from the name alone, before the grader reads any metadata:
    its start-up (Python, numpy, the learner's own imports) then overlaps all of ours."""
    from .catalog import content_root

    worker = Worker(learner_file, name, WorkerOptions(
        preload=(), call_timeout=call_timeout,
        limits=Limits(hide=private_dirs(root or content_root()))))
    worker.start()
    return worker


PRIVATE = ("solutions", "checks", "tests", ".git")  # tests/library holds correct alternatives,
# and .git every version of the solutions


def private_dirs(root: Path) -> tuple[str, ...]:
    """What learner code must not see: the reference solutions, the checks, and the folders
    that hold copies of them in a checkout of this repository."""
    return tuple(str(root / d) for d in PRIVATE if (root / d).is_dir())


def run_exercise(exercise: Exercise, learner_file: Path, seed: int, *, hidden: bool = True,
                 call_timeout: float = 5.0, display_file: str | None = None,
                 worker: Worker | None = None, only: tuple[str, ...] = ()) -> ExerciseResult:
    """Grade one file (only the checks named in `only`, if any), running the checks marked
    parallel on a copy of the worker. In a student release the recorded seed replaces `seed`."""
    if exercise.release_seed is not None:
        seed = exercise.release_seed
    # forking processes that hold torch is only safe on Linux (macOS aborts some such children)
    return run_exercise_with(exercise, learner_file, seed, None, hidden=hidden,
                             call_timeout=call_timeout, display_file=display_file, worker=worker,
                             only=only, parallel=sys.platform.startswith("linux"))


def run_exercise_with(exercise: Exercise, learner_file: Path, seed: int, ref: Any, *,
                      hidden: bool = True, call_timeout: float = 5.0,
                      display_file: str | None = None, worker: Worker | None = None,
                      only: tuple[str, ...] = (), parallel: bool = False) -> ExerciseResult:
    """run_exercise with a given reference (None: the installed one). Not parallel by default:
    a reference that records its calls (release.py) must see every call in this process."""
    started = time.perf_counter()
    if worker is None:
        worker = start_worker(exercise.name, learner_file, call_timeout, exercise.root)
    from .fastrun import collect  # numpy and the checks' imports load only now

    try:
        checks = collect(exercise, hidden)
        if only:
            checks = select(checks, only)
    except BaseException:
        worker.close()
        raise
    return grade_with_worker(exercise, worker, checks,
                             ref if ref is not None else reference(exercise), seed,
                             hidden=hidden, display_file=display_file, started=started,
                             parallel=parallel)


def grade_with_worker(exercise: Exercise, worker: Worker, checks: list, ref: Any, seed: int, *,
                      hidden: bool = True, display_file: str | None = None,
                      started: float | None = None, output_limit: int = 4000,
                      parallel: bool = False) -> ExerciseResult:
    """Run collected checks against a started worker, close it, and build the result (shared
    by `grade exercise` and batch grading)."""
    from .fastrun import run_checks
    from .learner import Learner

    started = time.perf_counter() if started is None else started
    try:
        learner = Learner(worker, display_file or f"exercises/{exercise.name}.py")
        results = run_checks(checks, learner, ref, seed, parallel)
        load = worker.load_status()
        output = worker.output(output_limit)
        protections = worker.protections
    finally:
        worker.close()
    return ExerciseResult(
        exercise=exercise.name, title=exercise.title, seed=seed,
        checks_version=exercise.checks_version(), checks=results,
        duration=time.perf_counter() - started, load=load, output=output,
        protections=protections, solution_available=exercise.solution is not None,
        hidden_not_run=0 if hidden and exercise.solution else exercise.hidden_count)


def select(checks: list, names: tuple[str, ...]) -> list:
    from .errors import UsageError

    unknown = set(names) - {c.name for c in checks}
    if unknown:
        raise UsageError(f"No check named {', '.join(sorted(unknown))}. Checks: "
                         f"{', '.join(c.name for c in checks)}.",
                         f"{', '.join(sorted(unknown))} 라는 검사는 없습니다. 검사 목록: "
                         f"{', '.join(c.name for c in checks)}.")
    return [c for c in checks if c.name in names]


def reference(exercise: Exercise) -> Any:
    """The reference solution, imported in this (trusted) process; in a student release, its
    recorded outputs (replay.py); None if neither is installed."""
    if exercise.solution is None:
        from .replay import FILE, ReplayRef

        return ReplayRef(exercise.checks_dir) if (exercise.checks_dir / FILE).is_file() else None
    spec = importlib.util.spec_from_file_location(f"reference_{exercise.name}", exercise.solution)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if "torch" in sys.modules:  # tiny tensors: more intra-op threads only add waiting
        sys.modules["torch"].set_num_threads(1)
    return module


# pytest's plugins that grading never uses: not loading them saves a third of its start-up
UNUSED_PLUGINS = ("terminal", "cacheprovider", "legacypath", "doctest", "junitxml", "pastebin",
                  "nose", "unittest", "stepwise", "faulthandler", "tmpdir", "debugging",
                  "setuponly", "setupplan", "logging", "warnings", "capture")


def pytest_args(files: list[Path], rootdir: Path) -> list[str]:
    """pytest, isolated from any project configuration, with only the plugins grading needs."""
    args = [str(p) for p in files] + [
        "-c", os.devnull, "--rootdir", str(rootdir), "--import-mode=importlib", "--assert=plain",
    ]
    for name in UNUSED_PLUGINS:
        args += ["-p", f"no:{name}"]
    return args
