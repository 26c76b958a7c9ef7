"""Hostile input (docs/reliability.md): limits instead of crashes, resource
failures as errors, no silent answers, errors that name their cause — one
test per class at least — and property-based tests (hypothesis) that throw
values of any type at every option and input adapter: the answer is a
result or a ValueError/TypeError naming the option, never another exception,
a crash or a hang.

Truth: closed forms, the same fit without the hostile twist (unit weights,
the rows that count), and the parameters a card or pickle was made from."""
from __future__ import annotations

import json
import math
import os
import pickle
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scalefit

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

# Hoffmann et al. 2022, Eq. 10 (rounded), used only as a planted law.
E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28


def planted(side=6, noise=0.01, seed=0):
    rng = np.random.default_rng(seed)
    N = np.repeat(np.geomspace(1e7, 1e10, side), side)
    D = N * np.tile(np.geomspace(2, 200, side), side)
    loss = (E + A / N**ALPHA + B / D**BETA) * np.exp(noise * rng.standard_normal(N.size))
    return N, D, loss


N0, D0, L0 = planted()


@pytest.fixture(scope="module")
def fit():
    return scalefit.fit("chinchilla", N=N0, D=D0, loss=L0)


def _module_law(p, x):
    return p["E"] + p["A"] / x["N"] ** p["alpha"]


def elapsed(f):
    t0 = time.monotonic()
    try:
        f()
    except (ValueError, TypeError):
        pass
    return time.monotonic() - t0


# --- recursion and size ------------------------------------------------------

@pytest.mark.parametrize("formula", [
    "E + " + "(" * 100_000 + "A / N" + ")" * 100_000,
    "E + " + "-" * 100_000 + "A / N",
    "E + A / " + "N^" * 50_000 + "2",
    "E + A * " + "exp(" * 25_000 + "N" + ")" * 25_000,
    "E + A / N + " + " + ".join(f"x{i}" for i in range(200_000)),
])
def test_deep_or_long_formulas_are_refused_naming_the_limit(formula):
    with pytest.raises(ValueError, match="max_length|max_depth"):
        scalefit.law(formula, inputs=["N"])
    assert elapsed(lambda: scalefit.law(formula, inputs=["N"])) < 2.0


def test_a_card_with_a_deep_formula_is_refused(fit):
    lw = scalefit.law("E + A / N^alpha", inputs=["N"], positive=["E", "A"])
    card = json.loads(scalefit.fit(lw, N=N0, loss=L0).to_card())
    card["law"]["formula"] = "E + " + "(" * 60_000 + "A / N^alpha" + ")" * 60_000
    with pytest.raises(ValueError, match="law.formula.*max_length"):
        scalefit.loads(json.dumps(card))


def test_deep_json_and_oversized_cards_are_refused_before_parsing(tmp_path):
    with pytest.raises(ValueError, match="nested deeper than 32 levels"):
        scalefit.loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="more than the limit of 1000 bytes.*max_bytes"):
        scalefit.loads("{" + " " * 2000 + "}", max_bytes=1000)
    with pytest.raises(ValueError, match="/dev/zero.*not a regular file"):
        scalefit.load("/dev/zero")
    with pytest.raises(ValueError, match="is a directory"):
        scalefit.load(tmp_path)


# --- resource limits -----------------------------------------------------------

def test_an_oversized_grid_is_refused_before_work():
    vals = list(np.linspace(0.1, 1, 40))
    grid = {"E": list(np.geomspace(0.5, 3, 40)), "A": list(np.geomspace(10, 1e3, 40)),
            "B": list(np.geomspace(10, 1e3, 40)), "alpha": vals, "beta": vals}
    with pytest.raises(ValueError, match="102400000 cells, more than max_starts = 100000"):
        scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, grid=grid)
    assert elapsed(lambda: scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, grid=grid)) < 2.0
    with pytest.raises(ValueError, match="max_grid_cells must be in"):
        scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, solver={"max_grid_cells": 10**9})


