"""Input adapters (scalefit._inputs): every input of every entry point takes a
column name or an array; results remember the mapping; bad mapping keys,
missing columns, text cells, masked arrays and badly typed options are
errors that name the problem. Property-based tests (hypothesis) over the
adapters.

Truth: the same fit reached by plain arrays (bit-identical parameters), and
the planted arrays themselves."""
from __future__ import annotations

import pickle
import re
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scalefit
from scalefit import _inputs

FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

RENAMED = {"N": "n_params", "D": "tokens", "loss": "train_loss"}
# The frame's C column (Chinchilla's reported compute) is picked up by name as
# the runs' compute, and remembered with the rest of the mapping.
MAPPED = {**RENAMED, "C": "C"}


@pytest.fixture(scope="module")
def runs():
    return scalefit.datasets.chinchilla()


@pytest.fixture(scope="module")
def user_frame(runs):
    # The user's own column names, a string index and an extra column.
    df = runs.rename(columns=RENAMED)
    df.index = [f"run-{i}" for i in range(len(df))]
    df["run_group"] = np.arange(len(df)) // 12
    return df


@pytest.fixture(scope="module")
def plain(runs):
    return scalefit.fit("chinchilla", N=runs["N"].to_numpy(), D=runs["D"].to_numpy(),
                        loss=runs["loss"].to_numpy())


@pytest.fixture(scope="module")
def named(user_frame):
    return scalefit.fit("chinchilla", user_frame, N="n_params", D="tokens", loss="train_loss")


# --- column names everywhere ---------------------------------------------------

def test_fit_takes_column_names_for_every_input(named, plain, user_frame):
    assert named.params == plain.params
    assert named.columns == MAPPED
    mapped = scalefit.fit("chinchilla", user_frame, columns=RENAMED)
    assert mapped.params == plain.params and mapped.columns == MAPPED
    # weights and groups by column name, as arrays give.
    w = user_frame.assign(w=np.linspace(1.0, 2.0, len(user_frame)))
    by_name = scalefit.fit("chinchilla", w, columns=RENAMED, weights="w", groups="run_group")
    by_array = scalefit.fit("chinchilla", w, columns=RENAMED, weights=w["w"].to_numpy(),
                            groups=w["run_group"].to_numpy())
    assert by_name.params == by_array.params
    assert by_name.columns["weights"] == "w" and by_name.columns["groups"] == "run_group"
    # The cluster bootstrap uses the groups the fit was given (same draws).
    a = by_name.bootstrap(n=4, seed=2, method="cluster", threads=1)
    b = by_array.bootstrap(n=4, seed=2, method="cluster", threads=1)
    np.testing.assert_array_equal(a.samples, b.samples)


