"""What `pip install .` ships: every module and every data file of the source tree."""
from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETUP = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_python_package_folder_is_installed():
    mapped = {Path(folder) for folder in SETUP["package-dir"].values()}
    assert set(SETUP["packages"]) == set(SETUP["package-dir"])
    for top in ("engine", "cli", "rules", "locales"):
        for init in (REPO / top).rglob("__init__.py"):
            assert init.parent.relative_to(REPO) in mapped, f"{init.parent} is not in pyproject's packages"


def _own_files(folder: Path):
    """Data files of a package folder, leaving out its Python subpackages."""
    for path in folder.rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        parents = path.relative_to(folder).parents
        if any((folder / parent / "__init__.py").exists() for parent in parents if parent != Path(".")):
            continue
        yield path


def test_every_data_file_matches_a_package_data_pattern():
    for package, folder in SETUP["package-dir"].items():
        patterns = SETUP["package-data"].get(package, [])
        for path in _own_files(REPO / folder):
            relative = path.relative_to(REPO / folder).as_posix()
            # setuptools globs do not cross "/": compare depth as well as the pattern
            assert any(fnmatch.fnmatch(relative, p) and relative.count("/") == p.count("/") for p in patterns), \
                f"{path.relative_to(REPO)} would be left out of the wheel"
