"""The chapters' parameter mechanism: declared knobs, validated before any work, typos refused."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ffhlib import chapter
from ffhlib.calibration import CALIBRATED
from ffhlib.study import StudyParams

BOOK = Path(__file__).resolve().parents[1] / "book"


def _namespace(name: str, **changes) -> dict:
    """A chapter's namespace as its parameters cell leaves it (literals read from the source)."""
    nb = json.loads((BOOK / f"{name}.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
              if isinstance(node, ast.Assign)}
    values.update(changes)
    values.update({"In": [""], "Out": {}, "get_ipython": lambda: None, "_i1": "x"})
    return values


@pytest.mark.parametrize("name", sorted(chapter.CHAPTERS))
def test_parameters_cells_declare_exactly_the_registered_knobs(name):
    namespace = _namespace(name)
    declared = {k for k in namespace if not k.startswith("_") and k not in
                ("In", "Out", "get_ipython")}
    assert declared == set(chapter.CHAPTERS[name])
    args = chapter.setup(name, namespace)  # the defaults validate
    assert args.seed == namespace["seed"] and args.quick is False


def test_a_misspelt_parameter_stops_the_chapter_and_lists_the_parameters():
    namespace = _namespace("05_dynamics_similarity", hint_gian=0.5)
    with pytest.raises(NameError, match="'hint_gian'") as info:
        chapter.setup("05_dynamics_similarity", namespace)
    assert "hint_gain" in str(info.value) and "cue_epoch" in str(info.value)


@pytest.mark.parametrize(("knob", "value", "error"), [
    ("seed", "x", (TypeError, ValueError)),
    ("quick", "maybe", TypeError),
    ("cue_epoch", "movement", ValueError),
    ("neuron_fraction", -0.1, ValueError),
    ("hint_gain", "strong", (TypeError, ValueError)),
    ("ground_truth_seeds", (0, 100), ValueError),
    ("n_seeds", 0, ValueError),
])
def test_a_bad_value_names_the_parameter(knob, value, error):
    namespace = _namespace("05_dynamics_similarity", **{knob: value})
    with pytest.raises(error, match=knob):
        chapter.setup("05_dynamics_similarity", namespace)


def test_papermill_strings_are_parsed():
    namespace = _namespace("05_dynamics_similarity", quick="true", ground_truth_seeds="0,2",
                           n_seeds="3", hint_gain="0.5", seed="4")
    args = chapter.setup("05_dynamics_similarity", namespace)
    assert args.quick is True and args["ground_truth_seeds"] == (0, 2)
    study = args.study()
    assert study.ground_truth_seeds == (0, 2) and study.seeds == (4, 5, 6)
    assert study.force.hint_gain == 0.5


def test_study_params_apply_the_calibrated_settings_of_the_design():
    for design, settings in CALIBRATED.items():
        params = chapter.study_params(cue_epoch=design)
        assert params.force.cue_epoch == design
        assert params.force.hint_gain == settings.hint_gain
        assert params.force.training_noise == settings.training_noise
        assert params.force.n_passes == settings.n_passes
    quick = chapter.study_params(quick=True, cue_epoch="trial")
    assert quick.force.n_passes == StudyParams.quick().force.n_passes
    assert quick.force.hint_gain == CALIBRATED["trial"].hint_gain
    assert chapter.study_params(pca_dim=5).similarity.pca_dim == 5
    one = chapter.study_params(ground_truth_seed=3, n_seeds=1, seed=2)
    assert one.units == [(3, 2)]


@pytest.mark.parametrize("notebook", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_page_checks_its_parameters_first(notebook):
    """The cell after the parameters starts with the check, before any import could put a
    literal-valued name into the namespace; every page of the book is registered."""
    assert notebook.stem in chapter.CHAPTERS
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    lines = [ln for ln in "".join(cells[1]["source"]).splitlines() if ln.strip()]
    assert lines[:2] == ["from ffhlib.chapter import setup",
                         f'args = setup("{notebook.stem}", globals())']


def test_glue_flags_glues_the_bool_and_a_yes_or_no_for_the_prose(monkeypatch):
    import numpy as np

    myst_nb = pytest.importorskip("myst_nb")
    glued = {}
    monkeypatch.setattr(myst_nb, "glue",
                        lambda key, value, display=True: glued.update({key: value}))
    chapter.glue_flags({"dale_ok": np.bool_(True), "diag_zero": False})
    assert glued == {"dale_ok": True, "dale_ok_text": "yes", "diag_zero": False,
                     "diag_zero_text": "no"}
    assert type(glued["dale_ok"]) is bool
    with pytest.raises(TypeError, match="ratio"):
        chapter.glue_flags({"ratio": 0.5})
