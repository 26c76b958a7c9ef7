"""Run-time choice of the instruction set that evaluates the built-in laws:
the choice is visible (result, report, fit card), can be changed, refuses
unknown names, and every set gives the same fit as the scalar path."""
import pytest

import scalefit


@pytest.fixture
def restore_isa():
    saved = scalefit.instruction_set()
    yield
    scalefit.set_instruction_set(saved)


def test_supported_sets_end_with_scalar_and_start_with_the_default():
    sets = scalefit.supported_instruction_sets()
    assert sets[-1] == "scalar"
    assert sets[0] == scalefit.instruction_set()
    assert set(sets) <= {"avx512", "avx2", "sse2", "scalar"}


def test_unknown_set_is_refused_by_name(restore_isa):
    with pytest.raises(scalefit.ScalefitError, match="avx9000"):
        scalefit.set_instruction_set("avx9000")


def test_fit_names_its_set_in_result_report_and_card(restore_isa):
    data = scalefit.datasets.chinchilla()
    by_set = {}
    for isa in scalefit.supported_instruction_sets():
        scalefit.set_instruction_set(isa)
        r = scalefit.fit("chinchilla", data)
        assert r.instruction_set == isa
        assert f"evaluation:  {isa}" in r.report()
        loaded = scalefit.loads(r.to_card())
        assert loaded.instruction_set == isa
        by_set[isa] = r
    scalar = by_set["scalar"]
    for isa, r in by_set.items():
        # Objectives to 1e-12 relative; parameters to the spread the scalar
        # path itself shows when the row order changes (docs/benchmarks.md).
        assert r.objective == pytest.approx(scalar.objective, rel=1e-12, abs=0)
        for name, value in scalar.params.items():
            assert r.params[name] == pytest.approx(value, rel=1e-6), (isa, name)
    simd = [by_set[s] for s in by_set if s != "scalar"]
    for r in simd[1:]:  # SIMD sets are bit-identical to one another
        assert r.params == simd[0].params and r.objective == simd[0].objective


def test_given_parameters_have_no_set():
    r = scalefit.from_params("chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7,
                                            "alpha": 0.34, "beta": 0.28})
    assert r.instruction_set == ""
    assert "evaluation:" not in r.report()


def test_card_from_another_machine_loads_and_verifies(restore_isa):
    # The set is a claim of the card, covered by its digest like every other
    # field; loading re-checks the objective and certification with whatever
    # set this machine runs. A card written with the widest set here (AVX-512 or
    # AVX2 on most machines) must load where only SSE2 or the scalar path runs.
    sets = scalefit.supported_instruction_sets()
    scalefit.set_instruction_set(sets[0])
    card = scalefit.fit("chinchilla", scalefit.datasets.chinchilla()).to_card()
    for isa in sets:
        scalefit.set_instruction_set(isa)
        loaded = scalefit.loads(card)
        assert loaded.instruction_set == sets[0]
        assert loaded.converged and loaded.has_data


def test_card_with_an_edited_set_fails_verification(restore_isa):
    r = scalefit.fit("chinchilla", scalefit.datasets.chinchilla())
    other = "scalar" if r.instruction_set != "scalar" else "sse2"
    card = r.to_card()
    needle = f'"instruction_set": "{r.instruction_set}"'
    assert needle in card
    edited = card.replace(needle, f'"instruction_set": "{other}"')
    with pytest.raises(scalefit.ScalefitError, match="fit.instruction_set"):
        scalefit.loads(edited)
    # Without verification the parameters load as given parameters.
    assert scalefit.loads(edited, verify=False).params == r.params


def _run_with_env(value, *args):
    # The environment variable is read once per process, at the first fit
    # or query: a fresh interpreter for each value.
    import os
    import subprocess
    import sys
    env = dict(os.environ, SCALEFIT_INSTRUCTION_SET=value)
    return subprocess.run([sys.executable, *args], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("value", ["avx9000", "AVX2 ", "avx2,sse2"])
def test_environment_value_naming_no_set_keeps_the_default_and_warns(value):
    default = scalefit.supported_instruction_sets()[0]
    code = ("import warnings, scalefit\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    print(scalefit.instruction_set())\n"
            "    print(scalefit.instruction_set())\n"
            "msgs = [str(x.message) for x in w if x.category is scalefit.ScalefitWarning]\n"
            "print(len(msgs)); print(msgs[0] if msgs else '')\n")
    out = _run_with_env(value, "-c", code)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == lines[1] == default
    assert lines[2] == "1"  # once per process
    assert "SCALEFIT_INSTRUCTION_SET" in lines[3] and f"'{value}'" in lines[3]
    assert f"using {default}" in lines[3]


@pytest.mark.parametrize("value", ["scalar", ""])
def test_environment_value_naming_a_supported_set_is_used_silently(value):
    # "scalar" runs on every build; an empty value is as if unset.
    want = value or scalefit.supported_instruction_sets()[0]
    out = _run_with_env(value, "-c", "import scalefit; print(scalefit.instruction_set())")
    assert out.returncode == 0 and out.stdout.strip() == want
    assert "SCALEFIT_INSTRUCTION_SET" not in out.stderr


def test_environment_value_this_cpu_cannot_run_is_named():
    sets = scalefit.supported_instruction_sets()
    missing = [s for s in ("avx512", "avx2", "sse2") if s not in sets]
    if not missing:
        pytest.skip("this CPU runs every instruction set")
    out = _run_with_env(missing[0], "-c",
                        "import scalefit; print(scalefit.instruction_set())")
    assert out.returncode == 0 and out.stdout.strip() == sets[0]
    assert f"'{missing[0]}' is not supported by this CPU" in out.stderr


def test_command_line_names_a_bad_environment_value_in_one_line():
    out = _run_with_env("avx9000", "-m", "scalefit", "--version")
    default = scalefit.supported_instruction_sets()[0]
    assert out.returncode == 0
    assert out.stdout.strip().endswith(f"(instruction set: {default})")
    warning = [ln for ln in out.stderr.splitlines() if "SCALEFIT_INSTRUCTION_SET" in ln]
    assert len(warning) == 1 and "'avx9000'" in warning[0], out.stderr
    assert "Traceback" not in out.stderr
