"""Cancellation and progress (run_control.hpp, docs/reliability.md):
Ctrl-C stops long work within about a second as KeyboardInterrupt and leaves
nothing running — also inside a Python-callable law, never as a ValueError;
the CLI exits 130; ``progress=`` takes True (a tqdm bar), False or a
callable, on bootstraps, grids, backtests, sensitivity panels and isoFLOP
fits. The SIGINT tests run the work in a child process."""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import scalefit

# The planted Chinchilla grid of the hostile-input tests (same directory).
from test_hostile import ALPHA, BETA, A, B, E, planted  # noqa: E402


@pytest.fixture(scope="module")
def fit():
    N, D, loss = planted()
    return scalefit.fit("chinchilla", N=N, D=D, loss=loss)


# --- progress ---------------------------------------------------------------

def test_bootstrap_progress_callback(fit):
    seen = []
    b = fit.bootstrap(n=30, threads=2, progress=seen.append)
    assert b.n == 30
    assert seen and all(isinstance(p, scalefit.Progress) for p in seen)
    assert {p.stage for p in seen} == {"bootstrap replicates"}
    done = [p.done for p in seen]
    assert done == sorted(done) and done[0] == 0 and done[-1] == 30
    assert all(p.total == 30 for p in seen)
    # The same samples as without progress.
    again = fit.bootstrap(n=30, threads=1)
    assert np.array_equal(b.samples, again.samples)


def test_progress_true_draws_a_tqdm_bar(fit, capsys):
    pytest.importorskip("tqdm")
    fit.bootstrap(n=20, progress=True)
    err = capsys.readouterr().err
    assert "bootstrap replicates" in err


def test_progress_on_every_long_entry_point(fit):
    N, D, loss = planted()
    stages = {}

    def rec(name):
        return lambda p: stages.setdefault(name, set()).add(p.stage)

    scalefit.fit("chinchilla", N=N, D=D, loss=loss, grid="hoffmann", progress=rec("fit"))
    scalefit.backtest("chinchilla", N=N, D=D, loss=loss, progress=rec("backtest"))
    scalefit.backtest(fit, progress=rec("backtest_fit"))
    scalefit.sensitivity(fit, 1e24, progress=rec("sensitivity"))
    C = np.repeat([1e18, 1e19, 1e20, 1e21], 7)
    n_iso = np.concatenate([np.geomspace(c / 6 / 1e5, c / 6 / 5, 7) ** 0.5 for c in
                            [1e18, 1e19, 1e20, 1e21]])
    d_iso = C / (6 * n_iso)
    scalefit.isoflop_fit(N=n_iso, D=d_iso, loss=E + A / n_iso**ALPHA + B / d_iso**BETA,
                         bootstrap=50, compare_parametric=False, progress=rec("iso"))
    assert stages["fit"] == {"fit starts"}  # hoffmann: no start grid to score
    assert stages["backtest"] == {"backtest folds"}
    assert stages["backtest_fit"] == {"backtest folds"}
    assert stages["sensitivity"] == {"sensitivity refits"}
    assert "isoflop bootstrap" in stages["iso"]


def test_default_fit_progress_has_both_stages():
    N, D, loss = planted()
    stages = []
    scalefit.fit("chinchilla", N=N, D=D, loss=loss,
                 progress=lambda p: stages.append(p.stage))
    assert stages[0] == "start grid cells" and stages[-1] == "fit starts"


def test_progress_must_be_bool_or_callable(fit):
    with pytest.raises(TypeError, match="progress"):
        fit.bootstrap(n=5, progress="yes")


def test_an_exception_in_the_progress_callback_stops_and_propagates(fit):
    calls = []

    def cb(p):
        calls.append(p)
        if len(calls) == 2:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        fit.bootstrap(n=100000, threads=2, progress=cb)


# --- interrupts inside a Python-callable law (no signal needed) -------------

def _callable_law(raise_after, exc):
    """A callable law that raises ``exc`` on its ``raise_after``-th call from
    now on; ``arm(k)`` re-arms it ``k`` calls ahead."""
    calls = [0, raise_after]

    def f(p, x):
        calls[0] += 1
        if calls[0] == calls[1]:
            raise exc
        return p["E"] + p["A"] / x["N"] ** p["alpha"]

    lw = scalefit.law(f, params=["E", "A", "alpha"], inputs=["N"], positive=["E", "A"])

    def arm(k):
        calls[1] = calls[0] + k

    return lw, arm


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit])
def test_base_exception_in_a_callable_law_is_not_a_value_error(exc):
    N, _, loss = planted()
    lw, _ = _callable_law(40, exc)
    with pytest.raises(exc):
        scalefit.fit(lw, N=N, loss=loss)