def test_replicates_and_threads_are_bounded(fit):
    with pytest.raises(ValueError, match="limit of 1000000 replicates"):
        fit.bootstrap(n=10**9)
    with pytest.raises(ValueError, match=r"num_threads must be in \[0, 1024\]"):
        scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, threads=100_000)
    with pytest.raises(ValueError, match=r"threads must be in \[0, 1024\]"):
        fit.bootstrap(n=10, threads=5000)


@pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""),
                    reason="AddressSanitizer reserves terabytes of address space for its shadow "
                           "memory, so a process under RLIMIT_AS = 3 GiB cannot start")
def test_thread_creation_failure_is_an_error_not_an_abort():
    # 1 GiB thread stacks under a 3 GiB address space: the third thread
    # cannot start. The process must report it and live on.
    code = textwrap.dedent("""
        import resource, numpy as np, scalefit
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        N = np.repeat(np.geomspace(1e7, 1e10, 6), 6)
        D = N * np.tile(np.geomspace(2, 200, 6), 6)
        loss = 1.69 + 406.4 / N**0.34 + 410.7 / D**0.28
        try:
            scalefit.fit('chinchilla', N=N, D=D, loss=loss, grid='hoffmann', threads=8)
            print('NO ERROR')
        except ValueError as exc:
            print('ERROR', type(exc).__name__, exc)
        print('ALIVE')
    """)
    p = subprocess.run(["bash", "-c", f"ulimit -s 1048576 && {sys.executable} -c \"$0\"", code],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-500:]
    assert "ALIVE" in p.stdout
    assert "ERROR ScalefitError" in p.stdout and "thread" in p.stdout, p.stdout


# --- silent answers -------------------------------------------------------------

def test_conflicting_ties_are_an_error():
    with pytest.raises(ValueError, match="'A' is tied twice: to 'B' and to 'E'"):
        scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, tie=[("A", "B"), ("A", "E")])


def test_huge_weights_give_the_same_fit(fit):
    heavy = scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, weights=np.full(N0.size, 1e308))
    assert heavy.converged and math.isfinite(heavy.objective)
    assert heavy.params == fit.params  # equal weights normalise to exactly 1


def test_equal_bounds_hold_the_parameter():
    r = scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, bounds={"alpha": (0.34, 0.34)})
    assert r.converged and math.isfinite(r.objective)
    assert r.params["alpha"] == 0.34


def test_callable_law_results_pickle_and_their_cards_load_with_the_law(tmp_path):
    lw = scalefit.law(_module_law, params=["E", "A", "alpha"], inputs=["N"],
                      positive=["E", "A"])
    r = scalefit.fit(lw, N=N0, loss=L0)
    back = pickle.loads(pickle.dumps(r))
    assert back.params == r.params
    assert back.predict(N=[1e9]).tolist() == r.predict(N=[1e9]).tolist()
    path = tmp_path / "c.json"
    r.save(path)
    with pytest.raises(ValueError, match="defined by a function.*law=") as info:
        scalefit.load(path)
    assert "c.json" in str(info.value)
    assert scalefit.load(path, law=lw).params == r.params
    # A lambda cannot be pickled by reference: pickle says so.
    lam = scalefit.law(lambda p, x: p["E"] + p["A"] / x["N"] ** p["alpha"],
                       params=["E", "A", "alpha"], inputs=["N"], positive=["E", "A"])
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(scalefit.fit(lam, N=N0, loss=L0))


def test_nul_bytes_in_paths_are_errors(fit, tmp_path):
    p = tmp_path / "card.json"
    with pytest.raises(ValueError, match="NUL byte at position"):
        fit.save(str(p) + "\0.junk")
    assert not p.exists()
    fit.save(p)
    with pytest.raises(ValueError, match="NUL byte at position"):
        scalefit.load(str(p) + "\0.junk")


def test_duplicate_keys_in_a_card_are_an_error(fit):
    text = fit.to_card()
    i = text.index('"value": ')
    with pytest.raises(ValueError, match=r"parameters\[0\]: duplicate key 'value'"):
        scalefit.loads(text[:i] + '"value": 0.9, ' + text[i:])


# --- unclear errors -------------------------------------------------------------

