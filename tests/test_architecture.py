"""The layout's promises: no import cycle inside engine/, errors in the chosen language, one colour rule."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
from diagnostica.cli.main import main
from diagnostica.engine.kb.order import strongly_connected

ENGINE = Path(__file__).resolve().parent.parent / "engine"
CLI = Path(__file__).resolve().parent.parent / "cli"
EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "mx-foreign.yaml")


def _module_name(path: Path, root: Path = ENGINE) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


@functools.cache  # parsed once: the graphs with and without annotations read the same files (none changes them)
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path, root: Path = ENGINE, annotations: bool = False) -> set[str]:
    """Modules of ``root`` (engine/ or cli/) that ``path`` imports, at any depth (a function-level
    import is an edge too; one under ``if TYPE_CHECKING:`` only when ``annotations``)."""
    here = _module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    skip: set[int] = set()
    tree = _tree(path)
    for node in ast.walk(tree):
        if not annotations and isinstance(node, ast.If) and _is_type_checking(node):  # never run
            skip.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.startswith(f"diagnostica.{root.name}"):
                target = node.module.split(".")[2:]
            else:
                continue
            # `from . import x` imports the module x; `from .m import name` the module m
            found.update(".".join(target + [alias.name]) if (root.joinpath(*target, alias.name + ".py")).exists()
                         else ".".join(target) for alias in node.names)
    return found


@functools.cache  # parsed once per session: five tests read the same two graphs (none changes them)
def _graph(root: Path = ENGINE, annotations: bool = False) -> dict[str, set[str]]:
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    return {name: {t for t in _imports(path, root, annotations) if t in modules and t != name}
            for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of more than one module that import each other (the linter's Tarjan, over modules)."""
    groups = strongly_connected({node: sorted(targets) for node, targets in sorted(graph.items())})
    return sorted(sorted(group) for group in groups if len(group) > 1)


def test_no_import_cycle_inside_engine():
    assert _cycles(_graph()) == []


def test_no_import_cycle_inside_engine_even_for_the_type_checker():
    # Annotation-only imports never run, but a circle among them still ties modules together for a
    # reader (and for the type checker): the result side names what it reads of a plan by a Protocol.
    graph = _graph(annotations=True)
    assert graph["run.evaluate"] and _cycles(graph) == []


def _folders(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between engine's folders (kb, run, dns, ...; a top-level module is its own)."""
    def folder(module: str) -> str:
        return module.split(".")[0]
    folders: dict[str, set[str]] = {}
    for module, targets in graph.items():
        folders.setdefault(folder(module), set()).update(folder(t) for t in targets if folder(t) != folder(module))
    return folders


def test_engine_folders_are_layers_not_a_web():
    # Every folder only imports folders below it (annotations included): what a lower layer needs of a
    # higher one it names by a Protocol of its own (consult.session.Wording, kb.texts.RuleWords), and
    # what several layers share lives low (inputs.jsonable), so the folders read as the pipeline.
    folders = _folders(_graph(annotations=True))
    assert {"kb", "run", "present", "consult"} <= set(folders) and _cycles(folders) == []


def test_no_import_cycle_inside_the_cli():
    graph = _graph(CLI)
    assert "web.pages" in graph and _cycles(graph) == []


#: Who may import a command module: the entry that dispatches to them, and the `rules` group its subcommands.
_DISPATCHERS = {"main": "", "rules_cmd": ""}


def _is_command(module: str) -> bool:
    return module.endswith("_cmd") or module == "check"


def test_no_command_imports_another_and_the_web_imports_none():
    """A command is options -> library call -> reporter: what two commands (or the web page) share is in
    the library, not in one of them."""
    graph = _graph(CLI)
    assert {"check", "dns_cmd", "web.api"} <= set(graph)
    shared = {module: sorted(t for t in targets if _is_command(t)) for module, targets in graph.items()
              if module not in _DISPATCHERS}
    assert {module: targets for module, targets in shared.items() if targets} == {}


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_folder_graph_sees_a_folder_cycle():
    assert _cycles(_folders({"a.x": {"b.y"}, "b.y": set(), "b.z": {"a.w"}, "a.w": set()})) == [["a", "b"]]


def test_errors_module_is_a_leaf():
    assert _graph()["errors"] == set()


@pytest.mark.parametrize("lang, expected", [
    ("en", "unknown fact"),
    ("it", "fatto sconosciuto"),
])
def test_input_error_answers_in_the_chosen_language(capsys, lang, expected):
    assert main(["check", EXAMPLE, "--lang", lang, "--fact", "dns.mxx=a"]) == 2
    assert expected in capsys.readouterr().err.lower()


@pytest.mark.parametrize("env, colored", [
    ({"FORCE_COLOR": "1"}, True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ({}, False),  # captured output is not a terminal
])
def test_one_colour_decision(capsys, monkeypatch, env, colored):
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["check", EXAMPLE]) == 1
    assert ("\x1b[" in capsys.readouterr().out) is colored


def test_no_arguments_is_a_request_for_help(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.startswith("Uso: diagnostica [OPZIONI] COMANDO")


def test_version(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"diagnostica {version('diagnostica')}\n"


@pytest.mark.parametrize("command", [["check"], ["report"], ["dns"], ["ask"], ["rules", "lint"], ["rules", "test"],
                                     ["rules", "preview"], ["rules", "docs"], ["rules", "list"]])
def test_help_shows_readable_metavars(capsys, command):
    assert main([*command, "--help"]) == 0
    options = capsys.readouterr().out.split("Opzioni:", 1)[1]
    assert "<str>" not in options and "<float>" not in options and "<path>" not in options

