"""Start-up: a command imports only the libraries its path uses, and what is cached to start faster is
never stale (the speed itself is measured by benchmarks/engine_bench.py --startup)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import diagnostica.engine as engine
import pytest
from diagnostica.engine.kb.texts import bundled_messages

from conftest import copy_kb

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "mx-foreign.yaml")
#: The heavy libraries of other paths (DNS, the OVHcloud API, the web page, pasted panels, validation).
OTHERS = {"dns", "asyncio", "ovh", "starlette", "uvicorn", "rapidfuzz", "publicsuffixlist", "jsonschema"}
#: Prints which modules the command imported, by top-level name, after running it as the CLI does.
PROBE = ("import sys, io, contextlib\n"
         "from diagnostica.cli.main import main\n"
         "with contextlib.redirect_stdout(io.StringIO()):\n"
         "    main(sys.argv[1:])\n"
         "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n")


def _probe(cache: Path, probe: str, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("DIAGNOSTICA_NO_CACHE", None)
    return subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env,
                          cwd=cache.parent, timeout=120)


def imported(cache: Path, *argv: str) -> set[str]:
    proc = _probe(cache, PROBE, *argv)
    assert proc.returncode in (0, 1), proc.stderr
    return set(proc.stdout.split())


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> tuple[Path, list[dict]]:
    """One cache folder that a first ``check`` of the example filled (Italian, from nothing) and a second
    read, with what each of the two runs parsed and compiled: the probes below start from it, as a
    user's next command starts from the cache the last one left (one pair of runs for all, not one each)."""
    import json

    cache = tmp_path_factory.mktemp("startup") / "cache"
    runs = []
    for _ in range(2):
        proc = _probe(cache, WORK_PROBE, "check", EXAMPLE, "--lang", "it")
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    return cache, runs


@pytest.mark.parametrize("argv, unwanted", [
    (["--help"], OTHERS | {"yaml", "jinja2"}),
    (["check", "--help"], OTHERS | {"yaml", "jinja2"}),
    (["rules", "--help"], OTHERS | {"yaml", "jinja2"}),
    (["dns", "--help"], OTHERS | {"yaml", "jinja2"}),
    (["ovh", "--help"], OTHERS | {"yaml", "jinja2"}),
    (["serve", "--help"], OTHERS | {"yaml", "jinja2"}),
    (["check", EXAMPLE], OTHERS | {"zipfile"}),  # warm cache: no schema validation; the KB's folder as a Path
])
def test_a_command_imports_only_what_its_path_uses(filled, argv, unwanted):
    cache, _ = filled
    assert imported(cache, *argv) & unwanted == set()


def test_a_first_check_on_an_empty_cache_validates_with_the_shipped_validators(tmp_path):
    """The knowledge base is read, validated and compiled, but the schema validators come with the engine:
    fastjsonschema (which generates them) is not even imported."""
    assert "fastjsonschema" not in imported(tmp_path / "cache", "check", EXAMPLE)
    assert not list((tmp_path / "cache" / "diagnostica").glob("acceptor-*"))  # nor generated and stored


@pytest.mark.parametrize("package", ["diagnostica.rules", "diagnostica.locales", "diagnostica.engine"])
def test_a_package_folder_is_the_one_importlib_resources_gives(package):
    from importlib import resources

    from diagnostica.engine.kb.sources import package_files

    assert (package_files(package), type(package_files(package))) == \
        (resources.files(package), type(resources.files(package)))


def test_a_package_in_a_zip_is_read_through_importlib_resources(tmp_path, monkeypatch):
    import zipfile

    from diagnostica.engine.kb.sources import package_files

    archive = tmp_path / "packages.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped_kb_probe/__init__.py", "")
        zipped.writestr("zipped_kb_probe/ask.yaml", "ask: {}\n")
    monkeypatch.syspath_prepend(str(archive))
    found = package_files("zipped_kb_probe")
    assert (isinstance(found, Path), (found / "ask.yaml").read_text(encoding="utf-8")) == (False, "ask: {}\n")


def test_the_shipped_validators_are_what_the_schemas_generate_today():
    from diagnostica.engine.kb import shipped_validators, write_validators

    written = Path(shipped_validators.__file__).read_text(encoding="utf-8")
    assert written == write_validators.source(), "run: python -m diagnostica.engine.kb.write_validators"