def test_non_ascii_formulas_and_non_utf8_cards_name_the_place(fit, tmp_path):
    with pytest.raises(ValueError, match=r"non-ASCII character U\+03B1 \('α'\) at position 10"):
        scalefit.law("E + A / N^α", inputs=["N"])
    path = tmp_path / "bad.json"
    path.write_bytes(fit.to_card().encode().replace(b'"converged"', b'"conv\xff"', 1))
    with pytest.raises(ValueError, match=r"bad.json: not UTF-8 text: byte 0xFF at line \d+"):
        scalefit.load(path)


@pytest.mark.parametrize("call, pattern", [
    (lambda: scalefit.loads('{"a": "\ud800"}'), "lone surrogate"),
    (lambda: scalefit.law("E + A/N\ud800", inputs=["N"]), "law is not valid text"),
    (lambda: scalefit.load("/tmp/\ud800.json"), "path is not valid text"),
    (lambda: scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, init={"alpha": 10**400}),
     r"init\['alpha'\] = 1000.* is too large for a double"),
])
def test_text_and_numbers_python_cannot_pass_on_are_named(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_allocation_at_a_vanishing_exponent_names_it():
    r = scalefit.from_params("chinchilla", {"E": E, "A": A, "B": B, "alpha": 1e-300,
                                            "beta": BETA})
    with pytest.raises(ValueError, match=r"alpha = 1e-300 is \(numerically\) 0"):
        scalefit.compute_optimal(r, [1e24])


# --- property-based: any value for any option ------------------------------------

ANY = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.lists(st.floats(allow_nan=False, width=32), max_size=3),
    st.dictionaries(st.sampled_from(["E", "alpha", "zz"]), st.floats(width=32), max_size=2),
    st.tuples(st.floats(width=32), st.floats(width=32)))

FIT_OPTIONS = ["objective", "delta", "init", "bounds", "fixed", "tie", "grid", "threads",
               "weights", "groups"]
SOLVER_FIELDS = ["max_iterations", "grid_points", "max_grid_cells", "max_starts",
                 "function_tolerance", "screening_tolerance", "num_polish"]


@FAST
@given(option=st.sampled_from(FIT_OPTIONS), value=ANY)
def test_any_value_of_any_fit_option_is_a_result_or_a_named_error(option, value):
    small_grid = option == "grid" and isinstance(value, (list, dict))
    try:
        r = scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, **{option: value},
                         **({"solver": {"max_iterations": 50}} if small_grid else {}))
    except (TypeError, ValueError) as exc:
        msg = str(exc)
        assert msg and "incompatible function arguments" not in msg
        return
    assert all(math.isfinite(v) for v in r.params.values())


@FAST
@given(field=st.sampled_from(SOLVER_FIELDS), value=ANY)
def test_any_solver_field_value_is_a_result_or_a_named_error(field, value):
    try:
        scalefit.fit("chinchilla", N=N0, D=D0, loss=L0, solver={field: value})
    except (TypeError, ValueError) as exc:
        assert field in str(exc), str(exc)


@FAST
@given(n=ANY, seed=ANY, threads=ANY)
def test_any_bootstrap_option_is_a_result_or_a_named_error(fit, n, seed, threads):
    # Valid but large n would be slow: keep valid values small.
    if isinstance(n, int) and not isinstance(n, bool) and 5 < n <= 10**6:
        n = 5
    try:
        b = fit.bootstrap(n=n, seed=seed, threads=threads)
    except (TypeError, ValueError) as exc:
        msg = str(exc)
        assert any(w in msg for w in ("n ", "n=", "seed", "threads", "replicates")), msg
        return
    assert b.num_replicates == n


@FAST
@given(text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40) |
       st.sampled_from(["(" * 150 + "N" + ")" * 150, "N^" * 200 + "2", "-" * 300 + "N"]))
def test_any_formula_text_is_a_law_or_a_named_parse_error(text):
    try:
        scalefit.law(text, inputs=["N"])
    except (TypeError, ValueError) as exc:
        assert str(exc)


# --- downstream, profiles, decades beyond data -----------------------------------

@pytest.fixture(scope="module")
def olmo():
    return scalefit.datasets.olmo_ladder()


