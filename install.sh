#!/usr/bin/env bash
# Install dlgrade into ./.venv (CPU PyTorch first), then grade one exercise in a demo workspace.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# Pin the CPU build first: an unpinned torch from a dependency would pull a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[test]"
echo "Installed: $(.venv/bin/grade --version)"

# The main job: a learner workspace, graded. The untouched stub scores 0 (exit 1) by design.
rm -rf .demo-workspace
.venv/bin/grade init .demo-workspace
rc=0
(cd .demo-workspace && ../.venv/bin/grade exercise conv_shape --seed 1) || rc=$?
[ "$rc" -le 1 ] || { echo "grading failed with exit code $rc" >&2; exit "$rc"; }
echo "Done. Activate with: source .venv/bin/activate"
