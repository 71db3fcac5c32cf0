"""Cold `grade exercise` time as a ratio to a baseline measured in the same run.

    numpy exercise  vs  `python -m pytest` on a file of trivial numpy tests   (goal <= 1.4x)
    torch exercise  vs  `python -c "import torch"`                          (goal <= 1.3x)

Each command runs in a fresh process (cold imports, warm disk cache), interleaved with its
baseline, and the medians are compared. The workspace holds the reference solutions, so every
check runs to completion. Usage: python bench/bench_grade.py [--runs 7] [--numpy-exercise attention]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIVIAL_TESTS = '''
import numpy as np

def test_sum():
    assert np.arange(10).sum() == 45

def test_matmul():
    a = np.ones((4, 4))
    assert np.allclose(a @ a, 4 * a)

def test_softmax():
    x = np.array([1.0, 2.0, 3.0])
    e = np.exp(x - x.max())
    assert np.isclose((e / e.sum()).sum(), 1.0)
'''


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return elapsed


def compare(label: str, cmd: list[str], baseline: list[str], cwd: Path, runs: int,
            goal: float) -> float:
    timed(cmd, cwd), timed(baseline, cwd)  # warm the disk cache
    ours, base = [], []
    for _ in range(runs):
        ours.append(timed(cmd, cwd))
        base.append(timed(baseline, cwd))
    ratio = statistics.median(ours) / statistics.median(base)
    verdict = "meets" if ratio <= goal else "MISSES"
    print(f"{label:<38} {statistics.median(ours):6.2f} s vs {statistics.median(base):6.2f} s"
          f"  ratio {ratio:4.2f}x  (goal <= {goal}x: {verdict})")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--numpy-exercise", default="attention")
    parser.add_argument("--torch-exercises", default="masked_attention,seq2seq")
    opts = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([py, "-m", "grader", "init", "ws"], cwd=tmp, check=True,
                       capture_output=True)
        ws = tmp / "ws"
        for solution in (REPO / "solutions").glob("[a-z]*.py"):
            shutil.copy(solution, ws / "exercises" / solution.name)
        (tmp / "test_trivial.py").write_text(TRIVIAL_TESTS)
        grade = [py, "-m", "grader", "exercise"]
        numpy_ex = opts.numpy_exercise
        compare(f"grade exercise {numpy_ex}", grade + [numpy_ex, "--seed", "1"],
                [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp / "test_trivial.py")],
                ws, opts.runs, 1.4)
        for torch_ex in filter(None, opts.torch_exercises.split(",")):
            compare(f"grade exercise {torch_ex}", grade + [torch_ex, "--seed", "1"],
                    [py, "-c", "import torch"], ws, opts.runs, 1.3)


if __name__ == "__main__":
    main()
