#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for the streamcast seq2seq model.

Usage (from the repository root):

    python3 src/test/python/make_seq2seq_fixtures.py [--out src/test/resources/pytorch]

The model (see src/test/resources/pytorch/README.md, "seq2seq"): an encoder
torch.nn.LSTM/GRU/RNN(bidirectional=...) over a window of W steps, a decoder of the
same cell (input 1, hidden D*H, same layers) whose layer k starts from the encoder's
final state of layer k with the two directions concatenated, [forward ; reverse], and
a head nn.Linear(D*H, 1) on the decoder's top h at each of the O horizon steps. The
decoder's step-0 input is `first`; at step j > 0 it is the target of step j-1 with
teacher forcing (training), or its own previous output when free-running (serving).
Tensor names are PyTorch's own: encoder.weight_ih_l0_reverse etc.

Parameters and inputs are drawn in float32 (so exactly float32); every reference value
is computed in float64 from them. Self-checks before a file is kept:
  * the torch.nn module agrees to < 1e-12 with a hand-written forward that runs
    make_pytorch_fixtures.cell_step per direction and step (teacher-forced outputs,
    free-running outputs, the loss, every gradient through autograd of either);
  * free-running outputs equal the teacher-forced outputs when the teacher is the
    free-running output itself;
  * each written file re-reads to exactly the same numbers.
