#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for the streamcast RNN/LSTM/GRU tests.

Usage (from the repository root):

    python src/test/python/make_pytorch_fixtures.py [--out src/test/resources/pytorch]

Every parameter, input and initial-state value written to the fixtures is
exactly representable as float32 (it is generated in float32).  All reference
outputs (trace states, head outputs, loss, gradients) are computed in float64
from those float32 values, so they are "exact" references for a float64
implementation.

Self-checks performed before anything is written:
  * for rnn / lstm / gru(reset_after) the torch.nn module (in float64) and the
    hand-written cell below agree to < 1e-12 on every traced state, every head
    output, the loss, every parameter gradient and the input gradient;
  * the step-by-step module run agrees with the whole-sequence module run;
  * the hand-written reset_before GRU has the same r and z gates as PyTorch's
    GRU, differs from reset_after whenever h != 0, and passes
    torch.autograd.gradcheck on the unit/small cases;
  * every exported input value is float32-representable, and each written file
    re-reads to exactly the same numbers.
"""

import argparse
import copy
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

TOL = 1e-12
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
SIZE_LIMIT = 60 * 1024
SCRIPT_NAME = "src/test/python/make_pytorch_fixtures.py"


# ----------------------------------------------------------------------------
# Hand-written cells (float64, pure torch ops -> autograd)
# ----------------------------------------------------------------------------

def cell_step(cell, variant, p, k, x, h, c):
    """One step of layer k. x: [B, in], h, c: [B, H]. Returns (h', c')."""
    w_ih, w_hh = p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"]
    b_ih, b_hh = p[f"bias_ih_l{k}"], p[f"bias_hh_l{k}"]
    if cell == "rnn":
        return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh), None
    if cell == "lstm":
        g = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        gi, gf, gg, go = g.chunk(4, dim=1)
        i, f, gg, o = torch.sigmoid(gi), torch.sigmoid(gf), torch.tanh(gg), torch.sigmoid(go)
        c2 = f * c + i * gg
        return o * torch.tanh(c2), c2
    if cell == "gru":
        H = h.shape[1]
        gi = x @ w_ih.T + b_ih
        xr, xz, xn = gi.chunk(3, dim=1)
        w_hr, w_hz, w_hn = w_hh[:H], w_hh[H:2 * H], w_hh[2 * H:]
        b_hr, b_hz, b_hn = b_hh[:H], b_hh[H:2 * H], b_hh[2 * H:]
        r = torch.sigmoid(xr + h @ w_hr.T + b_hr)
        z = torch.sigmoid(xz + h @ w_hz.T + b_hz)
        if variant == "reset_after":
            n = torch.tanh(xn + r * (h @ w_hn.T + b_hn))
        elif variant == "reset_before":
            n = torch.tanh(xn + (r * h) @ w_hn.T + b_hn)
        else:
            raise ValueError(variant)
        return (1 - z) * n + z * h, None
    raise ValueError(cell)


def hand_forward(cell, variant, p, L, x, h0=None, c0=None):
    """x: [B, T, in]. h0/c0: [L, B, H] or None (zeros).
    Returns (hs, cs, ys): hs[t][k] = [B, H] state of layer k after step t,
    ys[t] = head(top h after step t) = [B, O]."""
    B, T, _ = x.shape
    H = p["weight_hh_l0"].shape[1]
    zeros = torch.zeros(B, H, dtype=x.dtype)
    h = [h0[k] if h0 is not None else zeros for k in range(L)]
    c = [c0[k] if c0 is not None else zeros for k in range(L)] if cell == "lstm" else [None] * L
    hs, cs, ys = [], [], []
    for t in range(T):
        inp = x[:, t, :]
        for k in range(L):
            h[k], c[k] = cell_step(cell, variant, p, k, inp, h[k], c[k])
            inp = h[k]
        hs.append(list(h))
        cs.append(list(c))
        ys.append(inp @ p["head.weight"].T + p["head.bias"])
    return hs, cs, ys


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

def f32_uniform(shape, lo, hi, gen):
    """Uniform values generated in float32 (hence exactly representable)."""
    return (torch.rand(shape, dtype=torch.float32, generator=gen) * (hi - lo) + lo).to(torch.float32)


def assert_f32(name, t):
    a = t.detach().to(torch.float64).numpy()
    b = a.astype(np.float32).astype(np.float64)
    if not np.array_equal(a, b):
        raise AssertionError(f"{name} is not float32-representable")


def maxdiff(a, b):
    return (a.detach() - b.detach()).abs().max().item() if a.numel() else 0.0


def check_close(what, a, b, tol=TOL):
    d = maxdiff(a, b)
    if not d < tol:
        raise AssertionError(f"{what}: max diff {d} >= {tol}")
    return d


def tolist(t):
    return t.detach().to(torch.float64).tolist()


def make_module(cell, n_in, H, L):
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
    return cls(n_in, H, num_layers=L, batch_first=True)


def param_names(L):
    names = []
    for k in range(L):
        names += [f"weight_ih_l{k}", f"weight_hh_l{k}", f"bias_ih_l{k}", f"bias_hh_l{k}"]
    return names + ["head.weight", "head.bias"]


# ----------------------------------------------------------------------------
# Fixture builder
# ----------------------------------------------------------------------------

class Spec:
    def __init__(self, cell, L, n_in, H, O, variant=None, seed=0, with_h0=False,
                 T=8, B=3, Tg=5, unit_params=None, trace_x=None, grad=True, note="",
                 h0_vals=None, c0_vals=None, grad_x=None, grad_target=None):
        self.__dict__.update(locals())
        del self.__dict__["self"]

    @property
    def filename(self):
        v = f"_{self.variant}" if self.variant else ""
        return f"{self.cell}{v}_L{self.L}_in{self.n_in}_h{self.H}_o{self.O}.json"


def build(spec):
    cell, L, n_in, H, O, variant = spec.cell, spec.L, spec.n_in, spec.H, spec.O, spec.variant
    torch.manual_seed(spec.seed)
    # float32 parameters: PyTorch default init (or hand-picked unit values)
    rnn32 = make_module(cell, n_in, H, L)
    head32 = nn.Linear(H, O)
    if spec.unit_params is not None:
        with torch.no_grad():
            for name, val in spec.unit_params.items():
                tgt = head32 if name.startswith("head.") else rnn32
                getattr(tgt, name.split(".")[-1]).copy_(torch.tensor(val, dtype=torch.float32))
    for name, prm in rnn32.named_parameters():
        assert prm.dtype == torch.float32
    rnn = copy.deepcopy(rnn32).double()
    head = copy.deepcopy(head32).double()

    gen = torch.Generator().manual_seed(1000 + spec.seed)
    # ---------------- trace inputs (float32 values) ----------------
    if spec.trace_x is not None:
        x_tr = torch.tensor(spec.trace_x, dtype=torch.float32).reshape(spec.T, n_in)
    else:
        x_tr = f32_uniform((spec.T, n_in), -1.0, 1.0, gen)
    h0 = c0 = None
    if spec.with_h0:
        h0 = f32_uniform((L, H), -0.5, 0.5, gen)
        if cell == "lstm":
            c0 = f32_uniform((L, H), -0.5, 0.5, gen)
        if spec.h0_vals is not None:
            h0 = torch.tensor(spec.h0_vals, dtype=torch.float32).reshape(L, H)
        if spec.c0_vals is not None:
            c0 = torch.tensor(spec.c0_vals, dtype=torch.float32).reshape(L, H)
    # ---------------- grad inputs (float32 values) ----------------
    if spec.grad:
        xg = f32_uniform((spec.B, spec.Tg, n_in), -1.0, 1.0, gen)
        tg = f32_uniform((spec.B, O), -1.0, 1.0, gen)
        if spec.grad_x is not None:
            xg = torch.tensor(spec.grad_x, dtype=torch.float32).reshape(spec.B, spec.Tg, n_in)
        if spec.grad_target is not None:
            tg = torch.tensor(spec.grad_target, dtype=torch.float32).reshape(spec.B, O)

    exported = {n: p for n, p in rnn32.named_parameters()}
    exported["head.weight"], exported["head.bias"] = head32.weight, head32.bias
    for n, p in exported.items():
        assert_f32(n, p)
    assert_f32("trace.x", x_tr)
    if h0 is not None:
        assert_f32("h0", h0)
    if c0 is not None:
        assert_f32("c0", c0)

    D = torch.float64
    # parameter dict for the hand-written path (float64 leaf tensors)
    p = {n: t.detach().to(D).clone().requires_grad_(True) for n, t in exported.items()}
    checks = {}

    # ================= TRACE =================
    X = x_tr.to(D).unsqueeze(0)  # [1, T, in]
    H0 = h0.to(D).unsqueeze(1) if h0 is not None else None  # [L, 1, H]
    C0 = c0.to(D).unsqueeze(1) if c0 is not None else None
    with torch.no_grad():
        hs, cs, ys = hand_forward(cell, variant, p, L, X, H0, C0)
        if not (cell == "gru" and variant == "reset_before"):
            # module, step by step (gives every layer's state after every step)
            zero = torch.zeros(L, 1, H, dtype=D)
            st_h = H0 if H0 is not None else zero
            st_c = C0 if C0 is not None else zero
            dmax = 0.0
            for t in range(spec.T):
                xt = X[:, t:t + 1, :]
                if cell == "lstm":
                    out, (st_h, st_c) = rnn(xt, (st_h, st_c))
                    for k in range(L):
                        dmax = max(dmax, check_close(f"{spec.filename} trace c t{t} l{k}", cs[t][k], st_c[k]))
                else:
                    out, st_h = rnn(xt, st_h)
                for k in range(L):
                    dmax = max(dmax, check_close(f"{spec.filename} trace h t{t} l{k}", hs[t][k], st_h[k]))
                dmax = max(dmax, check_close(f"{spec.filename} trace y t{t}", ys[t], head(out[:, 0, :])))
            # module, whole sequence at once
            if cell == "lstm":
                out, (hn, cn) = rnn(X, (H0 if H0 is not None else zero, C0 if C0 is not None else zero))
                check_close(f"{spec.filename} seq cn", cn, torch.stack(cs[-1]))
            else:
                out, hn = rnn(X, H0) if H0 is not None else rnn(X)
            check_close(f"{spec.filename} seq hn", hn, torch.stack(hs[-1]))
            for t in range(spec.T):
                dmax = max(dmax, check_close(f"{spec.filename} seq out t{t}", out[:, t, :], hs[t][L - 1]))
            checks["trace_module_vs_hand_maxdiff"] = dmax
        else:
            # reset_before: r, z must be PyTorch's; n must differ from reset_after when h != 0
            st = H0 if H0 is not None else torch.zeros(L, 1, H, dtype=D)
            _, h_ra = rnn(X[:, :1, :], st)
            hb, _ = cell_step("gru", "reset_before", p, 0, X[:, 0, :], st[0], None)
            ha, _ = cell_step("gru", "reset_after", p, 0, X[:, 0, :], st[0], None)
            check_close(f"{spec.filename} hand reset_after vs module", ha, h_ra[0])
            if H0 is not None:
                assert maxdiff(ha, hb) > 1e-6, "reset_before indistinguishable from reset_after"
            # with h == 0 and the n-part of bias_hh zeroed both variants coincide
            # (with h == 0 they still differ by b_hn vs r*b_hn)
            p0 = dict(p)
            p0["bias_hh_l0"] = torch.cat([p["bias_hh_l0"][:2 * H], torch.zeros(H, dtype=D)])
            hb0, _ = cell_step("gru", "reset_before", p0, 0, X[:, 0, :], torch.zeros(1, H, dtype=D), None)
            ha0, _ = cell_step("gru", "reset_after", p0, 0, X[:, 0, :], torch.zeros(1, H, dtype=D), None)
            check_close(f"{spec.filename} h=0 variants", ha0, hb0, 1e-15)
            if L > 1 or spec.T > 1:
                assert maxdiff(torch.stack(hs[-1]), hn_ra_seq(rnn, X, H0)) > 1e-6, \
                    "reset_before trace identical to reset_after"

    trace = {"x": tolist(x_tr)}
    if h0 is not None:
        trace["h0"] = tolist(h0)
    if c0 is not None:
        trace["c0"] = tolist(c0)
    steps = []
    for t in range(spec.T):
        s = {"h": [tolist(hs[t][k][0]) for k in range(L)]}
        if cell == "lstm":
            s["c"] = [tolist(cs[t][k][0]) for k in range(L)]
        s["y"] = tolist(ys[t][0])
        steps.append(s)
    trace["steps"] = steps

    # ================= GRAD =================
    grad = None
    if spec.grad:
        XG = xg.to(D).clone().requires_grad_(True)
        TG = tg.to(D)
        _, _, ys_g = hand_forward(cell, variant, p, L, XG)
        loss = F.mse_loss(ys_g[-1], TG, reduction="mean")
        # explicit formula check
        check_close("mse formula", loss, ((ys_g[-1] - TG) ** 2).sum() / (spec.B * O), 1e-15)
        names = param_names(L)
        g_all = torch.autograd.grad(loss, [p[n] for n in names] + [XG])
        g_par = dict(zip(names, g_all[:-1]))
        g_x = g_all[-1]
        if not (cell == "gru" and variant == "reset_before"):
            XM = xg.to(D).clone().requires_grad_(True)
            rnn.zero_grad()
            head.zero_grad()
            out = rnn(XM)[0]
            loss_m = F.mse_loss(head(out[:, -1, :]), TG)
            loss_m.backward()
            check_close(f"{spec.filename} loss", loss, loss_m)
            dmax = 0.0
            mod_named = dict(rnn.named_parameters())
            mod_named["head.weight"], mod_named["head.bias"] = head.weight, head.bias
            for n in names:
                dmax = max(dmax, check_close(f"{spec.filename} grad {n}", g_par[n], mod_named[n].grad))
            dmax = max(dmax, check_close(f"{spec.filename} x_grad", g_x, XM.grad))
            checks["grad_module_vs_hand_maxdiff"] = dmax
        # finite-difference check of the hand-written path (cheap at these sizes)
        if sum(t.numel() for t in p.values()) <= 600:
            def fn(*args):
                pp = dict(zip(names, args[:-1]))
                yy = hand_forward(cell, variant, pp, L, args[-1])[2][-1]
                return F.mse_loss(yy, TG)
            ins = tuple(p[n].detach().clone().requires_grad_(True) for n in names) + \
                (xg.to(D).clone().requires_grad_(True),)
            assert torch.autograd.gradcheck(fn, ins, eps=1e-6, atol=1e-7, rtol=1e-5)
            checks["gradcheck"] = "passed"
        grad = {
            "x": tolist(xg),
            "target": tolist(tg),
            "loss": loss.item(),
            "params": {n: tolist(g_par[n]) for n in names},
            "x_grad": tolist(g_x),
        }
        assert_f32("grad.x", xg)
        assert_f32("grad.target", tg)

    model = {
        "cell": cell,
        "input_size": n_in,
        "hidden_size": H,
        "num_layers": L,
        "output_size": O,
    }
    if cell == "gru":
        model["gru_variant"] = variant
    model["params"] = {n: tolist(exported[n]) for n in param_names(L)}
    model["torch_version"] = torch.__version__
    model["note"] = (f"torch.manual_seed({spec.seed}); "
                     + ("hand-picked unit weights" if spec.unit_params is not None
                        else "PyTorch default init (float32)")
                     + (f"; {spec.note}" if spec.note else ""))

    doc = {
        "format": "streamcast-pytorch-fixture/1",
        "exported_by": SCRIPT_NAME,
        "torch_version": torch.__version__,
        "model": model,
        "trace": trace,
    }
    if grad is not None:
        doc["grad"] = grad
    doc["checks"] = checks
    return doc


def hn_ra_seq(rnn, X, H0):
    """Final hidden state of the PyTorch (reset_after) GRU for comparison."""
    return (rnn(X, H0) if H0 is not None else rnn(X))[1][:, :, :]


def reread_equal(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(reread_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(reread_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return isinstance(b, float) and (a == b) and math.copysign(1, a) == math.copysign(1, b)
    return a == b


# ----------------------------------------------------------------------------
# Independent re-check of a written file with plain numpy (what a consumer does)
# ----------------------------------------------------------------------------

def np_verify(doc):
    m = doc["model"]
    cell, L, H = m["cell"], m["num_layers"], m["hidden_size"]
    variant = m.get("gru_variant")
    P = {k: np.array(v, dtype=np.float64) for k, v in m["params"].items()}
    for k, v in P.items():
        assert np.array_equal(v, v.astype(np.float32).astype(np.float64)), k
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))

    def run(xs, h, c):
        ys = []
        states = []
        for xt in xs:
            inp = xt
            for k in range(L):
                wi, wh = P[f"weight_ih_l{k}"], P[f"weight_hh_l{k}"]
                bi, bh = P[f"bias_ih_l{k}"], P[f"bias_hh_l{k}"]
                if cell == "rnn":
                    h[k] = np.tanh(wi @ inp + bi + wh @ h[k] + bh)
                elif cell == "lstm":
                    g = wi @ inp + bi + wh @ h[k] + bh
                    i, f, gg, o = sig(g[:H]), sig(g[H:2*H]), np.tanh(g[2*H:3*H]), sig(g[3*H:])
                    c[k] = f * c[k] + i * gg
                    h[k] = o * np.tanh(c[k])
                else:
                    gi = wi @ inp + bi
                    r = sig(gi[:H] + wh[:H] @ h[k] + bh[:H])
                    z = sig(gi[H:2*H] + wh[H:2*H] @ h[k] + bh[H:2*H])
                    if variant == "reset_after":
                        n = np.tanh(gi[2*H:] + r * (wh[2*H:] @ h[k] + bh[2*H:]))
                    else:
                        n = np.tanh(gi[2*H:] + wh[2*H:] @ (r * h[k]) + bh[2*H:])
                    h[k] = (1 - z) * n + z * h[k]
                inp = h[k]
            ys.append(P["head.weight"] @ inp + P["head.bias"])
            states.append(([x.copy() for x in h], [x.copy() for x in c]))
        return ys, states

    tr = doc["trace"]
    h = [np.array(v) for v in tr["h0"]] if "h0" in tr else [np.zeros(H) for _ in range(L)]
    c = [np.array(v) for v in tr["c0"]] if "c0" in tr else [np.zeros(H) for _ in range(L)]
    ys, states = run(np.array(tr["x"]), h, c)
    worst = 0.0
    for t, st in enumerate(tr["steps"]):
        worst = max(worst, np.abs(ys[t] - np.array(st["y"])).max())
        worst = max(worst, np.abs(np.array(states[t][0]) - np.array(st["h"])).max())
        if cell == "lstm":
            worst = max(worst, np.abs(np.array(states[t][1]) - np.array(st["c"])).max())
    if "grad" in doc:
        g = doc["grad"]
        X, Y = np.array(g["x"]), np.array(g["target"])
        out = np.stack([run(X[b], [np.zeros(H) for _ in range(L)], [np.zeros(H) for _ in range(L)])[0][-1]
                        for b in range(X.shape[0])])
        worst = max(worst, abs(((out - Y) ** 2).mean() - g["loss"]))
    assert worst < 1e-12, f"numpy re-check failed: {worst}"
    return worst


# ----------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------

UNIT_X = [1.0, -0.5, 0.25, 2.0, 0.0, -1.5]
UNIT = dict(T=6, trace_x=UNIT_X, B=3, Tg=4,
            grad_x=[[1.0, 0.5, -0.25, 0.0], [-1.0, 2.0, 0.125, 0.75], [0.0, -0.5, -1.5, 1.0]],
            grad_target=[[0.5], [-0.25], [1.0]])


def unit_params(cell):
    if cell == "rnn":
        return {"weight_ih_l0": [[0.5]], "weight_hh_l0": [[-0.25]],
                "bias_ih_l0": [0.125], "bias_hh_l0": [-0.0625],
                "head.weight": [[0.75]], "head.bias": [0.25]}
    if cell == "lstm":  # gate rows i, f, g, o
        return {"weight_ih_l0": [[0.5], [-0.25], [0.75], [0.125]],
                "weight_hh_l0": [[0.25], [0.5], [-0.5], [-0.125]],
                "bias_ih_l0": [0.125, 0.5, -0.25, 0.0],
                "bias_hh_l0": [-0.0625, 0.25, 0.125, 0.375],
                "head.weight": [[1.5]], "head.bias": [-0.25]}
    if cell == "gru":  # gate rows r, z, n
        return {"weight_ih_l0": [[0.5], [-0.25], [0.75]],
                "weight_hh_l0": [[0.25], [0.5], [-1.5]],
                "bias_ih_l0": [0.125, -0.5, 0.25],
                "bias_hh_l0": [-0.0625, 0.25, 0.5],
                "head.weight": [[1.25]], "head.bias": [0.125]}
    raise ValueError(cell)


def cases():
    c = []
    # rnn
    c.append(Spec("rnn", 1, 2, 3, 1, seed=11))
    c.append(Spec("rnn", 2, 3, 4, 4, seed=12, with_h0=True))
    c.append(Spec("rnn", 3, 1, 5, 1, seed=13))
    # lstm
    c.append(Spec("lstm", 1, 3, 5, 4, seed=21, with_h0=True))
    c.append(Spec("lstm", 2, 2, 3, 1, seed=22))
    c.append(Spec("lstm", 3, 1, 4, 4, seed=23, with_h0=True))
    # gru, PyTorch semantics
    c.append(Spec("gru", 1, 1, 3, 4, "reset_after", seed=31))
    c.append(Spec("gru", 2, 2, 5, 1, "reset_after", seed=32, with_h0=True))
    c.append(Spec("gru", 3, 3, 4, 1, "reset_after", seed=33))
    # gru, Cho et al. / d2l semantics
    c.append(Spec("gru", 1, 2, 4, 4, "reset_before", seed=41, with_h0=True))
    c.append(Spec("gru", 2, 3, 3, 1, "reset_before", seed=42, with_h0=True))
    c.append(Spec("gru", 3, 1, 5, 4, "reset_before", seed=43))
    # unit cases: in 1, hidden 1, out 1, hand-friendly weights
    c.append(Spec("rnn", 1, 1, 1, 1, seed=0, unit_params=unit_params("rnn"), note="unit case", **UNIT))
    c.append(Spec("lstm", 1, 1, 1, 1, seed=0, unit_params=unit_params("lstm"), with_h0=True,
                  h0_vals=[0.5], c0_vals=[-0.25], note="unit case", **UNIT))
    c.append(Spec("gru", 1, 1, 1, 1, "reset_after", seed=0, unit_params=unit_params("gru"),
                  note="unit case", **UNIT))
    c.append(Spec("gru", 1, 1, 1, 1, "reset_before", seed=0, unit_params=unit_params("gru"), with_h0=True,
                  h0_vals=[0.5], note="unit case (same weights as the reset_after unit case)", **UNIT))
    # larger trace-only fixtures (PyTorch default init, seed 7)
    sine = (torch.sin(torch.arange(20, dtype=torch.float32) * 0.5)).tolist()  # float32 values
    c.append(Spec("lstm", 2, 1, 32, 12, seed=7, T=20, trace_x=sine, grad=False,
                  note="x[t] = float32(sin(0.5 t)); trace only, zero initial state"))
    c.append(Spec("gru", 2, 1, 32, 12, "reset_after", seed=7, T=20, trace_x=sine, grad=False,
                  note="x[t] = float32(sin(0.5 t)); trace only, zero initial state"))
    return c


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "resources", "pytorch")))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    oversize = []
    for spec in cases():
        doc = build(spec)
        path = os.path.join(args.out, spec.filename)
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
        with open(path, "w") as f:
            f.write(text)
            f.write("\n")
        with open(path) as f:
            back = json.load(f)
        assert reread_equal(doc, back), f"{path} does not re-read identically"
        np_worst = np_verify(back)
        size = os.path.getsize(path)
        if size >= SIZE_LIMIT:
            oversize.append((spec.filename, size))
        print(f"{spec.filename:40s} {size:7d} bytes  numpy-recheck {np_worst:.1e}  {doc['checks']}")
    if oversize:
        print("WARNING: files >= 60 KB:", oversize, file=sys.stderr)


if __name__ == "__main__":
    main()
