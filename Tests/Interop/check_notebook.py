#!/usr/bin/env python3
"""The learner's notebook, end to end, run by .ci/run.

NumPy writes what a notebook writes — parameters with np.savez('p.npz', **params), X and Y as
.npy, its own gradients with np.savez('mine.npz', **grads) — and the checks run the binary on them:
  * `grads --compare` agrees with course-correct gradients (C1W3 names, and C1W4's dA{l} naming
    from an L-layer pass) and exits 0; it catches a factor m, a flipped sign, a transpose and a
    wrong-axis db, naming each, and exits 1;
  * `gradcheck --weights` on a course .npz and on a trained safetensors model, with the learner's
    X and Y;
  * real-valued labels (Y = randn(…)): grads and gradcheck compute with a warning, while train
    refuses the same labels with one Error: line and a non-zero exit (and writes no model);
  * the notebook's file habits each end in one Error: line with the advice: np.save of a dict,
    np.savez(f, params) positionally, a label vector of shape (m,);
  * `check` on course functions verbatim: C1W3 backward_propagation with one mistake (exit 1),
    C1W4 L_model_backward correct (exit 0), a file with an unevaluable line (exit 3, not "has
    mistakes"); C1W2's propagate with one mistake (exit 1) and correct (exit 0); C2W1's
    backward_propagation_with_dropout correct (exit 0) and with its mask missing (exit 1); a
    product that fits only transposed is wrong (exit 1, "transpose missing on"), one that no
    transpose fits could not be evaluated (exit 3).
Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_notebook.py PATH_TO_BACKPROP_BINARY
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402

BINARY = os.path.abspath(sys.argv[1])
TALLY = Tally()
check = TALLY.check
DERIVATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "BackpropTests", "Derivations")


def run(*args, cwd=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, cwd=cwd)


def one_error_line(r):
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith("Error: ")


def c1w3_gradients(p, X, Y):
    """The course's backward_propagation for 2-layer tanh -> sigmoid."""
    m = X.shape[1]
    A1 = np.tanh(p["W1"] @ X + p["b1"])
    A2 = 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"])))
    dZ2 = A2 - Y
    dZ1 = (p["W2"].T @ dZ2) * (1 - A1 ** 2)
    return {"dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m,
            "dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}


def c1w4_gradients(p, X, Y, L):
    """L_model_backward for [LINEAR->RELU]*(L-1) -> LINEAR->SIGMOID, with its dA{l} naming."""
    m = X.shape[1]
    A, caches = X, []
    for l in range(1, L + 1):
        Z = p[f"W{l}"] @ A + p[f"b{l}"]
        caches.append((A, Z))
        A = np.maximum(Z, 0) if l < L else 1 / (1 + np.exp(-Z))
    grads = {}
    dA = -(Y / A - (1 - Y) / (1 - A))
    for l in range(L, 0, -1):
        A_prev, Z = caches[l - 1]
        dZ = dA * A * (1 - A) if l == L else dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = p[f"W{l}"].T @ dZ
        grads[f"dA{l - 1}"] = dA
        if l > 1:
            A = np.maximum(caches[l - 2][1], 0)
    return grads


with tempfile.TemporaryDirectory() as tmp:
    path = lambda name: os.path.join(tmp, name)  # noqa: E731
    rng = np.random.default_rng(14)
    m = 13
    X = rng.standard_normal((2, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    params = {"W1": rng.standard_normal((4, 2)) * 0.5, "b1": rng.standard_normal((4, 1)) * 0.1,
              "W2": rng.standard_normal((1, 4)) * 0.5, "b2": rng.standard_normal((1, 1)) * 0.1}
    np.savez(path("params.npz"), **params)
    np.save(path("X.npy"), X)
    np.save(path("Y.npy"), Y)
    common = ["--weights", path("params.npz"), "--x", path("X.npy"), "--y", path("Y.npy")]

    # 1. grads --compare: a notebook's correct gradients agree.
    grads = c1w3_gradients(params, X, Y)
    np.savez(path("mine.npz"), **grads)
    r = run("grads", *common, "--compare", path("mine.npz"))
    check("grads --compare: course-correct C1W3 gradients agree (exit 0)",
          r.returncode == 0 and "All 4 gradients agree" in r.stdout, r.stdout + r.stderr)

    # 2. the classic mistakes, each caught and named.
    mistakes = [
        ("factor m", "dW1", grads["dW1"] * m, "off by a factor m: 1/m missing"),
        ("sign", "dW2", -grads["dW2"], "sign flipped"),
        ("transpose", "dW1", grads["dW1"].T, "transposed"),
        ("wrong axis", "db1", np.sum((params["W2"].T @ (1 / (1 + np.exp(-(params["W2"] @ np.tanh(params["W1"] @ X + params["b1"]) + params["b2"]))) - Y))
                                       * (1 - np.tanh(params["W1"] @ X + params["b1"]) ** 2), axis=0, keepdims=True) / m,
         "summed over the wrong axis"),
    ]
    for label, name, value, phrase in mistakes:
        wrong = dict(grads)
        wrong[name] = value
        np.savez(path("wrong.npz"), **wrong)
        r = run("grads", *common, "--compare", path("wrong.npz"))
        check(f"grads --compare catches {label} in {name} (exit 1, '{phrase}')",
              r.returncode == 1 and f"{name}: " in r.stdout and phrase in r.stdout and "DIFFERS" in r.stdout,
              r.stdout + r.stderr)
    wrong = dict(grads)
    wrong["dW1"] = grads["dW1"] * m
    np.savez(path("factor_m.npz"), **wrong)
    r = run("grads", *common, "--compare", path("factor_m.npz"))
    check("the factor-m transcript names the worst entries with their indices",
          "worst entries [" in r.stdout and "yours" in r.stdout and "ledger" in r.stdout, r.stdout)
    print("---- grads --compare transcript (factor m in dW1) ----")
    print(r.stdout.rstrip())
    print("----")

    # 3. C1W4 naming: dA{l} from an L-layer relu network.
    sizes = [5, 4, 3, 1]
    deep = {}
    for l in range(1, len(sizes)):
        deep[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) * 0.5
        deep[f"b{l}"] = rng.standard_normal((sizes[l], 1)) * 0.1
    X5 = rng.standard_normal((5, m))
    np.savez(path("deep.npz"), **deep)
    np.save(path("X5.npy"), X5)
    deep_common = ["--weights", path("deep.npz"), "--hidden", "relu", "--x", path("X5.npy"), "--y", path("Y.npy")]
    dgrads = c1w4_gradients(deep, X5, Y, 3)
    np.savez(path("mine_deep.npz"), **dgrads)
    r = run("grads", *deep_common, "--compare", path("mine_deep.npz"))
    check("grads --compare: C1W4 gradients with dA0, dA1, dA2 agree (exit 0)",
          r.returncode == 0 and "dA0" in r.stdout and "All 9 gradients agree" in r.stdout, r.stdout + r.stderr)
    dgrads["dA1"] = dgrads["dA1"] * m
    np.savez(path("wrong_deep.npz"), **dgrads)
    r = run("grads", *deep_common, "--compare", path("wrong_deep.npz"))
    check("grads --compare: a factor m in dA1 is named", r.returncode == 1 and "dA1: off by a factor m" in r.stdout, r.stdout)

    # 4. gradcheck --weights on the learner's own model and data: a course .npz, a safetensors model.
    r = run("gradcheck", *common)
    check("gradcheck --weights params.npz --x --y: correct (exit 0)",
          r.returncode == 0 and "overall" in r.stdout and "correct" in r.stdout.split("overall")[1], r.stdout + r.stderr)
    run_dir = path("run")
    r = run("train", "--data", "moons", "--units", "5", "--epochs", "2", "--output-dir", run_dir)
    check("train a small model for gradcheck", r.returncode == 0, r.stderr)
    model = os.path.join(run_dir, "model.safetensors")
    r = run("gradcheck", "--weights", model, "--x", path("X.npy"), "--y", path("Y.npy"))
    check("gradcheck --weights model.safetensors --x --y: correct (exit 0)",
          r.returncode == 0 and "model.safetensors" in r.stdout and "correct" in r.stdout.split("overall")[1],
          r.stdout + r.stderr)

    # 5. real-valued labels, as in the course's early test cases.
    np.save(path("Yr.npy"), rng.standard_normal((1, m)))
    real = ["--weights", path("params.npz"), "--x", path("X.npy"), "--y", path("Yr.npy")]
    r = run("grads", *real)
    check("grads with Y = randn: computes, with a warning", r.returncode == 0
          and "Warning: binary cross-entropy expects labels in [0, 1]" in r.stderr, r.stderr)
    r = run("gradcheck", *real)
    check("gradcheck with Y = randn: correct, with a warning", r.returncode == 0 and "Warning:" in r.stderr
          and "correct" in r.stdout.split("overall")[1], r.stdout + r.stderr)

    # train keeps refusing real-valued labels: the same Y, as an NPZ training set.
    np.savez(path("real.npz"), X=np.load(path("X.npy")), Y=np.load(path("Yr.npy")))
    r = run("train", "--data", path("real.npz"), "--epochs", "1", "--output-dir", path("run_real"))
    check("train with Y = randn: refused, one Error: line naming the file and the label range, non-zero exit",
          r.returncode != 0 and one_error_line(r) and "real.npz" in r.stderr
          and "binary cross-entropy needs labels in [0, 1]" in r.stderr
          and not os.path.exists(os.path.join(path("run_real"), "model.safetensors")), r.stdout + r.stderr)
    r = run("grads", "--weights", path("params.npz"), "--x", path("X.npy"), "--y", path("Yr.npy"))
    check("grads with the labels train refuses: computes (exit 0), with the warning",
          r.returncode == 0 and "Warning: binary cross-entropy expects labels in [0, 1]" in r.stderr and "dW1" in r.stdout,
          r.stdout + r.stderr)

    # 6. the notebook's file habits: one Error: line each, with the advice.
    np.save(path("params.npy"), params)
    np.savez(path("positional.npz"), params)
    np.save(path("Yvector.npy"), Y.ravel())
    habits = [
        ("np.save of a dict", ["grads", "--weights", path("params.npy"), "--x", path("X.npy"), "--y", path("Y.npy")],
         ["pickled", "np.savez('p.npz', **params)"]),
        ("np.savez(f, params) positionally", ["grads", "--weights", path("positional.npz"), "--x", path("X.npy"), "--y", path("Y.npy")],
         ["positionally", "np.savez('p.npz', **params)"]),
        ("a label vector of shape (m,)", ["grads", *common[:4], "--y", path("Yvector.npy")],
         [f"shape ({m},)", f"expected (1, {m})"]),
        ("a label vector of shape (m,) in gradcheck", ["gradcheck", *common[:4], "--y", path("Yvector.npy")],
         [f"shape ({m},)", f"expected (1, {m})"]),
        ("a pickled dict as --x", ["grads", "--weights", path("params.npz"), "--x", path("params.npy"), "--y", path("Y.npy")],
         ["pickled", "np.savez('p.npz', **params)"]),
    ]
    for label, args, phrases in habits:
        r = run(*args)
        check(f"file habit: {label} -> one Error: line with the advice", r.returncode != 0 and one_error_line(r)
              and all(p in r.stderr for p in phrases), r.stderr)

    # 7. check on the course's functions verbatim.
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c1w3_keepdims.py"))
    check("check: verbatim C1W3 with one mistake exits 1 and names it",
          r.returncode == 1 and "keepdims missing" in r.stdout and "Architecture: inferred from the file" in r.stdout, r.stdout + r.stderr)
    print("---- check C1W3 with one mistake ----")
    print(r.stdout.rstrip())
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c1w4_correct.py"))
    check("check: verbatim C1W4 L_model_backward, correct, exits 0",
          r.returncode == 0 and "The derivation is correct." in r.stdout and "[as dW3, dW2, dW1]" in r.stdout, r.stdout + r.stderr)
    print("---- check C1W4 correct ----")
    print(r.stdout.rstrip())
    print("----")
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c1w3_while_unsupported.py"))
    check("check: an unevaluable line is named with line:column, exit 3, not 'has mistakes'",
          r.returncode == 3 and "notebook_c1w3_while_unsupported.py:35:5: could not be evaluated" in r.stdout
          and "has mistakes" not in r.stdout, r.stdout + r.stderr)
    r = run("check", "--plain", "--layers", "2,4,1", os.path.join(DERIVATIONS, "notebook_c1w3_correct.py"))
    check("check: --layers given, no inference line", r.returncode == 0 and "Architecture:" not in r.stdout, r.stdout)

    # 8. C1W2's propagate and C2W1's dropout, verbatim; a missing transpose is a wrong line.
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c1w2_missing_1_over_m.py"))
    check("check: verbatim C1W2 propagate with 1/m missing exits 1, inferred as logistic regression",
          r.returncode == 1 and "dw = np.dot(X, (A - Y).T)" in r.stdout and "off by a factor m: 1/m missing" in r.stdout
          and "logistic regression" in r.stdout, r.stdout + r.stderr)
    print("---- check C1W2 propagate with one mistake ----")
    print(r.stdout.rstrip())
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c1w2_test_cell_randn.py"))
    check("check: C1W2 propagate with the notebook's test cell (np.random.seed, randn labels) is correct (exit 0)",
          r.returncode == 0 and "The derivation is correct." in r.stdout and "unknown function" not in r.stdout, r.stdout + r.stderr)
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c2w1_dropout_backward_correct.py"))
    check("check: verbatim C2W1 backward_propagation_with_dropout, correct, exits 0",
          r.returncode == 0 and "The derivation is correct." in r.stdout and "Dropout: the file reads keep_prob" in r.stdout,
          r.stdout + r.stderr)
    print("---- check C2W1 dropout backward, correct ----")
    print(r.stdout.rstrip())
    print("----")
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c2w1_dropout_correct.py"))
    check("check: C2W1 forward (np.random.rand masks) and backward with dropout, correct, exits 0",
          r.returncode == 0 and "The derivation is correct." in r.stdout, r.stdout + r.stderr)
    r = run("check", "--plain", os.path.join(DERIVATIONS, "notebook_c2w1_dropout_mask_missing.py"))
    check("check: dropout mask missing in the backward pass exits 1 and names it",
          r.returncode == 1 and "dropout mask missing: dA2" in r.stdout, r.stdout + r.stderr)
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "no_transpose.py"), "w") as f:
            f.write("dZ2 = A2 - Y\ndW2 = 1/m * np.dot(dZ2, A1.T)\ndb2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)\n"
                    "dZ1 = np.dot(W2, dZ2) * (1 - np.power(A1, 2))\ndW1 = 1/m * np.dot(dZ1, X.T)\n")
        r = run("check", "--plain", "--layers", "2,4,1", os.path.join(folder, "no_transpose.py"))
    check("check: a product that fits only transposed is wrong (exit 1, 'transpose missing on W2'), not unevaluated",
          r.returncode == 1 and "transpose missing on W2" in r.stdout and "1 wrong" in r.stdout
          and "could not be evaluated" not in r.stdout, r.stdout + r.stderr)
    r = run("check", "--plain", os.path.join(DERIVATIONS, "mistake_product_unfit.py"))
    check("check: a product no transpose fits could not be evaluated (exit 3)",
          r.returncode == 3 and "could not be evaluated: shape mismatch in np.dot" in r.stdout, r.stdout + r.stderr)

TALLY.finish()
