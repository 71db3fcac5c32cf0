"""The worker's limits, each tried by a hostile call; privilege drop where we run as root."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LIBRARY, REPO
from grader.learner import Learner, LearnerError
from grader.worker.client import Worker, WorkerOptions
from grader.worker.sandbox import GiB, Limits

PROBE = LIBRARY / "sandbox" / "probe.py"


@pytest.fixture
def probe():
    workers = []

    def make(**limits) -> Learner:
        hide = (str(REPO / "solutions"), str(REPO / "checks"))
        worker = Worker(PROBE, "probe", WorkerOptions(call_timeout=8,
                                                      limits=Limits(hide=hide, **limits)))
        worker.start()
        workers.append(worker)
        return Learner(worker, "probe.py")

    yield make
    for w in workers:
        w.close()


def test_six_gib_allocation_fails_inside_the_worker(probe):
    learner = probe()
    with pytest.raises(LearnerError) as err:
        learner.allocate(6)
    assert "MemoryError" in str(err.value)
    assert learner.allocate(0.01) > 0  # the worker survived it


def test_cpu_limit_ends_a_busy_loop(probe):
    learner = probe(cpu_seconds=1)
    with pytest.raises(LearnerError) as err:
        learner.busy()
    assert "SIGXCPU" in str(err.value) or "SIGKILL" in str(err.value)


def test_output_is_capped_not_buffered(probe):
    learner = probe()
    written, error = learner.shout(100)
    assert error in ("OSError", "") and written <= 65
    assert len(learner._worker.output(1 << 30)) <= 64 << 20


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                    reason="network namespaces need root here")
def test_no_network(probe):
    assert probe().connect() != "connected"


@pytest.mark.skipif(os.geteuid() != 0, reason="hiding folders needs a mount namespace (root)")
def test_solutions_and_checks_are_hidden(probe):
    learner = probe()
    assert learner.listdir(str(REPO / "solutions")) == []
    assert learner.listdir(str(REPO / "checks")) == []
    assert learner._worker.protections["solutions and checks hidden"]


def test_protections_are_reported(probe):
    learner = probe()
    report = learner._worker.protections
    assert report["resource limits"] is True
    if not report["unprivileged user"]:
        assert any("unprivileged user" in m for m in report["missing"])
    assert learner.limits()["RLIMIT_AS"] == 3 * GiB


# ------------------------------------------------------------------ privilege drop
def _system_python() -> str | None:
    """A Python that user nobody can run (the developer's may live under /root)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def reachable_venv(tmp_path_factory) -> Path:
    if os.geteuid() != 0:
        pytest.skip("dropping privileges needs root")
    base = _system_python()
    if base is None:
        pytest.skip("no system Python that an unprivileged user can run")
    venv = Path("/tmp") / f"grade-dropvenv-{os.getpid()}"
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    deps = subprocess.run(pip + ["numpy", "pytest", "click", "pyyaml", "rich"],
                          capture_output=True, text=True)
    if deps.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        pytest.skip(f"could not build a venv from {base}: {deps.stderr[-300:]}")
    subprocess.run(pip + ["--no-deps", "-e", str(REPO)], check=True, capture_output=True)
    yield venv
    shutil.rmtree(venv, ignore_errors=True)


DROP_SCRIPT = """
import json, sys
from grader.learner import Learner
from grader.worker.client import Worker, WorkerOptions
from grader.worker.sandbox import Limits
w = Worker(sys.argv[1], "probe", WorkerOptions(limits=Limits(hide=(sys.argv[2],))))
w.start()
L = Learner(w, "probe.py")
out = {"protections": w.protections, "whoami": L.whoami(), "spawn": L.spawn(200),
       "write_package": L.write(sys.argv[3]), "hidden": L.listdir(sys.argv[2])}
w.close()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_worker_drops_to_an_unprivileged_user_when_root(reachable_venv, tmp_path):
    import json

    import grader

    target = Path(grader.__file__).parent / "pwned.txt"
    proc = subprocess.run([str(reachable_venv / "bin" / "python"), "-c", DROP_SCRIPT,
                           str(PROBE), str(REPO / "solutions"), str(target)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["protections"]["unprivileged user"] is True
    assert out["whoami"][0] != 0
    started, error = out["spawn"]
    assert started < 200 and error  # the process limit stopped the fork storm
    assert out["write_package"] != "written" and not target.exists()
    assert out["hidden"] in ([], "PermissionError")


ESCAPE_CLEAN_ENV = """
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve("/bin/sleep", ["sleep", "{marker}"], {{}})  # no token in its environment
    os._exit(0)

def conv2d_output_shape(*a, **k):
    return (1, 1, 1)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreapers are Linux only")
@pytest.mark.parametrize("via", ["grade exercise", "a worker in this process"])
def test_an_orphan_with_an_empty_environment_does_not_outlive_grading(tmp_path, via):
    """Double fork, setsid and execve with no environment: the token sweep cannot see it, but
    the grading process is a subreaper and kills the children it did not start."""
    marker = f"{os.getpid() % 1000}.{len(via)}17"
    learner = tmp_path / "conv_shape.py"
    learner.write_text(ESCAPE_CLEAN_ENV.format(marker=marker))
    if via == "grade exercise":
        subprocess.run([sys.executable, "-m", "grader", "init", str(tmp_path / "ws")],
                       check=True, capture_output=True)
        shutil.copy(learner, tmp_path / "ws" / "exercises" / "conv_shape.py")
        subprocess.run([sys.executable, "-m", "grader", "exercise", "conv_shape", "--seed", "1"],
                       cwd=tmp_path / "ws", capture_output=True, timeout=120)
    else:
        worker = Worker(learner, "conv_shape", WorkerOptions(call_timeout=2.0))
        worker.start()
        assert worker.load_status().get("ok")
        worker.close()
    left = [p for p in Path("/proc").glob("[0-9]*")
            if _cmdline(p) == f"sleep {marker}"]
    for p in left:
        os.kill(int(p.name), 9)
    assert left == []


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


PEEK = """
import os

def peek():
    seen = lambda path: os.listdir(path) if os.path.isdir(path) else []
    return sorted(os.listdir("/tmp")), seen({tests!r}), seen({git!r})
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="private mounts need root")
def test_a_worker_sees_only_its_own_folder_in_tmp_and_no_copies_of_the_solutions(tmp_path):
    """Other workers' folders (another student's file, in batch) are out of reach, and so are
    tests/library (correct alternatives) and .git (every version of the solutions)."""
    from grader.runner import private_dirs

    root = tmp_path / "repo"
    for folder in ("tests", ".git", "solutions"):
        (root / folder).mkdir(parents=True)
        (root / folder / "secret.py").write_text("ANSWER = 42\n")
    path = tmp_path / "peek.py"
    path.write_text(PEEK.format(tests=str(root / "tests"), git=str(root / ".git")))
    other = Worker(path, "peek", WorkerOptions(call_timeout=5.0))  # its folder is in /tmp
    worker = Worker(path, "peek", WorkerOptions(call_timeout=5.0,
                                                limits=Limits(hide=private_dirs(root))))
    worker.start()
    in_tmp, tests, git = Learner(worker, "exercises/peek.py").peek()
    worker.close()
    other.close()
    assert tests == [] and git == []
    if worker.plan.private_tmp:
        assert len(in_tmp) == 1 and in_tmp[0].startswith("grade-worker-")
    else:  # Python lives in /tmp here: the report says the private /tmp is missing
        assert any("private /tmp" in m for m in worker.plan.missing)


WHOAMI = """
import os

