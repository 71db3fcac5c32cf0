"""Instructor features: student release, Gradescope and GitHub Classroom exports, JUnit, batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conftest import LIBRARY, REPO

GRADE = [sys.executable, "-m", "grader"]
CORRECT = REPO / "solutions" / "conv_shape.py"
WRONG = LIBRARY / "conv_shape" / "mut_padding_once.py"


def grade(*args, cwd: Path, env: dict | None = None, python: str = sys.executable,
          timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "grader", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "GRADE_LANG": "en", **(env or {})})


# ------------------------------------------------------------------ student release
@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "student"
    result = grade("release", str(out), "--exercises", "conv_shape", "--quizzes", "cnn",
                   cwd=out.parent)
    assert result.returncode == 0, result.stderr
    return out


def test_release_has_no_solution_or_hidden_check_anywhere(release: Path):
    assert not list(release.rglob("test_hidden.py"))
    assert [p.name for p in (release / "solutions").iterdir()] == ["__init__.py"]
    reference = CORRECT.read_text()
    hidden = (REPO / "checks" / "conv_shape" / "test_hidden.py").read_text()
    public = {line.strip() for f in (REPO / "exercises" / "conv_shape.py",
                                     REPO / "checks" / "conv_shape" / "test_public.py")
              for line in f.read_text().splitlines()}
    markers = [line.strip() for line in reference.splitlines() + hidden.splitlines()
               if len(line.strip()) > 30 and line.strip() not in public
               and not line.strip().startswith(("#", '"""'))]
    assert len(markers) > 10
    for path in release.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".yaml", ".json", ".md", ".toml"):
            text = path.read_text(encoding="utf-8")
            leaked = [m for m in markers if m in text]
            assert not leaked, f"{path} contains {leaked[:2]}"
    assert sorted(p.stem for p in (release / "quizzes").glob("[!_]*.yaml")) == ["cnn"]


