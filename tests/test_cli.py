"""The `grade` CLI through a real subprocess: exit codes, JSON shape, seeds, files left alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LIBRARY, REPO

GRADE = [sys.executable, "-m", "grader"]


def run(*args: str, cwd: Path, stdin: str = "", env: dict | None = None,
        encoding: str = "utf-8") -> subprocess.CompletedProcess:
    full_env = {**os.environ, "GRADE_LANG": "en", **(env or {})}
    return subprocess.run([*GRADE, *args], cwd=cwd, input=stdin, capture_output=True,
                          encoding=encoding, env=full_env, timeout=120)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    result = run("init", "ws", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "ws"


def put(ws: Path, source: Path, name: str = "conv_shape") -> None:
    shutil.copy(source, ws / "exercises" / f"{name}.py")


def test_init_makes_a_workspace_and_refuses_to_overwrite(ws: Path):
    stub = ws / "exercises" / "conv_shape.py"
    assert stub.read_text() == (REPO / "exercises" / "conv_shape.py").read_text()
    assert (ws / "README.md").exists() and (ws / ".grade" / "workspace.json").exists()
    assert not (ws / "solutions").exists()
    stub.write_text("# my work\n")
    again = run("init", ".", cwd=ws)
    assert again.returncode == 2
    assert "Not overwriting" in again.stderr
    assert stub.read_text() == "# my work\n"


def test_stub_scores_zero_with_not_implemented(ws: Path):
    result = run("exercise", "conv_shape", "--seed", "4", cwd=ws / "exercises")
    assert result.returncode == 1
    assert "not implemented yet" in result.stdout
    assert "Score: 0/20" in result.stdout
    assert "grade hint conv_shape" in result.stdout
    # a message repeated right below says "above"; further down, it names the check
    assert "    (same reason as above)" in result.stdout
    assert "(same reason as in “conv2d_output_shape: square kernels, strides and padding”)" \
        in result.stdout


def test_json_is_shaped_like_gradescope_and_seed_reproduces(ws: Path):
    put(ws, LIBRARY / "conv_shape" / "mut_padding_once.py")
    first = run("exercise", "conv_shape", "--seed", "9", "--format", "json", cwd=ws)
    second = run("exercise", "conv_shape", "--seed", "9", "--format", "json", cwd=ws)
    assert first.returncode == 1
    data = json.loads(first.stdout)
    assert set(data) >= {"score", "max_score", "execution_time", "output", "tests"}
    assert 0 < data["score"] < data["max_score"] == 20
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("visible", "after_published")
    strip = lambda d: [(t["name"], t["score"], t["output"]) for t in d["tests"]]  # noqa: E731
    assert strip(json.loads(second.stdout)) == strip(data)
    assert "seed 9" in data["output"]


def test_full_marks_exit_zero_then_solution_unlocks(ws: Path):
    locked = run("solution", "conv_shape", cwd=ws)
    assert locked.returncode == 1 and "20 points to go" in locked.stdout
    put(ws, REPO / "solutions" / "conv_shape.py")
    result = run("exercise", "conv_shape", cwd=ws)
    assert result.returncode == 0, result.stdout
    assert "Score: 20/20" in result.stdout
    shown = run("solution", "conv_shape", cwd=ws)
    assert shown.returncode == 0 and "def conv2d_output_shape" in shown.stdout
    listing = run("list", cwd=ws)
    assert "done" in listing.stdout and "20/20" in listing.stdout


def test_usage_errors_exit_2_with_a_fix(ws: Path, tmp_path: Path):
    unknown = run("exercise", "conv_shap", cwd=ws)
    assert unknown.returncode == 2 and "Did you mean 'conv_shape'" in unknown.stderr
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    nows = run("exercise", "conv_shape", cwd=elsewhere)
    assert nows.returncode == 2 and "grade init" in nows.stderr


def test_syntax_error_names_file_and_line_and_changes_nothing(ws: Path):
    target = ws / "exercises" / "conv_shape.py"
    target.write_text("def conv2d_output_shape(:\n    pass\n")
    before = target.read_bytes()
    listing = sorted(p.name for p in (ws / "exercises").iterdir())
    result = run("exercise", "conv_shape", cwd=ws)
    assert result.returncode == 1
    assert "exercises/conv_shape.py, line 1: syntax error" in result.stdout
    assert target.read_bytes() == before
    assert sorted(p.name for p in (ws / "exercises").iterdir()) == listing  # no __pycache__


def test_missing_function_is_named(ws: Path):
    (ws / "exercises" / "conv_shape.py").write_text("def conv2d_param_count(a, b, k, bias=True):\n"
                                                    "    return 0\n")
    result = run("exercise", "conv_shape", cwd=ws)
    assert "conv2d_output_shape is not defined in exercises/conv_shape.py" in result.stdout


def test_hints_come_one_tier_at_a_time(ws: Path):
    outs = [run("hint", "conv_shape", cwd=ws).stdout for _ in range(4)]
    assert outs[0].startswith("Hint 1/3") and outs[1].startswith("Hint 2/3")
    assert outs[2].startswith("Hint 3/3") and "last hint" in outs[3]


def test_reset_confirms_and_keeps_a_backup(ws: Path):
    target = ws / "exercises" / "conv_shape.py"
    target.write_text("# precious\n")
    declined = run("reset", "conv_shape", cwd=ws, stdin="n\n")
    assert declined.returncode == 1 and target.read_text() == "# precious\n"
    done = run("reset", "conv_shape", "--yes", cwd=ws)
    assert done.returncode == 0
    assert target.read_text() == (REPO / "exercises" / "conv_shape.py").read_text()
    backups = list((ws / ".grade" / "backups").glob("conv_shape-*.py"))
    assert [b.read_text() for b in backups] == ["# precious\n"]


def test_korean_output_and_plain_markers_on_cp949(ws: Path):
    ko = run("exercise", "conv_shape", "--lang", "ko", cwd=ws)
    assert "점수: 0/20" in ko.stdout and "구현되지 않았습니다" in ko.stdout
    cp949 = run("exercise", "conv_shape", cwd=ws, env={"PYTHONIOENCODING": "cp949",
                                                        "GRADE_LANG": "ko"}, encoding="cp949")
    assert "[FAIL]" in cp949.stdout and "✗" not in cp949.stdout
    assert "Traceback" not in cp949.stderr


def test_check_option_runs_one_check(ws: Path):
    put(ws, LIBRARY / "conv_shape" / "mut_pool_stride_one.py")
    passing = run("exercise", "conv_shape", "--check", "test_conv_square", cwd=ws)
    assert passing.returncode == 0 and "Score: 3/3" in passing.stdout
    failing = run("exercise", "conv_shape", "--check", "test_pool_default_stride", cwd=ws)
    assert failing.returncode == 1 and "stride must default to kernel_size" in failing.stdout
    unknown = run("exercise", "conv_shape", "--check", "test_nope", cwd=ws)
    assert unknown.returncode == 2 and "No check named test_nope" in unknown.stderr
