"""The repository's own files: dependency lists in step, lint clean, CI calls the README command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return reqs


def _environment_pip_requirements() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return [r for r in pip if not r.startswith("-e")]


def test_environment_yml_mirrors_pyproject():
    assert sorted(_environment_pip_requirements()) == sorted(_pyproject_requirements())


def test_environment_yml_python_satisfies_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    version = tuple(int(x) for x in re.findall(r"\d+", python)[:2])
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(x) for x in re.findall(r"\d+", requires)[:2])
    assert version >= minimum


def test_book_stack_is_pinned():
    reqs = {re.split(r"[<>=!~\[ ]", r)[0]: r for r in _pyproject_requirements()}
    assert reqs["jupyter-book"] == "jupyter-book==1.0.4.post1"
    assert reqs["papermill"].startswith("papermill==2.7")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci
    assert "make test" in readme and "make book" in readme


def test_ruff_is_clean():
    # ruff is a `dev` extra, installed by `make test`; the venv's copy sits beside its python.
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff is not None, "ruff is missing: install the project's dev extra"
    result = subprocess.run([ruff, "check", "src", "tests", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