@pytest.mark.slow
def test_release_installs_into_a_fresh_venv_and_grades(release: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "site-packages"
    # the release's dependencies come from this environment, the release itself is installed
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    py = str(venv / "bin" / "python")
    install = subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", str(release)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    probe = subprocess.run([py, "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert str(venv) in probe.stdout
    assert grade("init", "ws", cwd=tmp_path, python=py).returncode == 0
    ws = tmp_path / "ws"
    shutil.copy(CORRECT, ws / "exercises" / "conv_shape.py")
    good = grade("exercise", "conv_shape", cwd=ws, python=py)
    assert good.returncode == 0, good.stdout
    assert "more checks run when your instructor grades" in good.stdout
    assert "grade solution" not in good.stdout
    shutil.copy(WRONG, ws / "exercises" / "conv_shape.py")
    bad = grade("exercise", "conv_shape", cwd=ws, python=py)
    assert bad.returncode == 1 and "padding was counted once" in bad.stdout
    assert grade("solution", "conv_shape", cwd=ws, python=py).returncode == 2


# ------------------------------------------------------------------ exports
def test_junit_format_is_valid_xml(tmp_path: Path):
    assert grade("init", "ws", cwd=tmp_path).returncode == 0
    shutil.copy(WRONG, tmp_path / "ws" / "exercises" / "conv_shape.py")
    result = grade("exercise", "conv_shape", "--format", "junit", "--seed", "2",
                   cwd=tmp_path / "ws")
    root = ET.fromstring(result.stdout.split("?>", 1)[1])
    cases = root.findall(".//testcase")
    from grader.catalog import load_exercise
    from grader.fastrun import collect

    assert len(cases) == len(collect(load_exercise("conv_shape")))  # one per check
    failures = [c for c in cases if c.find("failure") is not None]
    assert 0 < len(failures) < len(cases)


@pytest.mark.slow
@pytest.mark.parametrize("source,expect_full", [(CORRECT, True), (WRONG, False)])
def test_gradescope_autograder_against_a_simulated_tree(tmp_path: Path, source, expect_full):
    bundle = tmp_path / "autograder.zip"
    assert grade("export", "gradescope", str(bundle), "--exercises", "conv_shape",
                 cwd=tmp_path).returncode == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        zf.extractall(root / "source")
    assert "setup.sh" in names and "run_autograder" in names
    assert "checks/conv_shape/test_hidden.py" in names
    (root / "submission").mkdir()
    shutil.copy(source, root / "submission" / "conv_shape.py")
    run = root / "source" / "run_autograder"
    run.chmod(0o755)
    proc = subprocess.run(["bash", str(run)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GRADE_AUTOGRADER_ROOT": str(root),
                               "PYTHON": sys.executable})
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["max_score"] == 20
    assert (results["score"] == 20) == expect_full
    visibility = {t["visibility"] for t in results["tests"]}
    assert visibility == {"visible", "after_published"}


def test_github_classroom_template(tmp_path: Path):
    out = tmp_path / "template"
    assert grade("export", "github-classroom", str(out), "--exercises", "conv_shape",
                 cwd=tmp_path).returncode == 0
    workflow = (out / ".github" / "workflows" / "classroom.yml").read_text()
    import yaml

    steps = yaml.safe_load(workflow)["jobs"]["grade"]["steps"]
    graders = [s for s in steps if "autograding-command-grader" in s.get("uses", "")]
    from grader.catalog import load_exercise
    from grader.fastrun import collect

    public = collect(load_exercise("conv_shape"), hidden=False)
    assert sum(g["with"]["max-score"] for g in graders) == \
        sum(c.meta["points"] for c in public) > 0  # conv_shape's public points
    assert all("--check test_" in g["with"]["command"] for g in graders)
    runners = yaml.safe_load(workflow)["jobs"]["grade"]["steps"][-1]["with"]["runners"]
    assert runners.split(",") == [g["id"] for g in graders]
    assert (out / "exercises" / "conv_shape.py").read_text() == \
        (REPO / "exercises" / "conv_shape.py").read_text()
    assert not list((out / ".grader").rglob("test_hidden.py"))
    assert [p.name for p in (out / ".grader" / "solutions").iterdir()] == ["__init__.py"]
    # each step pays only for a check that ran and passed: the stub earns nothing (its checks
    # that compare with the reference used to be skipped, 0/0, and exit 0), the reference all
    env = {"GRADE_CONTENT_ROOT": str(out / ".grader")}
    for chk in public:
        step = ("exercise", "conv_shape", "--check", chk.name, "--seed", "3")
        assert grade(*step, cwd=out, env=env).returncode == 1, chk.name
    shutil.copy(REPO / "solutions" / "conv_shape.py", out / "exercises" / "conv_shape.py")
    for chk in public:
        ran = grade("exercise", "conv_shape", "--check", chk.name, cwd=out, env=env)
        assert ran.returncode == 0 and "Not run here" not in ran.stdout, (chk.name, ran.stdout)


def test_homework_release_ships_no_answers(tmp_path: Path):
    import yaml

    out = tmp_path / "hw"
    result = grade("release", str(out), "--exercises", "conv_shape", "--quizzes", "cnn",
                   "--homework", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "register" not in (out / "quizzes" / "_functions.py").read_text()
    quiz = yaml.safe_load((out / "quizzes" / "cnn.yaml").read_text())
    assert quiz["homework"] is True
    answer_keys = {"answer", "accept", "answer_expr", "answer_fn", "explanation", "correct"}
    for question in quiz["questions"]:
        assert not answer_keys & set(question)
        assert all("correct" not in choice for choice in question.get("choices", []))
    check = grade("quiz", "check", str(out / "quizzes"), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.slow
def test_release_checks_of_seq2seq_run_without_the_reference(tmp_path: Path):
    """A release cannot replay reference objects, so seq2seq's public checks use a public oracle
    there: every library file must get, check by check, the verdict the reference gives, and no
    check may be skipped."""
    from grader.batch import WarmGrader
    from grader.catalog import load_exercise
    from grader.release import _record
    from grader.replay import ReplayRef

    _record(load_exercise("seq2seq"), tmp_path, seed=0)
    warm = WarmGrader(["seq2seq"], hidden=False)
    full = warm.refs["seq2seq"]
    files = [REPO / "solutions" / "seq2seq.py", *sorted((LIBRARY / "seq2seq").glob("*.py"))]
    try:
        for path in files:
            warm.refs["seq2seq"] = full
            expected = warm.grade("seq2seq", path, 0)
            warm.refs["seq2seq"] = ReplayRef(tmp_path)
            released = warm.grade("seq2seq", path, 0)
            assert not [c.id for c in released.checks if c.skipped], path.name
            assert [(c.id, c.passed) for c in released.checks] == \
                [(c.id, c.passed) for c in expected.checks], path.name
            assert released.score == expected.score
    finally:
        warm.close()
    assert expected.score < expected.max_score  # the last file is a mutant
