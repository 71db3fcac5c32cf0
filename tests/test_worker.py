"""Worker internals: the pickle-free codec and the trusted optimizers."""

from __future__ import annotations

import numpy as np
import pytest

from grader.worker import protocol


def test_codec_round_trip_keeps_shapes_dtypes_and_containers():
    value = {"a": (np.float64(2.5), np.zeros((2, 0, 3), np.float32), np.array(7)),
             "b": [1, 2.0, "x", None, True, np.arange(6).reshape(2, 3)[:, ::2]]}
    enc = protocol.Encoder()
    back = protocol.decode(enc.value(value), enc.blobs)
    a0, a1, a2 = back["a"]
    assert a0 == 2.5 and a1.shape == (2, 0, 3) and a1.dtype == np.float32
    assert a2.shape == () and a2.data == 7
    assert back["b"][:5] == [1, 2.0, "x", None, True]
    np.testing.assert_array_equal(back["b"][5].data, [[0, 2], [3, 5]])


def test_codec_describes_what_it_will_not_send():
    class Sneaky(tuple):
        def __eq__(self, other):
            return True

    enc = protocol.Encoder()
    back = protocol.decode(enc.value([Sneaky((1,)), np.array(["a"]), object()]), enc.blobs)
    assert all(isinstance(v, protocol.Opaque) for v in back)


def test_codec_rejects_inconsistent_arrays():
    header = {"__array__": 0, "dtype": "float64", "shape": [3], "kind": "numpy.ndarray"}
    with pytest.raises(protocol.DecodeError):
        protocol.decode(header, [b"\0" * 8])
    with pytest.raises(protocol.DecodeError):
        protocol.decode({**header, "dtype": "object"}, [b"\0" * 24])
    with pytest.raises(protocol.DecodeError):  # zero elements, but no such shape
        protocol.decode({**header, "shape": [-1, 0]}, [b""])
    with pytest.raises(protocol.DecodeError):  # one blob, many arrays: memory times many
        protocol.decode([header] * 1000, [b"\0" * 24])


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_trusted_optimizers_follow_torch_optim(name):
    torch = pytest.importorskip("torch")
    from grader.worker import optim

    torch.manual_seed(0)
    ours, theirs = torch.nn.Linear(4, 3).double(), torch.nn.Linear(4, 3).double()
    theirs.load_state_dict(ours.state_dict())
    opt_ours = getattr(optim, name)(ours.parameters(), 0.05)
    opt_theirs = getattr(torch.optim, name)(theirs.parameters(), lr=0.05)
    for _ in range(5):
        x = torch.randn(8, 4, dtype=torch.float64)
        for model, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            model(x).pow(2).sum().backward()
            opt.step()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ pipelined calls (Learner.each)
LEARNER = '''
import time
import numpy as np

def echo(x):
    return x

def fail_on(x, bad):
    if x == bad:
        raise ValueError(f"bad {x}")
    return x * 10

def slow_on(x, bad):
    while x == bad:
        time.sleep(0.01)
    return x

def outer(x):
    return fail_on(x, x)
'''


@pytest.fixture(params=["pipes", "stdio"])
def learner(request, tmp_path, monkeypatch):
    """A worker on each transport: POSIX pipes, and the stdio one Windows uses (stdio.py)."""
    from grader.learner import Learner
    from grader.worker import client
    from grader.worker.client import Worker, WorkerOptions

    monkeypatch.setattr(client, "STDIO", request.param == "stdio")
    path = tmp_path / "calls.py"
    path.write_text(LEARNER)
    worker = Worker(path, "calls", WorkerOptions(call_timeout=2.0))
    worker.start()
    yield Learner(worker, "exercises/calls.py")
    worker.close()


def test_each_gives_what_calls_one_by_one_give(learner):
    from grader.learner import Args

    xs = [np.full((2, 3), float(i)) for i in range(40)]
    got = list(learner.each("echo", [Args(x) for x in xs]))
    assert [g.data.tolist() for g in got] == [x.tolist() for x in xs]
    assert learner.echo(7) == 7


def test_each_keeps_requests_and_answers_larger_than_the_pipe_in_order(learner):
    from grader.learner import Args

    # 80 KB requests travel several at a time, 1.2 MB ones (over half the pipe) alone
    big = [np.full(10_000 if i % 3 else 150_000, float(i)) for i in range(45)]
    got = list(learner.each("echo", [Args(x) for x in big], timeout=10))
    assert [(float(g.data[0]), g.shape) for g in got] == [(float(i), x.shape)
                                                         for i, x in enumerate(big)]