def test_predict_on_a_frame_with_the_users_columns(named, plain, user_frame):
    new = user_frame.iloc[[5, 0, 17]]
    got = named.predict(new)
    assert isinstance(got, pd.Series)
    assert list(got.index) == ["run-5", "run-0", "run-17"]
    expected = plain.predict(N=new["n_params"].to_numpy(), D=new["tokens"].to_numpy())
    np.testing.assert_array_equal(got.to_numpy(), expected)
    # ndarray in -> ndarray out; a Series in -> a Series on its index.
    assert isinstance(named.predict(N=np.array([1e9]), D=np.array([1e10])), np.ndarray)
    s = named.predict(N=new["n_params"], D=new["tokens"])
    assert isinstance(s, pd.Series) and list(s.index) == list(new.index)
    # A frame with the law's own names works too; so do column names.
    np.testing.assert_array_equal(
        named.predict(pd.DataFrame({"N": [7e10], "D": [1.4e12]})).to_numpy(),
        plain.predict(N=[7e10], D=[1.4e12]))
    np.testing.assert_array_equal(named.predict(new, N="n_params", D="tokens"), got)
    # With an interval: the table is on the frame's index.
    p = named.predict(new, level=0.9)
    df = p.to_dataframe()
    assert list(df.index) == list(new.index) and list(df.columns) == [
        "mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "decades_beyond_data"]
    np.testing.assert_array_equal(df["mean"].to_numpy(), expected)
    assert df.attrs["level"] == 0.9


def test_the_mapping_survives_pickle_and_bootstrap(named, user_frame):
    again = pickle.loads(pickle.dumps(named))
    assert again.columns == MAPPED and again.params == named.params
    np.testing.assert_array_equal(again.predict(user_frame.iloc[:3]),
                                  named.predict(user_frame.iloc[:3]))
    boot = named.bootstrap(n=6, seed=1, threads=2)
    p = boot.predict(user_frame.iloc[:2], level=0.8)
    assert list(p.to_dataframe().index) == ["run-0", "run-1"]
    assert boot.fit.columns == MAPPED


def test_other_entry_points_take_column_names(user_frame, runs):
    bt_named = scalefit.backtest("chinchilla", user_frame, N="n_params", D="tokens",
                                 loss="train_loss", threshold=1e21, rolling=False,
                                 leave_group_out=False)
    bt_plain = scalefit.backtest("chinchilla", runs, threshold=1e21, rolling=False,
                                 leave_group_out=False)
    assert bt_named.mean_are == bt_plain.mean_are
    out = scalefit.evaluate("chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34,
                                           "beta": 0.28}, user_frame.iloc[:2], N="n_params",
                            D="tokens")
    assert isinstance(out, pd.Series) and list(out.index) == ["run-0", "run-1"]
    iso = scalefit.datasets.porian2024().rename(columns={"N": "params", "loss": "val"})
    r = scalefit.isoflop_fit(iso, N="params", loss="val", bootstrap=0)
    assert r.a == scalefit.isoflop_fit(scalefit.datasets.porian2024(), bootstrap=0).a


# --- errors that name the problem ---------------------------------------------

def test_unknown_mapping_keys_and_missing_columns_list_what_exists(user_frame):
    with pytest.raises(ValueError, match=r"unknown key 'n' in columns=.*valid: N, D, loss, "
                                         r"weights, groups"):
        scalefit.fit("chinchilla", user_frame, columns={"n": "n_params"})
    with pytest.raises(ValueError, match=r"missing column 'nparams' for N; the data columns "
                                         r"are: n_params, tokens, C, train_loss"):
        scalefit.fit("chinchilla", user_frame, N="nparams", D="tokens", loss="train_loss")
    with pytest.raises(ValueError, match=r"missing input 'N'.*the data columns are: n_params"):
        scalefit.fit("chinchilla", user_frame, D="tokens", loss="train_loss")
    with pytest.raises(ValueError, match=r"missing column 'grp' for groups; the data columns"):
        scalefit.fit("chinchilla", user_frame, columns=RENAMED, groups="grp")
    fitted = scalefit.fit("chinchilla", user_frame, columns=RENAMED)
    with pytest.raises(ValueError, match=r"missing input 'D'.*fitted to column 'tokens'"):
        fitted.predict(user_frame[["n_params"]])
    with pytest.raises(TypeError, match="columns must be a dict"):
        scalefit.fit("chinchilla", user_frame, columns=["N"])


def test_core_value_errors_name_the_users_column(user_frame):
    bad = user_frame.copy()
    bad.iloc[4, bad.columns.get_loc("tokens")] = -1.0
    with pytest.raises(ValueError, match=r"column 'D' \(data column 'tokens'\), row 4"):
        scalefit.fit("chinchilla", bad, columns=RENAMED)