@pytest.mark.parametrize("name", engine.__all__)
def test_every_public_name_of_the_engine_is_the_one_of_its_module(name):
    module, attribute = engine._EXPORTS[name]
    assert getattr(engine, name) is getattr(sys.modules[f"diagnostica.engine.{module}"], attribute)


def test_an_unknown_name_of_the_engine_is_an_attribute_error():
    with pytest.raises(AttributeError, match="load_knowledgebase"):
        engine.load_knowledgebase  # noqa: B018


@pytest.fixture
def kb_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DIAGNOSTICA_NO_CACHE", raising=False)
    copy_kb(tmp_path / "kb")
    return tmp_path / "kb"


def messages_entries(kb_copy: Path) -> list[Path]:
    return sorted((kb_copy.parent / "cache" / "diagnostica").glob("messages-*.pickle"))


@pytest.mark.parametrize("lang, new", [("it", "Titolo cambiato"), ("en", "Changed title")])
def test_cached_texts_are_never_stale(cli, kb_copy, lang, new):
    """The example's finding's title, edited between two runs: the next run shows the new one."""
    old = bundled_messages(lang)["rules"]["mx-invalid"]["title"]
    messages = kb_copy / "locales" / lang / "messages.yaml"
    first = cli("check", EXAMPLE, "--kb", str(kb_copy), "--lang", lang)
    again = cli("check", EXAMPLE, "--kb", str(kb_copy), "--lang", lang)
    messages.write_text(messages.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    edited = cli("check", EXAMPLE, "--kb", str(kb_copy), "--lang", lang)
    assert (old in first.out, first.out == again.out, new in edited.out, old in edited.out,
            len(messages_entries(kb_copy))) == (True, True, True, False, len({lang, "it"}))  # one per folder


def test_a_locale_file_of_the_wrong_shape_is_reported_on_every_run(cli, kb_copy):
    (kb_copy / "locales" / "en" / "messages.yaml").write_text("rules: 3\n", encoding="utf-8")
    runs = [cli("check", EXAMPLE, "--kb", str(kb_copy), "--lang", "en") for _ in range(2)]
    assert [(run.code, "en/messages.yaml:1:1" in run.err) for run in runs] == [(2, True), (2, True)]


def test_a_damaged_texts_entry_is_ignored_and_replaced(cli, kb_copy):
    first = cli("check", EXAMPLE, "--kb", str(kb_copy))
    (entry,) = messages_entries(kb_copy)
    entry.write_bytes(entry.read_bytes()[:-10] + b"0123456789")  # the signature no longer matches
    again = cli("check", EXAMPLE, "--kb", str(kb_copy))
    assert (again.code, again.out, again.err) == (first.code, first.out, "")


#: Runs ``check`` as the CLI does and prints, as JSON, the files parsed as YAML and the templates compiled.
WORK_PROBE = ("import sys, io, json, contextlib\n"
              "import jinja2\n"
              "from diagnostica.engine.kb import yamlload\n"
              "parsed, compiled = [], []\n"
              "real_yaml, real_parse = yamlload.load_yaml, jinja2.Environment._parse\n"
              "yamlload.load_yaml = lambda text, file, *a, **k: parsed.append(file) or real_yaml(text, file, *a, **k)\n"
              "jinja2.Environment._parse = lambda self, source, name, filename: "
              "compiled.append(name) or real_parse(self, source, name, filename)\n"
              "from diagnostica.cli.main import main\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n"
              "    code = main(sys.argv[1:])\n"
              "print(json.dumps({'code': code, 'yaml': parsed, 'jinja': compiled}))\n")


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_second_check_compiles_and_reads_nothing(filled, tmp_path, lang):
    """What the first run parsed and compiled (rules, locales, templates) the second finds in the cache:
    it parses only the facts file it was given.  Italian is the shared pair of runs; English starts from
    its own empty cache (after the Italian runs it would find the rules already compiled)."""
    import json

    runs = filled[1]
    if lang != "it":
        runs = []
        for _ in range(2):
            proc = _probe(tmp_path / "cache", WORK_PROBE, "check", EXAMPLE, "--lang", lang)
            assert proc.returncode == 0, proc.stderr
            runs.append(json.loads(proc.stdout))
    first, second = runs
    assert {file.split("/")[0] for file in first["yaml"]} >= {"rules", "locales"}
    assert "ticket.txt.j2" in first["jinja"] and "mx-invalid.explanation.j2" in first["jinja"]
    assert second == {"code": 1, "yaml": [EXAMPLE], "jinja": []}