def test_keyboard_interrupt_in_a_callable_law_during_bootstrap():
    N, _, loss = planted()
    lw, arm = _callable_law(10**9, KeyboardInterrupt)
    r = scalefit.fit(lw, N=N, loss=loss, grid="init")
    assert r.converged
    arm(300)  # the 300th call from here on raises, inside a replicate's refit
    with pytest.raises(KeyboardInterrupt):
        r.bootstrap(n=200, threads=1)
    # The interrupt cancelled only that run: the next one runs to the end.
    arm(10**9)
    assert r.bootstrap(n=5, threads=1).samples.shape[0] == 5


def test_an_ordinary_exception_in_a_callable_law_is_a_one_line_scalefit_error():
    # Exceptions (not BaseExceptions) are errors of the law: ScalefitError
    # naming the law and the exception, on one line (no Python stack).
    N, _, loss = planted()
    lw, _ = _callable_law(5, ZeroDivisionError("bad law"))
    with pytest.raises(scalefit.ScalefitError) as info:
        scalefit.fit(lw, N=N, loss=loss)
    assert str(info.value) == "the Python law 'f' raised ZeroDivisionError: bad law"


# --- Ctrl-C (SIGINT) in a child process --------------------------------------

CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np, scalefit
    rng = np.random.default_rng(0)
    side = {side}
    N = np.repeat(np.geomspace(1e7, 1e10, side), side)
    D = N * np.tile(np.geomspace(2, 200, side), side)
    loss = (1.69 + 406.4 / N**0.34 + 410.7 / D**0.28) * np.exp(0.01 * rng.standard_normal(N.size))
    def cpu():
        t = os.times(); return t.user + t.system
    def threads():  # other than the worker pool's, which sleep between jobs
        def name(t):
            try:
                with open(f'/proc/self/task/{{t}}/comm') as f: return f.read().strip()
            except OSError:  # the thread has just ended
                return 'scalefit-pool'
        return sum(name(t) != 'scalefit-pool' for t in os.listdir('/proc/self/task'))
    base = threads()
    {setup}
    print('STARTED', flush=True)
    try:
        {work}
        print('FINISHED', flush=True)
    except KeyboardInterrupt:
        c0 = cpu()
        print('CAUGHT', c0, flush=True)
        time.sleep(0.5); c1 = cpu()
        extra = threads() - base
        print('INTERRUPTED', c1 - c0, extra, flush=True)
    except ValueError as exc:
        print('VALUEERROR', exc, flush=True)
""")


def _default_sigint():
    # A child inherits an ignored SIGINT (a test run started in the
    # background of a non-interactive shell), and Python then installs no
    # KeyboardInterrupt handler: give the child the default, as a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(setup, work, side=6, wait=1.0):
    code = CHILD.format(side=side, setup=setup, work=work)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    try:
        assert p.stdout.readline().strip() == "STARTED", p.stderr.read()
        time.sleep(wait)
        assert p.poll() is None, "finished before the interrupt"
        cpu_at_signal = _process_cpu(p.pid)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        first = p.stdout.readline()  # 'CAUGHT <cpu>' once KeyboardInterrupt arrives
        dt = time.monotonic() - t0  # the time to stop, not the child's exit
        out, err = p.communicate(timeout=30)
        out = first + out
    finally:
        if p.poll() is None:
            p.kill()
    assert first.startswith("CAUGHT ") and "INTERRUPTED" in out, out + err
    fields = out.split()
    cpu_after, extra_threads = float(fields[-2]), int(fields[-1])
    # CPU the child spent between the signal and the KeyboardInterrupt: the
    # work it did before stopping. Unlike the wall time dt it does not grow
    # while the child waits for a core on a loaded machine.
    cpu_to_stop = float(first.split()[1]) - cpu_at_signal
    return dt, cpu_to_stop, cpu_after, extra_threads


def _process_cpu(pid):
    """User + system CPU seconds of process `pid` so far, all its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_stops_a_bootstrap_within_a_second(threads):
    dt, cpu_to_stop, cpu_after, extra = _interrupt(
        "r = scalefit.fit('chinchilla', N=N, D=D, loss=loss)",
        f"r.bootstrap(n=10**6, threads={threads})")
    # The signal is noticed within one poll (50 ms) and every worker stops
    # after its current solver iteration: well under a second of work on each
    # of the threads. The wall time only guards against a hang: on a loaded
    # machine the child may wait seconds for a core.
    assert cpu_to_stop < 0.5 * threads, cpu_to_stop
    assert dt < 10.0
    assert extra == 0  # no worker thread left
    assert cpu_after < 0.2  # nothing left computing