def test_text_cells_name_the_row_and_column(user_frame):
    obj = user_frame.copy()
    obj["tokens"] = obj["tokens"].astype(object)
    obj.iloc[7, obj.columns.get_loc("tokens")] = "1.2e12 tokens"
    with pytest.raises(TypeError, match=r"column 'D' \(data column 'tokens'\) has non-numeric "
                                        r"dtype object: row 7 \(0-based\), index label "
                                        r"'run-7' holds '1.2e12 tokens'"):
        scalefit.fit("chinchilla", obj, columns=RENAMED)
    arr = np.array([1e9, 2e9, "abc", 4e9], dtype=object)
    with pytest.raises(TypeError, match=r"column 'N' must be numeric.*row 2 \(0-based\) "
                                        r"holds 'abc'"):
        _inputs.as_column(arr, "N")
    # Missing values in an object column are NaN, reported by the core with the row.
    miss = np.array([1.0, None, 3.0], dtype=object)
    assert np.isnan(_inputs.as_column(miss, "N")[1])


def test_masked_arrays_are_refused_with_the_count(runs):
    N = np.ma.masked_array(runs["N"].to_numpy(), mask=np.arange(len(runs)) % 100 == 7)
    with pytest.raises(ValueError, match=r"column 'N' is a masked array with 3 masked "
                                         r"value\(s\) \(rows 7, 107, 207, 0-based\)"):
        scalefit.fit("chinchilla", N=N, D=runs["D"], loss=runs["loss"])
    unmasked = np.ma.masked_array(runs["N"].to_numpy(), mask=False)
    ref = scalefit.fit("chinchilla", runs)
    assert scalefit.fit("chinchilla", N=unmasked, D=runs["D"], loss=runs["loss"]).params == \
        ref.params
    with pytest.raises(ValueError, match="masked"):
        ref.predict(N=np.ma.masked_array([1e9, 2e9], mask=[0, 1]), D=[1e10, 1e10])


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(threads=10**12), ValueError, r"threads = 1000000000000 is out of range"),
    (dict(threads="4"), TypeError, r"threads must be an integer"),
    (dict(solver={"max_iterations": 1.5}), TypeError,
     r"solver option 'max_iterations' must be an integer, got 1.5"),
    (dict(solver={"max_iteration": 10}), ValueError,
     r"unknown solver option 'max_iteration'; valid: .*max_iterations"),
    (dict(solver={"function_tolerance": "tight"}), TypeError,
     r"solver option 'function_tolerance' must be a number"),
    (dict(bounds={"alpha": 0.5}), TypeError, r"bounds\['alpha'\] must be a pair \(low, high\)"),
    (dict(bounds={"alpha": (0.1, "x")}), TypeError, r"bounds\['alpha'\] high must be a number"),
    (dict(init={"alpha": "abc"}), TypeError, r"init\['alpha'\] must be a number, got 'abc'"),
    (dict(init=[0.3]), TypeError, r"init must be a dict"),
    (dict(fixed=[1]), TypeError, r"fixed must be names"),
    (dict(objective=3), TypeError, r"objective must be a string"),
    (dict(grid=5), TypeError, r"grid must be None, a start strategy name or a dict"),
    (dict(groups="no_such_column"), ValueError, r"missing column 'no_such_column' for groups"),
])
def test_bad_option_types_name_the_option(runs, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        scalefit.fit("chinchilla", runs, **kwargs)


def test_bad_option_types_in_other_entry_points(plain):
    with pytest.raises(ValueError, match=r"seed = 18446744073709551616 is out of range: it must "
                                         r"be in \[0, 18446744073709551615\]"):
        plain.bootstrap(n=4, seed=2**64)
    with pytest.raises(ValueError, match=r"seed = -1 is out of range"):
        plain.bootstrap(n=4, seed=-1)
    with pytest.raises(ValueError, match=r"n = 2147483648 is out of range"):
        plain.bootstrap(n=2**31)
    with pytest.raises(TypeError, match=r"n must be an integer, got 1.5"):
        plain.bootstrap(n=1.5)
    with pytest.raises(TypeError, match=r"fraction must be a number"):
        plain.bootstrap(n=4, method="subsample", fraction="most")
    with pytest.raises(TypeError, match=r"level must be a number"):
        scalefit.compute_optimal(plain, [1e24], level="high")
    with pytest.raises(TypeError, match=r"allow_unidentified must be True or False"):
        scalefit.compute_optimal(plain, [1e24], allow_unidentified="yes")
    with pytest.raises(TypeError, match=r"other_inputs\['U'\] must be a number"):
        scalefit.compute_optimal(plain, [1e24], other_inputs={"U": "big"})
    with pytest.raises(TypeError, match=r"bins must be an integer"):
        scalefit.envelope_fit({"run": [0, 0], "N": [1, 1], "tokens": [1, 2], "loss": [2, 1]},
                              bins=2.5)


def test_names_and_checks_come_from_the_core(plain, runs):
    # Each list below is written once, in C++; its error reaches Python as is.
    with pytest.raises(scalefit.ScalefitError,
                       match=r"unknown objective 'l1'; valid objectives: huber_log, mse_log, mse"):
        scalefit.fit("chinchilla", runs, objective="l1")
    with pytest.raises(scalefit.ScalefitError,
                       match=r"start must be one of auto, hoffmann, init, grid; got 'everything'"):
        scalefit.fit("chinchilla", runs, grid="everything")
    with pytest.raises(scalefit.ScalefitError,
                       match=r"unknown bootstrap method 'jackknife'; valid: case, cluster, "
                             r"subsample, residual"):
        plain.bootstrap(n=4, method="jackknife")
    with pytest.raises(scalefit.ScalefitError, match=r"n \(number of bootstrap replicates\) "
                                                     r"must be >= 2"):
        plain.bootstrap(n=1)
    with pytest.raises(scalefit.ScalefitError,
                       match=r"interval must be 'confidence' .* or 'prediction'"):
        plain.predict(N=[1e9], D=[1e10], level=0.9, interval="credible")
    with pytest.raises(scalefit.ScalefitError, match=r"unknown allocation method 'magic'; "
                                                     r"valid methods: auto, closed_form, numeric"):
        scalefit.compute_optimal(plain, [1e24], method="magic")
    for level in (0.0, 1.0, float("nan")):
        with pytest.raises(scalefit.ScalefitError, match=r"level must be in \(0, 1\)"):
            scalefit.compute_optimal(plain, [1e24], level=level)


def test_unwrap_is_the_one_way_to_the_core(plain):
    core = _inputs.unwrap(plain)
    assert isinstance(core, scalefit._core.FitResult)
    assert _inputs.unwrap(core) is core
    boot = plain.bootstrap(n=3, seed=0, threads=1)
    assert _inputs.unwrap(boot).params == plain.params
    with pytest.raises(TypeError, match="must be a scalefit.FitResult"):
        _inputs.unwrap({"E": 1.0})


# --- property-based tests over the adapters ------------------------------------

_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@FAST
@given(values=st.lists(_floats, min_size=0, max_size=30),
       kind=st.sampled_from(["list", "array", "series", "float32", "object"]))
def test_as_column_is_exact(values, kind):
    ref = np.array(values, dtype=np.float64)
    if kind == "list":
        given = values
    elif kind == "array":
        given = ref[::-1][::-1]  # a view
    elif kind == "series":
        given = pd.Series(ref, index=np.arange(len(ref)) * 3 + 1)
    elif kind == "float32":
        with np.errstate(over="ignore"):
            ref = ref.astype(np.float32).astype(np.float64)
        given = ref.astype(np.float32)
    else:
        given = np.array(values, dtype=object)
    out = _inputs.as_column(given, "x")
    assert out.dtype == np.float64 and out.flags.c_contiguous and out.ndim == 1
    np.testing.assert_array_equal(out, ref)


@FAST
@given(ints=st.lists(st.integers(-(2**53), 2**53), min_size=1, max_size=20))
def test_integer_columns_are_exact(ints):
    np.testing.assert_array_equal(_inputs.as_column(np.array(ints, dtype=np.int64), "n"),
                                  np.array(ints, dtype=np.float64))


_names = st.text(alphabet=string.ascii_letters + "_ ", min_size=1, max_size=8)


@FAST
@given(data=st.data(), n=st.integers(1, 12))
def test_law_inputs_find_every_role_however_it_is_given(data, n):
    names = data.draw(st.lists(_names, min_size=4, max_size=4, unique=True))
    cols = dict(zip(["N", "D", "loss", "other"], names))
    rng = np.random.default_rng(n)
    values = {role: rng.uniform(1, 10, n) for role in cols}
    frame = pd.DataFrame({cols[r]: values[r] for r in cols})
    explicit, columns, expect_cols = {}, {}, {}
    loss_arg = None
    for role in ("N", "D", "loss"):
        how = data.draw(st.sampled_from(["name", "mapping", "array"]))
        if how == "name":
            if role == "loss":
                loss_arg = cols[role]
            else:
                explicit[role] = cols[role]
            expect_cols[role] = cols[role]
        elif how == "mapping":
            columns[role] = cols[role]
            expect_cols[role] = cols[role]
        elif role == "loss":
            loss_arg = values[role]
        else:
            explicit[role] = values[role]
    got = _inputs.law_inputs(["N", "D"], frame, explicit, loss=loss_arg, columns=columns)
    for role in ("N", "D"):
        np.testing.assert_array_equal(got.inputs[role], values[role])
    np.testing.assert_array_equal(got.loss, values["loss"])
    assert got.columns == expect_cols
    assert got.index.equals(frame.index)


@FAST
@given(key=_names.filter(lambda k: k not in ("N", "D", "loss", "weights", "groups")))
def test_unknown_mapping_keys_are_always_errors(key):
    frame = pd.DataFrame({"a": [1.0]})
    with pytest.raises(ValueError) as info:
        _inputs.law_inputs(["N", "D"], frame, {}, columns={key: "a"})
    assert f"unknown key '{key}'" in str(info.value)
    assert "valid: N, D, loss, weights, groups" in str(info.value)


@FAST
@given(n=st.integers(1, 30), data=st.data())
def test_a_text_cell_is_named_by_its_row(n, data):
    row = data.draw(st.integers(0, n - 1))
    text = data.draw(st.text(alphabet=string.ascii_letters + " %", min_size=1, max_size=6)
                     .filter(lambda t: t.strip() not in ("", "nan", "inf", "infinity")
                             and not _parses(t)))
    cells = np.array([float(i + 1) for i in range(n)], dtype=object)
    cells[row] = text
    with pytest.raises(TypeError) as info:
        _inputs.as_column(cells, "D")
    assert f"row {row} (0-based) holds {text!r}" in str(info.value)
    with pytest.raises(TypeError) as info:
        _inputs.as_column(pd.Series(cells, index=[f"r{i}" for i in range(n)]), "D")
    assert f"row {row} (0-based), index label 'r{row}'" in str(info.value)


def _parses(t):
    try:
        float(t)
        return True
    except ValueError:
        return False


@FAST
@given(mask=st.lists(st.booleans(), min_size=1, max_size=40))
def test_masked_entries_are_counted(mask):
    m = np.ma.masked_array(np.arange(len(mask), dtype=float) + 1, mask=mask)
    if not any(mask):
        np.testing.assert_array_equal(_inputs.as_column(m, "N"), np.arange(len(mask)) + 1.0)
        return
    with pytest.raises(ValueError) as info:
        _inputs.as_column(m, "N")
    msg = str(info.value)
    assert f"with {sum(mask)} masked value(s)" in msg
    assert f"rows {mask.index(True)}" in msg


@FAST
@given(v=st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.booleans(),
                   st.text(max_size=3)))
