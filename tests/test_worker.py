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
