"""The wheel holds exactly the packages node, anchoring and api: pyproject.toml's package list is
exact, so a sibling such as node_modules/ (npm's tools, with .py files inside) never ships."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("node", "anchoring", "api")


@pytest.mark.slow
def test_the_wheel_holds_exactly_the_three_packages(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    # Look-alikes beside the packages, as in a checkout: none of them may ship.
    for decoy in ("node_modules/tool/__init__.py", "node_modules/helper.py", "nodes/__init__.py"):
        (source / decoy).parent.mkdir(parents=True, exist_ok=True)
        (source / decoy).write_text("", encoding="utf-8")
    out = tmp_path / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    built = subprocess.run(
        [*pip_wheel, "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = out.glob("tamga-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    (info,) = [t for t in top if t.endswith(".dist-info")]
    assert top == {*PACKAGES, info}
    shipped = {name for name in names if name.endswith(".py")}
    modules = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert shipped == modules  # every module ships (no package lacks its __init__.py)
    assert {f"{p}/py.typed" for p in PACKAGES} <= set(names)
    # the pages' templates, stylesheet and scripts ship too (the workbench and the portal)
    for asset in ("api/static/style.css", "api/static/workbench.js", "api/static/portal.js"):
        assert asset in names, asset
    assert {
        f"api/templates/{path.name}" for path in (ROOT / "api" / "templates").glob("*.html")
    } <= set(names)