def test_ctrl_c_stops_one_long_grid_fit():
    dt, cpu_to_stop, _, extra = _interrupt(
        "g = {'alpha': list(np.linspace(0.05, 1.5, 80)), 'beta': list(np.linspace(0.05, 1.5, 80))}",
        "scalefit.fit('chinchilla', N=N, D=D, loss=loss, grid=g, solver={'screening_tolerance': 0},"
        " threads=2)", side=12)
    assert cpu_to_stop < 1.0 and dt < 10.0 and extra == 0


def test_ctrl_c_inside_a_slow_callable_law_is_keyboard_interrupt():
    setup = textwrap.dedent("""
        def f(p, x):
            time.sleep(0.002)
            return p['E'] + p['A'] / x['N'] ** p['alpha']
        lw = scalefit.law(f, params=['E', 'A', 'alpha'], inputs=['N'], positive=['E', 'A'])
    """)
    dt, cpu_to_stop, _, extra = _interrupt(
        setup, "[scalefit.fit(lw, N=N, loss=loss) for _ in range(10**6)]")
    assert cpu_to_stop < 0.5 and dt < 10.0 and extra == 0


def test_cli_ctrl_c_exits_130(tmp_path):
    N, D, loss = planted(side=20)
    path = tmp_path / "runs.csv"
    path.write_text("N,D,loss\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in
                                           zip(N.tolist(), D.tolist(), loss.tolist())))
    _cli_interrupt(["backtest", str(path), "--law", "chinchilla", "--grid", "hoffmann"], 3.0)


def _cli_interrupt(args, wait):
    """SIGINT to `scalefit ARGS` after `wait` s: exit 130 with one line, after
    under a second of CPU (the work left before the stop, and the exit)."""
    p = subprocess.Popen([sys.executable, "-m", "scalefit", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=_default_sigint)
    # After Popen, which reaps earlier children of this process itself.
    children_before = _children_cpu()
    try:
        time.sleep(wait)
        assert p.poll() is None, p.stderr.read()
        cpu_at_signal = _process_cpu(p.pid)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        dt = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "scalefit: error: interrupted"
    # Once reaped, the child's whole CPU time is in this process's children
    # total (the tests of a worker run one at a time).
    cpu_to_exit = _children_cpu() - children_before - cpu_at_signal
    assert cpu_to_exit < 1.0, cpu_to_exit
    assert dt < 10.0  # a hang guard: the wall time grows with the load


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# --- task chains (downstream) ------------------------------------------------

CHAIN = ("scalefit.downstream.fit_chain(lad, intermediate='mmlu_bpb', metric='mmlu_acc',"
         " chance=0.25, replicates=10**5, single_step=False, threads=2)")


def test_ctrl_c_stops_a_chain_bootstrap_within_a_second():
    dt, cpu_to_stop, cpu_after, extra = _interrupt("lad = scalefit.datasets.olmo_ladder()", CHAIN,
                                                   wait=0.3)
    assert cpu_to_stop < 1.0 and dt < 10.0 and extra == 0 and cpu_after < 0.2


def test_chain_progress_reports_its_stages():
    lad = scalefit.datasets.olmo_ladder()
    seen = []
    tasks = scalefit.downstream.olmo_tasks().iloc[:1]
    scalefit.downstream.fit_chains(lad, tasks, interval="bootstrap", replicates=2,
                                   single_step=False, threads=1, progress=seen.append)
    assert [p.stage for p in seen][-1] == "chain tasks" and seen[-1].done == 1
    with pytest.raises(TypeError, match="progress"):
        scalefit.downstream.fit_chain(lad, intermediate="mmlu_bpb", metric="mmlu_acc",
                                      chance=0.25, interval="none", progress="yes")


def test_cli_ctrl_c_during_task_fit_exits_130():
    # 1.5 s: past the imports, inside the chain's fits.
    _cli_interrupt(["task", "fit", "olmo", "--task", "mmlu", "--replicates", "100000"], 1.5)