def _chain(ladder, **kw):
    a = dict(intermediate="mmlu_bpb", metric="mmlu_acc", chance=0.25, interval="none",
             single_step=False)
    a.update(kw)
    return scalefit.downstream.fit_chain(ladder, **a)


@pytest.mark.parametrize("column,value,pattern", [
    ("mmlu_bpb", np.nan, r"ladder row 3 \(run '.*'\): mmlu_bpb = nan must be finite and >= 0"),
    ("mmlu_bpb", np.inf, r"ladder row 3 .*mmlu_bpb = inf must be finite"),
    ("mmlu_acc", 7.0, r"ladder row 3 .*mmlu_acc = 7 must be in \[0, ceiling = 1\]"),
    ("mmlu_acc", np.nan, r"ladder row 3 .*mmlu_acc = nan must be in \[0, ceiling = 1\]")])
def test_chain_data_outside_their_range_name_row_run_and_column(olmo, column, value, pattern):
    # Row 3 lies in the skipped first checkpoints: it used to be dropped silently.
    lad = olmo.copy()
    lad.loc[lad.index[3], column] = value
    with pytest.raises(ValueError, match=pattern):
        _chain(lad)


def test_ladder_frames_and_task_lists_of_the_wrong_shape_are_named(olmo):
    with pytest.raises(ValueError, match=r"column\(s\) mmlu_bpb more than once"):
        _chain(olmo.rename(columns={"mmlu_acc": "mmlu_bpb"}), metric="mmlu_bpb")
    with pytest.raises(TypeError, match="tasks must be a DataFrame or a list of dicts.*int"):
        scalefit.downstream.fit_chains(olmo, 3)


def test_chain_replicates_are_bounded_before_allocation(olmo):
    t0 = time.monotonic()
    with pytest.raises(ValueError, match=r"num_replicates = 2000000000 is more than the limit "
                                         r"of 1000000 replicates \(scalefit::kMaxReplicates\)"):
        _chain(olmo, interval="bootstrap", replicates=2 * 10**9)
    assert time.monotonic() - t0 < 1.0


def test_chain_cards_are_read_bounded(tmp_path):
    with pytest.raises(ValueError, match="task-chain card.*not a regular file|directory"):
        scalefit.downstream.load_chain(tmp_path)
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="/dev/zero"):
        scalefit.downstream.load_chain("/dev/zero")
    assert time.monotonic() - t0 < 1.0


def test_chain_cards_refuse_a_key_named_twice(olmo, tmp_path):
    # JSON parsers keep one of two equal keys silently: a card with a second
    # "chance" would otherwise be read with whichever came last.
    card = _chain(olmo).to_card()
    assert card.count('"chance": 0.25') == 1
    path = tmp_path / "twice.json"
    path.write_text(card.replace('"chance": 0.25', '"chance": 0.25, "chance": 0.5'))
    with pytest.raises(ValueError, match=r"twice.json: task: duplicate key 'chance'"):
        scalefit.downstream.load_chain(path)
    path.write_text("[" * 10000 + "]" * 10000)
    with pytest.raises(ValueError, match="nested deeper than 32 levels"):
        scalefit.downstream.load_chain(path)


def test_repeated_checkpoints_in_an_export_are_named(tmp_path):
    (tmp_path / "r.csv").write_text("_step,batch_size_in_tokens,acc\n1,8,0.3\n2,8,0.4\n1,8,0.9\n")
    with pytest.raises(ValueError, match=r"r\.csv, line 4, column '_step': tokens seen = 8 "
                                         r"repeats an earlier checkpoint of the run \(.*line 2"):
        scalefit.downstream.read_ladder([{"run": "r", "N": 1e8}], {"acc": "acc"},
                                        exports=tmp_path)


def test_profile_threads_are_bounded(fit):
    with pytest.raises(ValueError, match=r"num_threads must be in \[0, 1024\]"):
        fit.conf_int(method="profile", threads=10**6)


