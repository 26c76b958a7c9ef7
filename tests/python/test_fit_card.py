"""Fit cards: exact round trips Python -> C++ -> Python, pickling, and
validation errors that name the field."""
import json
import math
import pickle

import numpy as np
import pytest

import scalefit


@pytest.fixture(scope="module")
def chinchilla_fit():
    return scalefit.fit("chinchilla", scalefit.datasets.chinchilla())


def _hex(params):
    return {k: float(v).hex() for k, v in params.items()}


# Values whose shortest decimal forms are long: any writer or reader that
# rounds (to 15-17 significant digits or via float32) changes one of them.
AWKWARD = {
    "E": 1.0 / 3.0,
    "A": 406.4000000000001,
    "B": math.nextafter(410.7, math.inf),
    "alpha": 0.1 + 0.2,
    "beta": 5e-324,  # smallest subnormal
}


def test_python_to_cpp_to_python_is_bit_identical(chinchilla_fit, tmp_path):
    # C++ writes; Python's own json module reads: the fitted doubles survive.
    card = json.loads(chinchilla_fit.to_card())
    got = {p["name"]: p["value"] for p in card["parameters"]}
    assert _hex(got) == _hex(chinchilla_fit.params)

    # Python writes awkward values with its own json module; C++ reads them,
    # writes them again; Python reads: every bit is kept both ways.
    for p in card["parameters"]:
        p["value"] = AWKWARD[p["name"]]
    path = tmp_path / "py_written.json"
    path.write_text(json.dumps(card, indent=1))
    with pytest.raises(ValueError, match=r"parameters\[0\] \('E'\) does not match"):
        scalefit.load(path)  # an edited card: refused unless read as given parameters
    loaded = scalefit.load(path, verify=False)
    assert _hex(loaded.params) == _hex(AWKWARD)
    out = tmp_path / "cpp_written.json"
    loaded.save(out)
    back = json.loads(out.read_text())
    assert _hex({p["name"]: p["value"] for p in back["parameters"]}) == _hex(AWKWARD)
    assert scalefit.load(out).params == AWKWARD


def test_loaded_card_keeps_the_fit_record_and_predicts_identically(chinchilla_fit, tmp_path):
    path = tmp_path / "fit.json"
    chinchilla_fit.save(path)
    loaded = scalefit.load(path)
    assert loaded.has_data and loaded.fitted  # the data travel by default
    assert loaded.converged == chinchilla_fit.converged
    assert loaded.message == chinchilla_fit.message
    assert loaded.objective == chinchilla_fit.objective
    assert loaded.objective_name == "huber_log" and loaded.delta == 1e-3
    assert loaded.num_points == 240
    assert loaded.num_starts == chinchilla_fit.num_starts
    assert loaded.flop_convention == "6ND"
    assert loaded.bounds == chinchilla_fit.bounds
    N = np.array([7e10, 1e9, 4e8])
    D = np.array([1.4e12, 2e10, 8e9])
    a = chinchilla_fit.predict(N=N, D=D)
    b = loaded.predict(N=N, D=D)
    assert [x.hex() for x in a] == [x.hex() for x in b]
    card = json.loads(path.read_text())
    assert card["format"] == "scalefit.fit_card"
    assert card["scalefit_version"] == scalefit.__version__
    assert card["data_summary"]["hash"].startswith("fnv1a64:")
    assert card["objective"]["delta"] == 1e-3
    assert card["options"]["max_iterations"] == 1000
    chinchilla_fit.save(path, include_data=False)
    small = scalefit.load(path)
    assert small.fitted and not small.has_data
    assert "not attached" in small.report()


def test_card_is_a_fixed_point(chinchilla_fit):
    text = chinchilla_fit.to_card()
    assert scalefit.loads(text).to_card() == text


def test_pickle_keeps_data(chinchilla_fit):
    clone = pickle.loads(pickle.dumps(chinchilla_fit))
    assert clone.has_data
    assert _hex(clone.params) == _hex(chinchilla_fit.params)
    assert clone.report() == chinchilla_fit.report()
    given = scalefit.from_params("chinchilla", AWKWARD)
    assert pickle.loads(pickle.dumps(given)).params == AWKWARD


def test_include_data_restores_observations(chinchilla_fit):
    card = json.loads(chinchilla_fit.to_card(include_data=True))
    assert len(card["data"]["loss"]) == 240
    # Editing one observation is caught by the digest, naming the column.
    card["data"]["loss"][0] *= 1.0 + 2 ** -50
    with pytest.raises(ValueError, match=r"data\.loss does not match the card's digest"):
        scalefit.loads(json.dumps(card))


def _card():
    return json.loads(scalefit.from_params("chinchilla", AWKWARD).to_card())


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (lambda c: c["law"].update(name="chinchila"), r"law\.name.*chinchila"),
        (lambda c: c["parameters"].pop(), r"missing parameter 'beta'"),
        (lambda c: c["parameters"][3].update(value=None), r"parameters\[3\]\.value \('alpha'\)"),
        (lambda c: c["parameters"][3].update(value="nan"), r"parameters\[3\]\.value \('alpha'\).*not finite"),
        (lambda c: c["parameters"][0].update(value=-1.0), r"parameters\[0\]\.value \('E'\).*> 0"),
        (lambda c: c["parameters"][1].update(name="Z"), r"parameters\[1\]\.name"),
        (lambda c: c["objective"].update(name="l1"), r"objective\.name"),
        (lambda c: c.update(format_version=3), r"format_version"),
        (lambda c: c.pop("fit"), r"fit: missing"),
    ],
)
def test_bad_cards_name_the_field(edit, pattern):
    card = _card()
    edit(card)
    with pytest.raises(ValueError, match=pattern):
        scalefit.loads(json.dumps(card))


def test_file_errors_name_the_file(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"empty\.json.*empty"):
        scalefit.load(empty)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "format": ,\n}\n')
    with pytest.raises(ValueError, match=r"broken\.json.*line 2"):
        scalefit.load(broken)
    with pytest.raises(ValueError, match="nothere"):
        scalefit.load(tmp_path / "nothere.json")
    with pytest.raises(TypeError):
        scalefit.loads(b"{}")