def test_integer_options_are_named_and_ranged(v):
    ok_int = isinstance(v, int) and not isinstance(v, bool)
    if ok_int and _inputs.INT_MIN <= v <= _inputs.INT_MAX:
        assert _inputs.as_int(v, "threads") == v
    elif ok_int:
        with pytest.raises(ValueError, match=r"^threads = -?\d+ is out of range"):
            _inputs.as_int(v, "threads")
    else:
        with pytest.raises(TypeError, match=r"^threads must be an integer"):
            _inputs.as_int(v, "threads")
    if ok_int and 0 <= v < 2**64:
        assert _inputs.as_seed(v) == v
    elif ok_int:
        with pytest.raises(ValueError, match=r"^seed = -?\d+ is out of range"):
            _inputs.as_seed(v)


@FAST
@given(labels=st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "c"])),
                       min_size=1, max_size=30),
       kind=st.sampled_from(["int", "str", "mixed"]))
def test_group_codes_identify_equal_labels(labels, kind):
    if kind == "int":
        labels = [x if isinstance(x, int) else ord(x) for x in labels]
    elif kind == "str":
        labels = [str(x) for x in labels]
    codes = _inputs.group_codes(labels)
    assert sorted(set(codes)) == list(range(len(set(labels))))
    for i in range(len(labels)):
        for j in range(len(labels)):
            assert (codes[i] == codes[j]) == (labels[i] == labels[j])
    if kind != "mixed":  # sortable labels: codes follow the sorted order (np.unique)
        assert codes == list(np.unique(np.array(labels), return_inverse=True)[1].ravel())