def who(folder):
    return os.getuid(), sorted(os.listdir(folder))
"""


def test_python_under_a_private_home_still_lets_the_worker_drop_privileges(tmp_path):
    """Started as root with Python in a folder others cannot enter (a pyenv under /root): the
    worker's mount namespace shows only Python's entries there, and the worker runs as the
    unprivileged user instead of staying root."""
    from grader.worker import sandbox

    blocked = sandbox._unreachable()
    if os.geteuid() != 0 or blocked is None:
        pytest.skip("needs root and a Python under a folder other users cannot enter")
    reveal = dict(sandbox._revealable() or ())
    assert blocked in reveal, (blocked, reveal)
    path = tmp_path / "whoami.py"
    path.write_text(WHOAMI)
    (tmp_path / "x").mkdir()  # something to hide: the mount namespace is made for that
    worker = Worker(path, "whoami", WorkerOptions(call_timeout=5.0,
                                                  limits=Limits(hide=(str(tmp_path / "x"),))))
    worker.start()
    uid, seen = Learner(worker, "exercises/whoami.py").who(blocked)
    worker.close()
    assert uid != 0 and worker.protections["unprivileged user"]
    assert seen == sorted(Path(kid).name for kid in reveal[blocked])



def test_a_submission_that_links_to_the_reference_is_not_graded_as_the_reference(tmp_path):
    """exercises/NAME.py -> solutions/NAME.py: the grader could read the target, the learner
    not; it is graded as missing, not as the reference."""
    from grader.runner import private_dirs

    link = tmp_path / "conv_shape.py"
    link.symlink_to(REPO / "solutions" / "conv_shape.py")
    worker = Worker(link, "conv_shape", WorkerOptions(
        call_timeout=5.0, limits=Limits(hide=private_dirs(REPO))))
    worker.start()
    status = worker.load_status()
    worker.close()
    assert status.get("kind") == "missing_file", status