Deterministic: running it again gives byte-identical files.
"""

import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_pytorch_fixtures import cell_step, check_close, f32_uniform, reread_equal, tolist  # noqa: E402

torch.set_num_threads(1)


class Seq2Seq(nn.Module):
    def __init__(self, cell, n_in, H, L, bidirectional):
        super().__init__()
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.cell, self.L, self.H = cell, L, H
        self.D = 2 if bidirectional else 1
        self.encoder = cls(n_in, H, num_layers=L, batch_first=True, bidirectional=bidirectional)
        self.decoder = cls(1, self.D * H, num_layers=L, batch_first=True)
        self.head = nn.Linear(self.D * H, 1)

    def joined(self, s):
        """[L*D, B, H] (PyTorch: layer-major, direction-minor) -> [L, B, D*H], [fwd ; rev]."""
        L, D, B, H = self.L, self.D, s.shape[1], self.H
        return s.view(L, D, B, H).permute(0, 2, 1, 3).reshape(L, B, D * H).contiguous()

    def initial_state(self, x):
        _, state = self.encoder(x)
        if self.cell == "lstm":
            return (self.joined(state[0]), self.joined(state[1]))
        return self.joined(state)

    def teacher_forced(self, x, first, target):
        dec_in = torch.cat([first[:, None], target[:, :-1]], dim=1)[:, :, None]  # [B, O, 1]
        out, _ = self.decoder(dec_in, self.initial_state(x))
        return self.head(out)[:, :, 0]

    def free_running(self, x, first, O):
        state = self.initial_state(x)
        inp = first[:, None, None]
        ys = []
        for _ in range(O):
            out, state = self.decoder(inp, state)
            y = self.head(out)  # [B, 1, 1]
            ys.append(y[:, 0, 0])
            inp = y
        return torch.stack(ys, dim=1)


def hand_forward(m, p, x, first, target, O):
    """The same model from cell_step alone; target None: free-running."""
    cell, L, H, D = m.cell, m.L, m.H, m.D
    B, W, _ = x.shape
    zeros = torch.zeros(B, H, dtype=x.dtype)
    seq = [x[:, t, :] for t in range(W)]
    h0, c0 = [], []
    for k in range(L):
        outs = [[None] * W for _ in range(D)]
        finals_h, finals_c = [], []
        for d in range(D):
            suffix = "_reverse" if d == 1 else ""
            unit = {n: p[f"encoder.{n}_l{k}{suffix}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            unit = {f"{n}_l0": v for n, v in unit.items()}
            h, c = zeros, zeros
            order = range(W) if d == 0 else range(W - 1, -1, -1)
            for t in order:
                h, c2 = cell_step(cell, "reset_after", unit, 0, seq[t], h, c)
                c = c2 if c2 is not None else c
                outs[d][t] = h
            finals_h.append(h)
            finals_c.append(c)
        seq = [torch.cat([outs[d][t] for d in range(D)], dim=1) for t in range(W)]
        h0.append(torch.cat(finals_h, dim=1))
        c0.append(torch.cat(finals_c, dim=1))
    dec = {n[len("decoder."):]: v for n, v in p.items() if n.startswith("decoder.")}
    h, c = list(h0), list(c0)
    inp = first[:, None]
    ys = []
    for j in range(O):
        below = inp
        for k in range(L):
            h[k], c2 = cell_step(cell, "reset_after", dec, k, below, h[k], c[k])
            c[k] = c2 if c2 is not None else c[k]
            below = h[k]
        y = below @ p["head.weight"].T + p["head.bias"]  # [B, 1]
        ys.append(y[:, 0])
        inp = target[:, j:j + 1] if target is not None else y
    return torch.stack(ys, dim=1)


class Spec:
    def __init__(self, cell, L, n_in, H, W, O, bidirectional, seed, B=3):
        self.__dict__.update(locals())
        del self.__dict__["self"]

    @property
    def filename(self):
        bi = "_bi" if self.bidirectional else ""
        return f"seq2seq_{self.cell}{bi}_L{self.L}_in{self.n_in}_h{self.H}_w{self.W}_o{self.O}.json"


def build(spec):
    torch.manual_seed(spec.seed)
    m = Seq2Seq(spec.cell, spec.n_in, spec.H, spec.L, spec.bidirectional)  # default init, float32
    gen = torch.Generator().manual_seed(spec.seed + 1000)
    x32 = f32_uniform((spec.B, spec.W, spec.n_in), -1.5, 1.5, gen)
    first32 = f32_uniform((spec.B,), -1.0, 1.0, gen)
    target32 = f32_uniform((spec.B, spec.O), -1.0, 1.0, gen)
    m64 = m.double()
    x = x32.double().requires_grad_(True)
    first, target = first32.double(), target32.double()
    names = [n for n, _ in m64.named_parameters()]
    params = dict(m64.named_parameters())

    y_tf = m64.teacher_forced(x, first, target)
    loss = F.mse_loss(y_tf, target, reduction="mean")
    grads = torch.autograd.grad(loss, [params[n] for n in names] + [x])
    with torch.no_grad():
        y_free = m64.free_running(x, first, spec.O)

    # self-checks: a hand-written forward from cell_step, and autograd through it
    x_h = x.detach().clone().requires_grad_(True)
    p_h = {n: v.detach().clone().requires_grad_(True) for n, v in params.items()}
    y_h = hand_forward(m64, p_h, x_h, first, target, spec.O)
    loss_h = F.mse_loss(y_h, target, reduction="mean")
    grads_h = torch.autograd.grad(loss_h, [p_h[n] for n in names] + [x_h])
    checks = {"teacher_forced_vs_hand": check_close("teacher-forced y", y_tf, y_h),
              "loss_vs_hand": abs(loss.item() - loss_h.item()),
              "grad_vs_hand": max(check_close(f"grad {n}", a, b) for n, a, b in
                                  zip(names + ["x"], grads, grads_h))}
    with torch.no_grad():
        free_h = hand_forward(m64, p_h, x, first, None, spec.O)
        checks["free_running_vs_hand"] = check_close("free-running y", y_free, free_h)
        again = m64.teacher_forced(x, first, y_free)
        checks["free_running_vs_self_teacher"] = check_close("free == teacher-forced on own outputs", y_free, again)
    assert checks["loss_vs_hand"] < 1e-12

    model = {"kind": "seq2seq", "encoder_window": spec.W, "bidirectional": spec.bidirectional,
             "cell": spec.cell, "input_size": spec.n_in, "hidden_size": spec.H,
             "num_layers": spec.L, "output_size": spec.O}
    if spec.cell == "gru":
        model["gru_variant"] = "reset_after"
    model["params"] = {n: tolist(params[n]) for n in names}
    model["torch_version"] = torch.__version__
    model["note"] = f"torch.manual_seed({spec.seed}), default init in float32"
    return {
        "format": "streamcast-pytorch-seq2seq-fixture/1",
        "exported_by": "src/test/python/make_seq2seq_fixtures.py",
        "torch_version": torch.__version__,
        "checks": checks,
        "model": model,
        "x": tolist(x32), "first": tolist(first32), "target": tolist(target32),
        "teacher_forced": {"y": tolist(y_tf), "loss": loss.item(),
                           "params": {n: tolist(g) for n, g in zip(names, grads[:-1])},
                           "x_grad": tolist(grads[-1])},
        "free_running": {"y": tolist(y_free)},
    }


def cases():
    return [
        Spec("lstm", 1, 2, 3, 5, 3, False, seed=11),
        Spec("lstm", 2, 2, 3, 5, 3, True, seed=12),
        Spec("gru", 1, 1, 4, 6, 4, True, seed=13),
        Spec("gru", 2, 3, 3, 4, 2, False, seed=14),
    ]


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "resources", "pytorch")))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for spec in cases():
        doc = build(spec)
        path = os.path.join(args.out, spec.filename)
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
        with open(path, "w") as f:
            f.write(text)
            f.write("\n")
        with open(path) as f:
            assert reread_equal(doc, json.load(f)), f"{path} does not re-read identically"
        print(f"{spec.filename:44s} {os.path.getsize(path):7d} bytes  {doc['checks']}")


if __name__ == "__main__":
    main()