def test_group_codes_refuse_missing_labels():
    with pytest.raises(ValueError, match=r"groups: row 2 \(0-based\) has no label"):
        _inputs.group_codes(["a", "b", None, "a"])


@FAST
@given(n=st.integers(1, 8), data=st.data())
def test_predict_on_any_index_matches_the_arrays(plain, n, data):
    index = data.draw(st.lists(st.one_of(st.integers(), st.text(max_size=4)), min_size=n,
                               max_size=n, unique=True))
    rng = np.random.default_rng(n)
    N, D = 10 ** rng.uniform(8, 11, n), 10 ** rng.uniform(9, 12, n)
    frame = pd.DataFrame({"N": N, "D": D}, index=pd.Index(index, dtype=object))
    got = plain.predict(frame)
    assert list(got.index) == index
    np.testing.assert_array_equal(got.to_numpy(), plain.predict(N=N, D=D))


def test_as_flags_names_the_cli_flag():
    from scalefit.cli.errors import as_flags
    assert as_flags("compute_optimal: level must be in (0, 1), got 2") == \
        "--level must be in (0, 1), got 2"
    assert as_flags("delta must be finite") == "delta must be finite"
    assert re.search("--level", as_flags("level must be in (0, 1)"))


@pytest.mark.parametrize("values", [[True, False], np.array([True, True]),
                                    pd.Series([True, False]),
                                    pd.Series([True, False], dtype="boolean")])
def test_boolean_columns_are_not_numbers(values, plain):
    # True would otherwise be read as N = 1 parameter (or a budget of 1 FLOP).
    with pytest.raises(TypeError, match=r"column 'N' must be numeric; .*boolean"):
        plain.predict(N=values, D=[1e10, 1e11])
    with pytest.raises(TypeError, match=r"column 'flops' must be numeric; .*boolean"):
        scalefit.compute_optimal(plain, values)
    df = scalefit.datasets.chinchilla().head(12)
    with pytest.raises(TypeError, match=r"column 'loss' must be numeric; got booleans"):
        scalefit.fit("chinchilla", N=df.N, D=df.D, loss=df.N > 1e9)
    # A list that mixes booleans and numbers (numpy would make it all floats).
    with pytest.raises(TypeError, match=r"column 'N' must be numeric; row 1 .*holds True"):
        plain.predict(N=[7e10, True], D=[1e10, 1e11])
