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
    """What the worker imports before the learner's file: meta.yaml `preload`, or by framework."""
    return tuple(exercise.meta.get("preload") or PRELOAD.get(exercise.framework, ("numpy",)))


def run_exercise(exercise: Exercise, learner_file: Path, seed: int, *, hidden: bool = True,
                 call_timeout: float = 5.0, display_file: str | None = None) -> ExerciseResult:
    """Grade one file. In a student release the recorded seed replaces `seed`."""
    if exercise.release_seed is not None:
        seed = exercise.release_seed
    return run_exercise_with(exercise, learner_file, seed, None, hidden=hidden,
                             call_timeout=call_timeout, display_file=display_file)


def run_exercise_with(exercise: Exercise, learner_file: Path, seed: int, ref: Any, *,
                      hidden: bool = True, call_timeout: float = 5.0,
                      display_file: str | None = None) -> ExerciseResult:
    """run_exercise with a given reference (None: the installed one)."""
    started = time.perf_counter()
    hidden_dirs = tuple(str(exercise.root / d) for d in ("solutions", "checks")
                        if (exercise.root / d).is_dir())
    worker = Worker(learner_file, exercise.name, WorkerOptions(
        preload=preload(exercise), call_timeout=call_timeout,
        limits=Limits(hide=hidden_dirs)))
    worker.start()  # its imports overlap ours: numpy and the checks' imports load only now
    from .fastrun import collect, run_checks
    from .learner import Learner

    try:
        learner = Learner(worker, display_file or f"exercises/{exercise.name}.py")
        checks = collect(exercise, hidden)
        results = run_checks(checks, learner,
                             ref if ref is not None else reference(exercise), seed)
        load = worker.load_status()
        output = worker.output()
        protections = worker.protections
    finally:
        worker.close()
    result = ExerciseResult(
        exercise=exercise.name, title=exercise.title, seed=seed,
        checks_version=exercise.checks_version(), checks=results,
        duration=time.perf_counter() - started, load=load, output=output,
        protections=protections, solution_available=exercise.solution is not None,
        hidden_not_run=0 if hidden and exercise.solution else exercise.hidden_count)
    return result


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