@FAST
@given(v=st.floats(allow_nan=True, allow_infinity=True))
def test_decades_beyond_data_is_finite_or_names_the_input(fit, v):
    try:
        d = fit.decades_beyond_data(N=[v], D=[1e10])
    except ValueError as exc:
        if "not a finite number of FLOPs" in str(exc):  # C = 6ND overflows a double
            assert "inputs row 0 (0-based)" in str(exc) and "C = 6ND" in str(exc), str(exc)
            assert v > 1e290 and "D = 1e+10" in str(exc), str(exc)
        else:
            assert "input 'N', row 0" in str(exc) and not (math.isfinite(v) and v > 0), str(exc)
        return
    assert math.isfinite(v) and v > 0 and math.isfinite(d[0]) and d[0] >= 0


CHAIN_OPTIONS = ["replicates", "threads", "skip", "smoothing", "final_average", "chance",
                 "ceiling", "n_items", "seed", "link", "floor", "interval"]


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(CHAIN_OPTIONS), value=ANY)
def test_any_value_of_any_chain_option_is_a_chain_or_a_named_error(olmo, option, value):
    kw = {option: value}
    if option == "replicates" and isinstance(value, int) and 2 < value <= 10**6:
        kw = {option: 2}  # valid but slow
    if option == "interval" and value == "bootstrap":
        kw["replicates"] = 2
    try:
        c = _chain(olmo, **kw)
    except (TypeError, ValueError) as exc:
        msg = str(exc)
        assert msg and "incompatible function arguments" not in msg
        assert option.rstrip("s") in msg or option in msg or "task" in msg, msg
        return
    p = c.predict(N=1e10, D=2e11, method="none")
    assert not p.forecast[0] or math.isfinite(p.metric[0])


def test_cli_task_fit_olmo_refuses_options_it_would_ignore(tmp_path, capsys):
    from scalefit import cli
    assert cli.main(["task", "fit", "olmo", "--task", "mmlu", "--chance", "0.3"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--chance apply to a ladder file" in err
    runs = tmp_path / "runs.csv"
    runs.write_text("run,N\nr1,1e8\n")
    (tmp_path / "r1.csv").write_text("_step,batch_size_in_tokens,acc\n1,8,0.3\n")
    assert cli.main(["task", "ladder", str(runs), "--exports", str(tmp_path), "--metric",
                     "acc=acc", "-o", str(tmp_path / "r1.csv")]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (tmp_path / "r1.csv").read_text().startswith("_step")


def test_a_start_already_at_the_optimum_counts_no_negative_iterations():
    # Every run at loss 2 on one isoFLOP line: a start reaches cost 0 and the
    # solver returns before its first iteration. The fit is reported as the
    # unidentified design it is, with 0 or more iterations.
    N = np.geomspace(1e8, 1e10, 20)
    fit = scalefit.fit("chinchilla", N=N, D=1e20 / (6 * N), loss=[2.0] * 20)
    assert fit.iterations >= 0
    assert "-1 iterations" not in fit.report()
    assert not fit.diagnostics.identified


def test_inverted_bounds_show_their_values_at_full_precision():
    with pytest.raises(ValueError, match=r"bounds for 'alpha': lower 3e-09 > upper 1e-09"):
        scalefit.fit("chinchilla", scalefit.datasets.chinchilla(),
                     bounds={"alpha": (3e-9, 1e-9)})


def test_compute_that_overflows_is_refused_naming_the_row():
    # N, D finite but C = 6ND = 6e608 overflows a double: an error naming the
    # row, not a fit whose compute range and design decades are inf and NaN.
    df = scalefit.datasets.chinchilla().copy()
    df.loc[df.index[3], "N"] = 1e308
    df.loc[df.index[3], "D"] = 1e300
    with pytest.raises(ValueError, match=r"row 3 \(0-based\).*C = 6ND.*not a finite number"):
        scalefit.fit("chinchilla", df)


def test_inputs_whose_compute_underflows_are_not_beyond_the_data():
    # N = D = 1e-300: C = 6e-600 underflows to 0; such a point lies far below
    # the fitted runs, so 0 decades beyond them (not NaN).
    fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())
    assert fit.decades_beyond_data(N=[1e-300], D=[1e-300]).tolist() == [0.0]
    assert fit.decades_beyond_data(N=[7e12], D=[1.4e14])[0] > 0
