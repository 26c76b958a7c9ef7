"""Golden reports: the text of reports and tables is compared with files in
tests/python/golden/. Inputs are fixed fit cards (so the numbers cannot move
with the solver); what is tested is the formatting, which lives in one
module (src/report.cpp). After an intended format change, regenerate with
SCALEFIT_UPDATE_GOLDEN=1 and review the diff."""
import os
import pathlib

import pytest

import scalefit
from scalefit import cli

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("SCALEFIT_UPDATE_GOLDEN") == "1"

# Hoffmann et al. 2022, App. D.2, as printed (rounded).
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"{path} missing; run with SCALEFIT_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from the golden file"


def _card():
    return scalefit.load(GOLDEN / "chinchilla_card.json")


def test_fitted_card_report():
    check("chinchilla_card_report.txt", _card().report())


def test_fitted_card_repr():
    check("chinchilla_card_repr.txt", repr(_card()) + "\n")


def test_from_params_report():
    r = scalefit.from_params("chinchilla", HOFFMANN)
    check("from_params_report.txt", r.report() + repr(r) + "\n")


def test_cli_predict_table(capsys):
    code = cli.main(["predict", str(GOLDEN / "chinchilla_card.json"), "--N", "7e10", "1e9",
                     "--D", "1.4e12", "2e10"])
    out, err = capsys.readouterr()
    assert code == 0, err
    check("cli_predict.txt", out)


# --- statsmodels-grade tables (a card with its runs, so the standard errors
# and intervals are computed from the stored data, not a moving fit) --------

def _card_with_data():
    return scalefit.load(GOLDEN / "chinchilla_card_data.json")


def test_fit_report_with_standard_errors():
    check("chinchilla_fit_report_level.txt", _card_with_data().report(level=0.9))


def test_parameter_table_golden():
    df = _card_with_data().to_dataframe(level=0.9)
    check("chinchilla_parameters.txt", df.to_string(float_format=lambda v: f"{v:.6g}") + "\n"
          + repr(df.attrs) + "\n")


def test_prediction_and_allocation_frames_golden():
    fit = _card_with_data()
    pred = fit.predict(N=[7e10, 1e9], D=[1.4e12, 2e10], level=0.9, interval="prediction")
    plan = scalefit.compute_optimal(fit, [1e22, 1e24], level=0.9)
    text = (pred.to_dataframe().to_string(float_format=lambda v: f"{v:.6g}") + "\n\n"
            + plan.to_dataframe().to_string(float_format=lambda v: f"{v:.6g}") + "\n")
    check("chinchilla_prediction_allocation.txt", text)


def test_cli_predict_with_level_table(capsys):
    code = cli.main(["predict", str(GOLDEN / "chinchilla_card_data.json"), "--N", "7e10",
                     "1e9", "--D", "1.4e12", "2e10", "--level", "0.9"])
    out, err = capsys.readouterr()
    assert code == 0, err
    check("cli_predict_level.txt", out)
