"""Moving grading to the platforms instructors use: JUnit XML, Gradescope, GitHub Classroom."""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from .catalog import Exercise
from .results import ExerciseResult
from .text import printable

PACKAGE_DIRS = ("grader", "exercises", "solutions", "checks", "quizzes")
PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "dlgrade"
version = "{version}"
requires-python = ">=3.11"
dependencies = ["numpy>=1.26", "torch>=2.2", "pytest>=8", "click>=8.1", "pyyaml>=6", "rich>=13",
                "fsrs>=5"]

[project.scripts]
grade = "grader.cli:main"

[tool.setuptools.packages.find]
include = ["grader*", "exercises", "solutions", "checks*", "quizzes"]

[tool.setuptools.package-data]
"*" = ["*.yaml", "*.md", "*.json", "*.npz"]
"""


def junit_xml(results: list[tuple[str, ExerciseResult]], lang: str = "en") -> str:
    """JUnit XML: one testsuite per (student or workspace, exercise), one testcase per check."""
    suites = ET.Element("testsuites")
    for owner, result in results:
        suite = ET.SubElement(suites, "testsuite", name=f"{owner}{result.exercise}",
                              tests=str(len(result.checks)),
                              failures=str(sum(not c.passed for c in result.checks)),
                              time=f"{result.duration:.3f}")
        for c in result.checks:
            case = ET.SubElement(suite, "testcase", classname=result.exercise, name=c.id,
                                 time="0")
            ET.SubElement(case, "properties").extend([
                ET.Element("property", name="points", value=f"{c.points:g}"),
                ET.Element("property", name="max_points", value=f"{c.max_points:g}")])
            if not c.passed:
                text = printable(c.message.get(lang))  # XML 1.0 allows no control codes
                failure = ET.SubElement(case, "failure", message=text.splitlines()[0] if text
                                        else "failed")
                failure.text = text
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def copy_package(root: Path, dest: Path, version: str, *, solutions: bool = True,
                 hidden: bool = True, exercises: list[str] | None = None) -> None:
    """A buildable copy of the package; optionally without solutions and hidden checks."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGE_DIRS:
        if name == "solutions" and not solutions:
            continue
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name, ignore=ignore)
    if not solutions:
        (dest / "solutions").mkdir(exist_ok=True)
        (dest / "solutions" / "__init__.py").write_text("")
    if exercises is not None:
        for folder in ("exercises", "solutions"):
            for path in (dest / folder).glob("*.py"):
                if path.stem not in exercises and path.name != "__init__.py":
                    path.unlink()
        for path in (dest / "checks").iterdir():
            if path.is_dir() and path.name not in exercises:
                shutil.rmtree(path)
    if not hidden:
        for path in (dest / "checks").glob("*/test_hidden.py"):
            path.unlink()
    (dest / "pyproject.toml").write_text(PYPROJECT.format(version=version))


RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade it, write /autograder/results/results.json.
set -u
cd "${GRADE_AUTOGRADER_ROOT:-/autograder}/source"
exec "${PYTHON:-python3}" -m grader autograde --root "${GRADE_AUTOGRADER_ROOT:-/autograder}" \\
    --exercises {exercises}
"""
SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the image.
set -euo pipefail
apt-get update && apt-get install -y python3 python3-pip python3-venv
python3 -m pip install --break-system-packages "torch==2.13.0" \\
    --index-url https://download.pytorch.org/whl/cpu
python3 -m pip install --break-system-packages /autograder/source
"""


def gradescope_zip(root: Path, out_zip: Path, exercises: list[Exercise], version: str) -> None:
    """setup.sh and run_autograder at the top, the package (with hidden checks) beside them."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        copy_package(root, stage, version, exercises=[e.name for e in exercises])
        names = ",".join(e.name for e in exercises)
        _script(stage / "run_autograder", RUN_AUTOGRADER.replace("{exercises}", names))
        _script(stage / "setup.sh", SETUP_SH)
        with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(stage).as_posix())
                    with open(path, "rb") as f:
                        zf.writestr(info, f.read(), zipfile.ZIP_DEFLATED)


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


WORKFLOW_HEAD = """name: Autograding
on: [push, workflow_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the grader
        run: |
          pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
          pip install ./.grader
"""
WORKFLOW_STEP = """      - name: {step}
        id: {step}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: {step}
          command: grade exercise {name} --check {check} --format text
          timeout: 5
          max-score: {points}
"""
WORKFLOW_TAIL = """      - name: Report
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}
        with:
          runners: {runners}
"""


def github_classroom(root: Path, out_dir: Path, exercises: list[Exercise], version: str) -> None:
    """A template repository: the stubs, a student copy of the grader, and the workflow.

    One workflow step per public check, worth that check's points: the command grader awards a
    step's points when its command exits 0, so partial credit is per check. Hidden checks are
    not in the template (`grade batch` or the Gradescope export runs them).
    """
    from .fastrun import collect

    names = [e.name for e in exercises]
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_package(root, out_dir / ".grader", version, solutions=False, hidden=False,
                 exercises=names)
    from .release import record_public_checks

    for ex in exercises:  # without it, checks that need the reference would be skipped: 0/0
        record_public_checks(ex, out_dir / ".grader" / "checks" / ex.name, seed=0)
    (out_dir / "exercises").mkdir(exist_ok=True)
    for ex in exercises:
        shutil.copyfile(ex.stub, out_dir / "exercises" / f"{ex.name}.py")
    (out_dir / ".grade").mkdir(exist_ok=True)
    (out_dir / ".grade" / "workspace.json").write_text('{"created_by": "grade"}\n')
    steps, ids = [], []
    for ex in exercises:
        for chk in collect(ex, hidden=False):
            step = f"{ex.name}-{chk.name.removeprefix('test_')}".replace("_", "-")
            ids.append(step)
            steps.append(WORKFLOW_STEP.format(step=step, name=ex.name, check=chk.name,
                                              points=f"{float(chk.meta['points']):g}"))
    env = "\n".join(f"          {s.upper().replace('-', '_')}_RESULTS: "
                    f"\"${{{{steps.{s}.outputs.result}}}}\"" for s in ids)
    workflow = WORKFLOW_HEAD + "".join(steps) + WORKFLOW_TAIL.format(env=env,
                                                                     runners=",".join(ids))
    (out_dir / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (out_dir / ".github" / "workflows" / "classroom.yml").write_text(workflow)
