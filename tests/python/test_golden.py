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
