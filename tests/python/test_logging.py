"""Logging the Python way: the core's records reach logging.getLogger
("scalefit"), user-relevant conditions are scalefit.ScalefitWarning, a
bootstrap reports its retries in one line, and the level names round-trip."""
import logging
import warnings

import numpy as np
import pytest

import scalefit
from scalefit import _core


def test_records_reach_the_python_logger_from_any_thread(caplog):
    caplog.set_level(logging.DEBUG, logger="scalefit")
    _core._log_for_test("info", "hello from C++")
    _core._log_for_test("info", "worker", 3)  # three worker threads, GIL released
    msgs = [r.getMessage() for r in caplog.records if r.name == "scalefit"]
    assert "hello from C++" in msgs
    assert sorted(m for m in msgs if m.startswith("worker")) == ["worker 0", "worker 1",
                                                                 "worker 2"]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "scalefit")


def test_logger_level_filters_the_core(caplog):
    caplog.set_level(logging.WARNING, logger="scalefit")
    _core._log_for_test("debug", "not shown")
    assert not [r for r in caplog.records if r.getMessage() == "not shown"]


def test_warning_channel_is_a_scalefit_warning_at_the_callers_line():
    with pytest.warns(scalefit.ScalefitWarning, match="duplicate row") as rec:
        N = np.geomspace(1e7, 1e10, 8)
        D = 20 * N
        loss = 1.69 + 406.4 / N**0.34 + 410.7 / D**0.28
        N[3], D[3], loss[3] = N[2], D[2], loss[2]
        scalefit.fit("chinchilla", N=N, D=D, loss=loss, fixed=["E"], init={"E": 1.69})
    assert rec[0].filename == __file__  # points at the user's call, not scalefit's code
    assert issubclass(scalefit.ScalefitWarning, UserWarning)


def test_warnings_filter_error_raises():
    N = np.geomspace(1e7, 1e10, 8)
    D = 20 * N
    loss = 1.69 + 406.4 / N**0.34 + 410.7 / D**0.28
    N[3], D[3], loss[3] = N[2], D[2], loss[2]
    with warnings.catch_warnings():
        warnings.simplefilter("error", scalefit.ScalefitWarning)
        with pytest.raises(scalefit.ScalefitWarning):
            scalefit.fit("chinchilla", N=N, D=D, loss=loss, fixed=["E"], init={"E": 1.69})


def test_warnings_from_worker_threads_are_delivered():
    with pytest.warns(scalefit.ScalefitWarning) as rec:
        _core._log_for_test("warning_channel", "from worker", 2)
    assert sorted(str(w.message) for w in rec) == ["from worker 0", "from worker 1"]


def test_bootstrap_retries_in_one_line_and_no_per_replicate_warnings(caplog):
    # Epoch data with a 14-iteration cap, 400 case replicates, seed 0: a few
    # replicates' first refit stops at the cap and is retried
    # (docs/uncertainty.md: 6, all certified).
    fit = scalefit.fit("chinchilla", scalefit.datasets.chinchilla(),
                       solver={"max_iterations": 14})
    assert fit.converged, fit.message
    caplog.set_level(logging.INFO, logger="scalefit")
    with warnings.catch_warnings():
        warnings.simplefilter("error", scalefit.ScalefitWarning)  # none may be raised
        boot = fit.bootstrap(n=400, seed=0)
    assert boot.num_failed == 0 and boot.num_restarted > 0
    lines = [r.getMessage() for r in caplog.records if r.name == "scalefit"]
    summary = [l for l in lines if l.startswith("bootstrap:")]
    assert len(summary) == 1, lines
    assert summary[0].startswith(f"bootstrap: {boot.num_restarted} of 400 replicates needed "
                                 "a retry (first refit not certified")
    assert f"{boot.num_restarted} of them certified after a retry" in summary[0]
    assert not [l for l in lines if "optimum is not certified" in l and "bootstrap" not in l]


@pytest.mark.parametrize("name", ["trace", "debug", "info", "warning", "warn", "error",
                                  "critical", "off", "WARNING"])
def test_set_log_level_accepts_every_name(name):
    before = scalefit.get_log_level()
    try:
        scalefit.set_log_level(name)
        got = scalefit.get_log_level()
        scalefit.set_log_level(got)  # round trip
        assert scalefit.get_log_level() == got
        assert got == {"warn": "warning", "WARNING": "warning"}.get(name, name)
    finally:
        scalefit.set_log_level(before)
    with pytest.raises(ValueError, match="valid: trace, debug"):
        scalefit.set_log_level("loud")


def test_cpp_level_names_round_trip():
    before = _core.get_log_level()
    try:
        _core.set_log_level("warning")
        assert _core.get_log_level() == "warning"
        _core.set_log_level(_core.get_log_level())
    finally:
        _core.set_log_level(before)
