"""Batch throughput: `grade batch --jobs 2` on N synthetic submissions, against a baseline of
grading a sample of them one by one with `grade exercise` in a loop, in the same run.

Each synthetic student submits every exercise: mostly correct files (references and the
alternative solutions of tests/library), some buggy ones (mutants) and some hostile ones
(tests/library/attacks). While the batch runs, /proc is sampled for the peak memory of each
worker process. Goals: >= 120 submissions per minute, >= 20x the loop,
<= 400 MiB per worker. Usage: python bench/bench_batch.py [--students 120] [--loop-sample 4]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / "tests" / "library"
ZYGOTE = b"grader.worker.zygote"


def exercises() -> list[str]:
    return sorted(p.parent.name for p in (REPO / "checks").glob("*/meta.yaml"))


def make_class(root: Path, students: int, hostile: float, seed: int = 0) -> Path:
    rng = random.Random(seed)
    subs = root / "subs"
    attacks = sorted((LIB / "attacks").glob("*.py"))
    for i in range(students):
        folder = subs / f"student{i:04d}" / "exercises"
        folder.mkdir(parents=True)
        for name in exercises():
            good = [REPO / "solutions" / f"{name}.py", *sorted((LIB / name).glob("alt_*.py"))]
            buggy = sorted((LIB / name).glob("mut_*.py"))
            roll = rng.random()
            pool = attacks if roll < hostile else good if roll < 0.6 or not buggy else buggy
            shutil.copy(rng.choice(pool), folder / f"{name}.py")
    return subs


class PeakMemory(threading.Thread):
    """Peak memory of the worker processes forked by the zygotes, sampled from /proc: the
    largest VmHWM (peak resident set, which counts pages still shared with the zygote) and the
    largest Pss (resident memory with shared pages divided among their sharers).

    A worker's VmHWM only grows, so one sample late in its life is enough; the zygotes are
    looked up once a second and their children read from /proc/PID/task/PID/children, so that
    the sampling itself takes little CPU away from the batch it measures."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.hwm_kib = self.pss_kib = 0
        self.stop = threading.Event()

    def run(self) -> None:
        zygotes, found_at = [], 0.0
        while not self.stop.is_set():
            if time.monotonic() - found_at > 1.0:
                zygotes, found_at = self._zygotes(), time.monotonic()
            for zygote in zygotes:
                try:
                    children = Path(f"/proc/{zygote}/task/{zygote}/children").read_text().split()
                except OSError:
                    continue
                for pid in children:
                    self._sample(pid)
            time.sleep(0.02)

    @staticmethod
    def _zygotes() -> list[str]:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if ZYGOTE in (proc / "cmdline").read_bytes():
                    found.append(proc.name)
            except OSError:
                continue
        return found

    def _sample(self, pid: str) -> None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            hwm = int(status.split("VmHWM:")[1].split()[0])
            pss = int(Path(f"/proc/{pid}/smaps_rollup").read_text().split("Pss:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            return
        self.hwm_kib = max(self.hwm_kib, hwm)
        self.pss_kib = max(self.pss_kib, pss)


def loop(subs: Path, workspace: Path, sample: int) -> float:
    """Seconds per submission to grade the first `sample` students with `grade exercise`, one
    exercise at a time: the baseline the batch is compared with."""
    start = time.perf_counter()
    for i in range(sample):
        for name in exercises():
            src = subs / f"student{i:04d}" / "exercises" / f"{name}.py"
            shutil.copy(src, workspace / "exercises" / f"{name}.py")
            subprocess.run([sys.executable, "-m", "grader", "exercise", name, "--seed", "0"],
                           cwd=workspace, capture_output=True)
    return (time.perf_counter() - start) / sample


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=120)
    parser.add_argument("--loop-sample", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hostile", type=float, default=0.08, help="share of hostile files")
    opts = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = make_class(tmp, opts.students, opts.hostile)
        subprocess.run([py, "-m", "grader", "init", str(tmp / "ws")], check=True,
                       capture_output=True)
        # the machine's speed drifts over minutes: the loop is timed right before and right
        # after the batch, and the two are averaged
        before = loop(subs, tmp / "ws", opts.loop_sample)
        sampler = PeakMemory()
        sampler.start()
        start = time.perf_counter()
        subprocess.run([py, "-m", "grader", "batch", str(subs), "--out", str(tmp / "out"),
                        "--jobs", str(opts.jobs)], check=True, capture_output=True)
        batch_s = time.perf_counter() - start
        sampler.stop.set()
        after = loop(subs, tmp / "ws", opts.loop_sample)
        loop_per_sub = (before + after) / 2
    per_minute = opts.students / batch_s * 60
    speedup = loop_per_sub / (batch_s / opts.students)
    print(f"exercises per submission: {len(exercises())} ({', '.join(exercises())}); "
          f"{opts.hostile:.0%} of the files hostile")
    print(f"batch: {opts.students} submissions in {batch_s:.1f} s with --jobs {opts.jobs} = "
          f"{per_minute:.0f} submissions/min (goal >= 120)")
    print(f"loop:  {loop_per_sub:.2f} s per submission with `grade exercise` ({before:.2f} s "
          f"before the batch, {after:.2f} s after, {opts.loop_sample} submissions each time); "
          f"batch is {speedup:.1f}x the loop's throughput (goal >= 20x)")
    print(f"peak memory of one worker process: VmHWM {sampler.hwm_kib / 1024:.0f} MiB "
          f"(shared pages counted in full), Pss {sampler.pss_kib / 1024:.0f} MiB (goal <= 400)")


if __name__ == "__main__":
    main()