def test_each_raises_at_the_failing_call_and_the_worker_stays_in_step(learner):
    from grader.learner import Args, LearnerError

    answers = learner.each("fail_on", [Args(i, 3) for i in range(8)])
    assert [next(answers) for _ in range(3)] == [0, 10, 20]
    with pytest.raises(LearnerError, match="bad 3"):
        next(answers)
    assert learner.fail_on(5, 3) == 50  # the unread answers of calls 4-7 were dropped


def test_a_failing_call_shows_the_learners_own_lines_only(learner):
    from grader.learner import LearnerError

    with pytest.raises(LearnerError) as raised:
        learner.outer(4)
    text = raised.value.text.en
    assert 'File "calls.py", line 19, in outer\n    return fail_on(x, x)' in text
    assert 'File "calls.py", line 10, in fail_on\n    raise ValueError(f"bad {x}")' in text
    assert "ValueError: bad 4" in text and "server.py" not in text


def test_each_abandoned_halfway_leaves_the_next_call_its_own_answer(learner):
    from grader.learner import Args

    answers = learner.each("echo", [Args(i) for i in range(20)])
    assert next(answers) == 0
    del answers
    assert learner.echo("next") == "next"


def test_each_times_out_per_call(learner):
    from grader.learner import Args, LearnerError

    answers = learner.each("slow_on", [Args(i, 2) for i in range(5)], timeout=0.5)
    assert [next(answers), next(answers)] == [0, 1]
    with pytest.raises(LearnerError, match="did not finish within 0.5 s"):
        next(answers)
    assert learner.echo(1) == 1  # a new worker answers


def test_each_resumed_after_a_newer_call_refuses_rather_than_misread(learner):
    from grader.learner import Args

    answers = learner.each("echo", [Args(i) for i in range(5)])
    assert next(answers) == 0
    assert learner.echo("other") == "other"  # drops the answers of 1-4
    with pytest.raises(RuntimeError, match="newer call"):
        next(answers)


def test_stdio_transport_keeps_the_learners_prints_out_of_the_messages(tmp_path, monkeypatch):
    from grader.learner import Learner
    from grader.worker import client
    from grader.worker.client import Worker, WorkerOptions

    monkeypatch.setattr(client, "STDIO", True)
    path = tmp_path / "noisy.py"
    path.write_text("import sys\nprint('at import')\n"
                    "def f(x):\n    print('x =', x)\n    sys.stdout.flush()\n"
                    "    sys.stderr.write('warn\\n')\n    return x + 1\n")
    worker = Worker(path, "noisy", WorkerOptions(call_timeout=2.0))
    worker.start()
    try:
        learner = Learner(worker, "exercises/noisy.py")
        assert [learner.f(i) for i in range(3)] == [1, 2, 3]
        printed = worker.output()
        assert "at import" in printed and "x = 2" in printed and "warn" in printed
    finally:
        worker.close()


@pytest.mark.parametrize("replacement", ["symlink", "fifo", "devzero"])
def test_the_output_file_is_read_through_the_graders_own_descriptor(tmp_path, replacement):
    """Learner code may replace output.txt in its folder; the grader still reads what it
    printed, never a symlink's target, and never blocks on a FIFO or reads /dev/zero."""
    from grader.worker.client import Worker, WorkerOptions

    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    make = {"symlink": f"os.symlink({str(secret)!r}, 'output.txt')",
            "fifo": "os.mkfifo('output.txt')",
            "devzero": "os.symlink('/dev/zero', 'output.txt')"}[replacement]
    path = tmp_path / "sneaky.py"
    path.write_text(f"import os\nprint('mine', flush=True)\nos.remove('output.txt')\n{make}\n"
                    "print('still mine', flush=True)\ndef f():\n    return 1\n")
    worker = Worker(path, "sneaky", WorkerOptions(call_timeout=2.0))
    worker.start()
    assert worker.load_status().get("ok")
    assert worker.output() == "mine\nstill mine\n"
    worker.close()


def test_control_characters_from_learner_code_are_written_out(tmp_path):
    """Terminal escapes in prints or exception messages cannot redraw the report, and NUL
    cannot break the JUnit XML."""
    from grader.learner import Learner, LearnerError
    from grader.worker.client import Worker, WorkerOptions

    path = tmp_path / "noisy.py"
    path.write_text("print('\\x1b[2J\\x1b[H20/20', flush=True)\n"
                    "def f():\n    raise ValueError('\\x1b[32mPASS\\x00')\n")
    worker = Worker(path, "noisy", WorkerOptions(call_timeout=2.0))
    worker.start()
    learner = Learner(worker, "exercises/noisy.py")
    with pytest.raises(LearnerError) as raised:
        learner.f()
    assert "\x1b" not in raised.value.text.en and "\\x1b[32mPASS\\x00" in raised.value.text.en
    assert worker.output() == "\\x1b[2J\\x1b[H20/20\n"
    worker.close()
