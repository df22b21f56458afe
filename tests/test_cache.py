"""The compiled-knowledge-base cache: used when nothing changed, never stale, never fatal."""
from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from diagnostica.engine.kb import cache, sources
from diagnostica.engine.run import load as knowledge

from conftest import copy_kb

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One copy of the bundled knowledge base for the module's tests that only read it: a copy is
    180 files (about 50 ms each time).  The cache entries go to each test's own folder, so every
    test still starts from an empty cache."""
    return copy_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture(scope="module")
def broken_kb(tmp_path_factory):
    """A copy with a rule file that does not load (read only, as ``pristine``)."""
    return _broken(copy_kb(tmp_path_factory.mktemp("broken-kb")))


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache folder of this test's own (``tmp_path/cache``), the cache not switched off."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DIAGNOSTICA_NO_CACHE", raising=False)


@pytest.fixture
def kb_copy(pristine, own_cache):
    """The bundled knowledge base, for a test that does not change it, and a cache folder of its own."""
    return pristine


@pytest.fixture
def kb_writable(tmp_path, own_cache):
    """A copy of the bundled knowledge base of this test's own, to change, and a cache folder of its own."""
    return copy_kb(tmp_path / "kb")


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "diagnostica").glob("kb-*.pickle"))


FACTS = {"dns.mx_valid": False, "account.spam_blocked": True}


@pytest.fixture
def compiles(monkeypatch):
    """The names of the generated variants compiled from their source, in order ("rules": the full one)."""
    from diagnostica.engine.run import plan

    made: list[str] = []
    real = plan._compile

    def counted(source, name):
        made.append(name)
        return real(source, name)

    monkeypatch.setattr(plan, "_compile", counted)
    return made


@pytest.mark.parametrize("call, variant", [("evaluate", "rules"), ("fired", "fired")])
def test_code_is_compiled_on_first_use_then_stored_for_the_warm_loads(kb_copy, compiles, call, variant):
    cold = knowledge.load(sources.from_directory(kb_copy))
    assert compiles == []  # a cold load reads and checks; it does not compile
    expected = _seen(getattr(cold, call)(FACTS))
    assert compiles == [variant]
    warm = knowledge.load(sources.from_directory(kb_copy))
    assert warm.compiled is not cold.compiled  # from the cache
    assert (_seen(getattr(warm, call)(FACTS)), compiles) == (expected, [variant])  # its code came with the entry


def _seen(answer):
    """A fired tuple as it is, a Result as its outcomes and findings (Results compare by identity)."""
    return answer if isinstance(answer, tuple) else (dict(answer.outcomes), [f.id for f in answer.findings])


def test_without_the_cache_the_code_is_compiled_in_each_process_on_first_use(kb_copy, tmp_path, compiles):
    kb = knowledge.load(sources.from_directory(kb_copy), cache=False)
    kb.evaluate(FACTS)
    kb.evaluate(FACTS)
    assert (compiles, entries(tmp_path)) == (["rules"], [])


def test_second_load_comes_from_the_cache(kb_copy, tmp_path):
    first = knowledge.load(sources.from_directory(kb_copy))
    assert len(entries(tmp_path)) == 1
    second = knowledge.load(sources.from_directory(kb_copy))
    assert second.compiled is not None and second.compiled is not first.compiled
    facts = {"dns.mx_valid": False, "account.spam_blocked": True}
    assert [f.id for f in second.evaluate(facts).findings] == [f.id for f in first.evaluate(facts).findings]
    assert second.files[0].file.endswith("facts.yaml")  # re-read on demand


def _tree(node):
    """A condition tree as comparable data: each node's class and slots, children as trees."""
    if isinstance(node, (list, tuple)):
        return [_tree(child) for child in node]
    if isinstance(node, frozenset):
        return sorted(map(repr, map(_tree, node)))
    slots = [name for cls in type(node).__mro__ for name in getattr(cls, "__slots__", ())]
    if not slots:
        return node
    return (type(node).__name__, [(name, _tree(getattr(node, name))) for name in slots if hasattr(node, name)])


def test_conditions_from_the_cache_are_the_compiled_ones(kb_copy):
    # The cache keeps each rule's condition as bytes until first read: the trees read back are the same.
    first = knowledge.load(sources.from_directory(kb_copy))
    second = knowledge.load(sources.from_directory(kb_copy))
    assert second.compiled is not first.compiled  # from the cache
    assert [r.id for r in second.rules] == [r.id for r in first.rules]
    for cold, warm in zip(first.rules, second.rules):
        assert _tree(warm.condition) == _tree(cold.condition), cold.id
        assert warm.condition is warm.condition  # read once, then the same tree
        assert frozenset(warm.condition.facts()) == cold.reads


def test_changed_rule_file_invalidates_the_entry(kb_writable, tmp_path):
    knowledge.load(sources.from_directory(kb_writable))
    old = entries(tmp_path)
    path = kb_writable / "rules" / "account.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("when: {fact: account.spam_blocked, equals: true}",
                                 "when: {fact: account.spam_blocked, equals: false}", 1), encoding="utf-8")
    kb = knowledge.load(sources.from_directory(kb_writable))
    assert kb.evaluate({"account.spam_blocked": False}).outcomes["account-spam-blocked"] is True
    assert entries(tmp_path) != old and len(entries(tmp_path)) == 1  # the old entry is replaced


def test_corrupt_entry_is_ignored_and_replaced(kb_copy, tmp_path):
    knowledge.load(sources.from_directory(kb_copy))
    (entry,) = entries(tmp_path)
    entry.write_bytes(cache.FORMAT + b"\x80\x05 not a pickle")
    kb = knowledge.load(sources.from_directory(kb_copy))
    assert kb.evaluate({"account.spam_blocked": True}).outcomes["account-spam-blocked"] is True
    assert knowledge.load(sources.from_directory(kb_copy)).compiled is not None
    entry.write_bytes(b"")  # truncated to nothing
    assert knowledge.load(sources.from_directory(kb_copy)).by_id["account-spam-blocked"]


def test_no_cache_bypasses_it(kb_copy, tmp_path):
    knowledge.load(sources.from_directory(kb_copy), cache=False)
    assert entries(tmp_path) == []


def test_cli_no_cache_reads_the_files(cli, kb_writable, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    example = str(REPO / "examples" / "mx-foreign.yaml")
    run = cli("check", "--kb", str(kb_writable), "--no-cache", example, env=env)
    assert run.code == 1 and "mx-invalid" in run.out
    assert entries(tmp_path) == []
    cli("check", "--kb", str(kb_writable), example, env=env)
    (entry,) = entries(tmp_path)
    original = (kb_writable / "rules" / "dns.yaml").read_text(encoding="utf-8")
    # A broken rule file must be reported even though a cache entry exists for the old one.
    (kb_writable / "rules" / "dns.yaml").write_text("rules:\n  - id: Bad Id\n", encoding="utf-8")
    for args in ([], ["--no-cache"]):
        run = cli("check", "--kb", str(kb_writable), *args, example, env=env)
        assert run.code == 2 and "dns.yaml" in run.err, run.err
    # Back to the original file: its entry is there, corrupt -- ignored, replaced.
    (kb_writable / "rules" / "dns.yaml").write_text(original, encoding="utf-8")
    entry.write_bytes(cache.FORMAT + b"garbage")
    run = cli("check", "--kb", str(kb_writable), example, env=env)
    assert run.code == 1 and "mx-invalid" in run.out and run.err == ""


# ---------------------------------------------------------------- trust: nothing foreign is run


class _Planted:
    """A pickle that, if ever loaded, writes the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def _planted_kb_entry(entry: Path, marker: Path) -> bytes:
    import pickle

    return cache.FORMAT + bytes(32) + pickle.dumps(_Planted(marker))


def _planted_template_entry(entry: Path, marker: Path) -> bytes:
    import marshal

    from diagnostica.engine.present.sandbox import SignedCodeCache

    # The entry's own layout (header, HMAC, marshalled code) under the real name: only the HMAC is wrong.
    code = compile(f"open({str(marker)!r}, 'w').close()", "planted", "exec")
    return SignedCodeCache.HEADER + bytes(32) + marshal.dumps(code)


@pytest.mark.parametrize("pattern, plant", [
    ("kb-*.pickle", _planted_kb_entry),
    ("jinja-*.code", _planted_template_entry),
])
def test_planted_entry_is_not_run_and_the_run_is_still_correct(cli, process, kb_copy, tmp_path, pattern, plant):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    example = str(REPO / "examples" / "mx-foreign.yaml")
    first = cli("check", "--kb", str(kb_copy), example, env=env)
    marker = tmp_path / "pwned"
    planted = sorted((tmp_path / "cache" / "diagnostica").glob(pattern))
    assert planted
    for entry in planted:
        entry.write_bytes(plant(entry, marker))
    # A new process: this one keeps what it compiled in memory and would never read the entries again.
    run = process("check", "--kb", str(kb_copy), example, env=env)
    assert (marker.exists(), run.code, run.out, run.err) == (False, 1, first.out, "")


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o755 | 0o002])
def test_folder_others_can_write_is_skipped_with_one_warning(cli, kb_copy, tmp_path, mode):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    folder = tmp_path / "cache" / "diagnostica"
    folder.mkdir(parents=True)
    folder.chmod(mode)
    example = str(REPO / "examples" / "mx-foreign.yaml")
    run = cli("check", "--kb", str(kb_copy), example, env=env)
    assert (run.code, "mx-invalid" in run.out, len(run.err.splitlines())) == (1, True, 1)
    assert sorted(folder.iterdir()) == []


def test_new_folder_and_key_are_private(kb_copy, tmp_path):
    knowledge.load(sources.from_directory(kb_copy))
    folder = tmp_path / "cache" / "diagnostica"
    assert (folder.stat().st_mode & 0o777, (folder / cache.KEY_FILE).stat().st_mode & 0o777) == (0o700, 0o600)


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root writes anywhere")
def test_read_only_cache_costs_speed_only(cli, kb_copy, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    example = str(REPO / "examples" / "mx-foreign.yaml")
    first = cli("check", "--kb", str(kb_copy), example, "--format", "ticket", env=env)
    folder = tmp_path / "cache" / "diagnostica"
    for entry in folder.iterdir():
        if entry.name != cache.KEY_FILE:
            entry.unlink()
    folder.chmod(0o500)
    try:
        run = cli("check", "--kb", str(kb_copy), example, "--format", "ticket", env=env)
    finally:
        folder.chmod(0o700)
    assert (run.code, run.out, run.err) == (first.code, first.out, "")


def test_cache_that_cannot_be_created_costs_speed_only(cli, kb_copy, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    example = str(REPO / "examples" / "mx-foreign.yaml")
    run = cli("check", "--kb", str(kb_copy), example, "--format", "ticket", env={"XDG_CACHE_HOME": str(blocker)})
    assert (run.code, "mx" in run.out, run.err) == (1, True, "")


# ---------------------------------------------------------------- compiled templates


def code_entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "diagnostica").glob("jinja-*.code"))


@pytest.fixture
def fresh_process_memory(monkeypatch):
    """This process's compiled templates forgotten, so what the next one would find on disk is what counts."""
    from diagnostica.engine.present import sandbox

    monkeypatch.setattr(sandbox, "_CODE", type(sandbox._CODE)())


def _env(**settings):
    import jinja2
    from diagnostica.engine.present.sandbox import BudgetedEnvironment, signed_code_cache

    return BudgetedEnvironment(loader=jinja2.DictLoader({"t.j2": "{% if x %}\n  sì\n{% endif %}\nfine"}),
                               bytecode_cache=signed_code_cache(), **settings)


def test_code_compiled_with_other_settings_is_never_served(kb_copy, tmp_path, fresh_process_memory):
    """The same name and text under other whitespace settings: another entry, and the text those settings
    give (Jinja's own layout keyed the code by name and text only, and would have served the first)."""
    trimmed = _env(trim_blocks=True, lstrip_blocks=True).get_template("t.j2").render(x=True)
    from diagnostica.engine.present import sandbox

    sandbox._CODE.clear()
    plain = _env().get_template("t.j2").render(x=True)
    # One entry: the same file's newer code replaces its older one.
    assert (trimmed, plain, len(code_entries(tmp_path))) == ("  sì\nfine", "\n  sì\n\nfine", 1)


def test_stored_code_is_read_back_not_compiled(kb_copy, tmp_path, fresh_process_memory, monkeypatch):
    import jinja2

    first = _env(trim_blocks=True).get_template("t.j2").render(x=True)
    from diagnostica.engine.present import sandbox

    sandbox._CODE.clear()
    compiled: list[str] = []
    real = jinja2.Environment._parse
    monkeypatch.setattr(jinja2.Environment, "_parse", lambda self, *a: compiled.append(a[1]) or real(self, *a))
    again = _env(trim_blocks=True).get_template("t.j2")
    assert (again.render(x=True), compiled, len(code_entries(tmp_path))) == (first, [], 1)


def test_an_edited_template_replaces_its_entry_and_old_layout_entries_go(cli, kb_writable, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    example = str(REPO / "examples" / "mx-foreign.yaml")
    folder = tmp_path / "cache" / "diagnostica"
    folder.mkdir(parents=True, mode=0o700)
    legacy = folder / "template-0123abcd.cache"  # Jinja's layout, as earlier versions wrote it
    legacy.write_bytes(b"j2 old")
    cli("check", "--kb", str(kb_writable), example, env=env)
    before = code_entries(tmp_path)
    template = kb_writable / "locales" / "it" / "rules" / "mx-invalid.explanation.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nUna riga in più.\n", encoding="utf-8")
    run = cli("check", "--kb", str(kb_writable), example, env=env)
    after = code_entries(tmp_path)
    assert (legacy.exists(), len(after), len(set(after) - set(before)), "Una riga in più." in run.out) == \
        (False, len(before), 1, True)


# ---------------------------------------------------------------- the collector around a load


def _broken(root: Path) -> Path:
    (root / "rules" / "dns.yaml").write_text("rules:\n  - id: Bad Id\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("caller_froze", [False, True])
@pytest.mark.parametrize("use_cache, broken", [(True, False), (False, False), (True, True)])
def test_load_leaves_the_collector_as_it_found_it(kb_copy, broken_kb, enabled, caller_froze, use_cache, broken):
    import gc

    from diagnostica.engine.errors import KnowledgeBaseErrors

    directory = sources.from_directory(broken_kb if broken else kb_copy)
    was = gc.isenabled()
    gc.unfreeze()  # whatever an earlier test of this process froze (`dns batch` in process freezes)
    (gc.enable if enabled else gc.disable)()
    mine = [object()]  # a container of the caller's, frozen or not
    if caller_froze:
        gc.freeze()
    try:
        for _ in range(2):  # the second load from the cache when there is one
            try:
                knowledge.load(directory, cache=use_cache)
            except KnowledgeBaseErrors:
                assert broken
        collectable = any(o is mine for o in gc.get_objects())  # the permanent generation is not listed
        assert (gc.isenabled(), gc.get_freeze_count() > 0, collectable) == (enabled, caller_froze, not caller_froze)
    finally:
        gc.unfreeze()
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_knowledge_base_let_go_is_freed(kb_copy, use_cache):
    # A reloading server drops its old knowledge base: nothing of it may outlive the next collection.
    import gc
    import weakref

    gc.freeze()  # what the process already holds is set aside: the collection below scans only what this made
    try:
        knowledge.load(sources.from_directory(kb_copy), cache=use_cache)  # the next one from the cache
        kb = knowledge.load(sources.from_directory(kb_copy), cache=use_cache)
        kb.evaluate(FACTS)
        kb.fired(FACTS)
        gone = [weakref.ref(kb), weakref.ref(kb.rules[0]), weakref.ref(kb.compiled.evaluate)]  # the generated driver
        del kb
        gc.collect()
        assert [ref() for ref in gone] == [None, None, None]
    finally:
        gc.unfreeze()


# ---------------------------------------------------------------- the schema validator's generated code


def acceptor_entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "diagnostica").glob("acceptor-*.code"))


@pytest.fixture
def generated(monkeypatch):
    """The validators generated from their schema in this test (each load's own ``_acceptor`` forgotten
    between loads stands for a new process, which keeps nothing in memory).  The shipped validators are
    made stale, as after an edit of a schema file not yet followed by their regeneration: only then are
    the cache entries used."""
    from diagnostica.engine.kb import acceptor, shipped_validators
    from diagnostica.engine.kb import load as kb_load

    monkeypatch.setattr(shipped_validators, "GENERATED_FROM",
                        {name: ("0" * 64, function) for name, (_, function) in shipped_validators.GENERATED_FROM.items()})

    made: list[str] = []
    real = acceptor._generate
    monkeypatch.setattr(acceptor, "_generate", lambda definition: made.append(definition["$id"]) or real(definition))
    kb_load._acceptor.cache_clear()
    yield made
    kb_load._acceptor.cache_clear()


def _new_process_reads_the_files(tmp_path: Path) -> None:
    from diagnostica.engine.kb import load as kb_load

    for entry in entries(tmp_path):  # the knowledge base's own entry gone (an edited rule, say): files re-read
        entry.unlink()
    kb_load._acceptor.cache_clear()


def _still_judges(kb_copy: Path) -> tuple[bool, bool]:
    """Whether the validator in use accepts a shipped rule file, and the same file with an invalid id."""
    import copy

    import yaml
    from diagnostica.engine.kb import load as kb_load

    good = yaml.safe_load((kb_copy / "rules" / "account.yaml").read_text(encoding="utf-8"))
    bad = copy.deepcopy(good)
    bad["rules"][0]["id"] = "Bad Id"
    return kb_load._accepted(good, "rules.schema.json"), kb_load._accepted(bad, "rules.schema.json")


def test_a_validator_in_the_cache_is_read_back_not_generated(kb_copy, tmp_path, generated):
    knowledge.load(sources.from_directory(kb_copy))
    first = list(generated)
    assert len(first) == 2 and len(acceptor_entries(tmp_path)) == 2  # the rules' and the facts' schemas
    judged = _still_judges(kb_copy)
    _new_process_reads_the_files(tmp_path)
    kb = knowledge.load(sources.from_directory(kb_copy))
    assert kb.evaluate({"account.spam_blocked": True}).outcomes["account-spam-blocked"] is True
    assert (generated, _still_judges(kb_copy), judged) == (first, judged, (True, False))


def _garbage(entry: Path, marker: Path) -> bytes:
    return b"not an entry"


def _planted_code(entry: Path, marker: Path) -> bytes:
    import marshal

    from diagnostica.engine.kb import acceptor

    # The entry's own layout (header, HMAC, marshalled name and code) under the real name: only the HMAC
    # is wrong, and the code would leave a marker if it were ever run.
    code = compile(f"open({str(marker)!r}, 'w').close()\ndef v(data): return data", "planted", "exec")
    return acceptor.HEADER + bytes(32) + marshal.dumps(("v", code))


def _truncated(entry: Path, marker: Path) -> bytes:
    return entry.read_bytes()[: entry.stat().st_size // 2]


def _signed_but_not_code(entry: Path, marker: Path) -> bytes:
    import marshal

    from diagnostica.engine.kb import acceptor

    # Authenticated (written with this user's key) yet not a (name, code) pair: another layout's entry.
    folder = entry.parent
    assert cache.write_signed(folder, cache.secret_key(folder), entry.name, acceptor.HEADER, marshal.dumps(42))
    return entry.read_bytes()


@pytest.mark.parametrize("plant", [_garbage, _planted_code, _truncated, _signed_but_not_code])
def test_a_planted_or_damaged_validator_entry_is_ignored_and_replaced(kb_copy, tmp_path, generated, plant):
    knowledge.load(sources.from_directory(kb_copy))
    first = list(generated)
    marker = tmp_path / "pwned"
    for entry in acceptor_entries(tmp_path):
        entry.write_bytes(plant(entry, marker))
    _new_process_reads_the_files(tmp_path)
    kb = knowledge.load(sources.from_directory(kb_copy))
    assert kb.evaluate({"account.spam_blocked": True}).outcomes["account-spam-blocked"] is True
    assert (marker.exists(), sorted(generated), _still_judges(kb_copy)) == (False, sorted(first * 2), (True, False))
    _new_process_reads_the_files(tmp_path)  # the entries were written anew: the next process reads them
    knowledge.load(sources.from_directory(kb_copy))
    assert (len(generated), len(acceptor_entries(tmp_path))) == (4, 2)


@pytest.mark.parametrize("variant", ["evaluate", "fired"])
def test_compiling_a_variant_runs_no_collection_and_leaves_the_collector_on(tmp_path, monkeypatch, variant):
    """Writing and compiling a variant's code makes objects that outlive it, as a load does: a collection
    then is wasted work (and a full one scans the whole process), so none runs, and gc is on after."""
    import gc

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import workload

    # 300 rules: enough for the young generation to fill several times over while their code is written
    kb = knowledge.load(sources.from_directory(workload.write_kb(tmp_path / "kb", 300, 4)), cache=False)
    collections = []

    def seen(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    was, thresholds = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(700, 10, 10)  # Python's own (a library caller's), not the raised ones of the suite
    gc.callbacks.append(seen)
    try:
        getattr(kb, variant)  # the first read writes and compiles the code
        assert (collections, gc.isenabled()) == ([], True)
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*thresholds)
        (gc.enable if was else gc.disable)()


def test_a_batch_call_on_built_code_leaves_the_collector_alone(monkeypatch):
    """Only building pauses the collector: a pause moves the process's young objects, garbage included, to
    the oldest generation, so pausing at each ``evaluate_many`` call (a loop of them) starved the young
    collections and let cyclic garbage pile up until a full one."""
    from diagnostica.engine.run import plan as plan_module

    kb = knowledge.load(cache=False)
    facts = {"test_email.sent": False, "dns.mx_valid": False}
    first = (list(kb.evaluate_many([facts])), list(kb.fired_many([facts])))  # both variants built here

    @contextlib.contextmanager
    def refused():
        pytest.fail("the collector was paused for code that was built already")
        yield

    monkeypatch.setattr(plan_module, "paused_collector", refused)
    again = (list(kb.evaluate_many([facts])), list(kb.fired_many([facts])))
    assert [r.findings for r in again[0]] == [r.findings for r in first[0]] and again[1] == first[1] != [()]


def test_pauses_nest_and_overlap_across_threads():
    """The collector's switch is the process's: an inner pause that ends, or this thread's while another
    thread's still runs, does not turn it back on under the one still building; the last to end does."""
    import gc
    import threading

    from diagnostica.engine.run.collector import paused_collector

    was = gc.isenabled()
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other():
        with paused_collector():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    try:
        with paused_collector():
            with paused_collector():
                pass
            assert not gc.isenabled()  # the inner pause ended: still off for the outer
            thread.start()
            assert inside.wait(5)
        assert not gc.isenabled()  # the first pause ended while the thread's still runs
        release.set()
        thread.join(5)
        assert gc.isenabled()  # the last one ended: on, as it was found
    finally:
        release.set()
        if thread.is_alive():
            thread.join(5)
        (gc.enable if was else gc.disable)()


def test_threads_reading_a_driver_at_once_build_it_once(monkeypatch):
    """A server's first requests arrive together: one of them writes and compiles the code, the others wait
    for its driver and get that same function."""
    import threading
    import time

    from diagnostica.engine.run import plan as plan_module

    kb = knowledge.load(cache=False)  # a plan of its own, no code yet
    written = []
    generate = plan_module.generate

    def slow_generate(*args, **kwargs):
        written.append(args[1] if len(args) > 1 else kwargs.get("fired", False))
        time.sleep(0.1)  # long enough for every thread to ask meanwhile
        return generate(*args, **kwargs)

    monkeypatch.setattr(plan_module, "generate", slow_generate)
    got = []
    threads = [threading.Thread(target=lambda: got.append(kb.evaluate)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert (written, len(got), len({id(f) for f in got})) == ([False], 4, 1)


@pytest.mark.parametrize("nested", [False, True], ids=["alone", "inside-another"])
def test_a_ctrl_c_anywhere_in_a_pause_leaves_the_collector_on(nested):
    """A KeyboardInterrupt raised at each point of ``paused_collector`` where CPython 3.11 delivers one (just
    after a call returns, or at a RESUME), emulated with an opcode trace: gc ends on, nothing frozen and no
    pause left counted -- a count left behind would keep gc off for the rest of the process (a REPL, a
    notebook, a signal-based timeout)."""
    import dis
    import gc
    import importlib.util
    import sys

    from diagnostica.engine.run import collector

    def fresh():  # a copy of the module of its own: its counter is not the one the suite's loads use
        spec = importlib.util.spec_from_file_location("collector_under_test", collector.__file__)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def interrupted_at(point: int):
        module = fresh()
        code = module.paused_collector.__wrapped__.__code__
        names = {i.offset: i.opname for i in dis.get_instructions(code)}
        seen, hit = [0], [None]

        def tracer(frame, event, arg):
            if frame.f_code is not code:
                return None
            frame.f_trace_opcodes, frame.f_trace_lines = True, False
            previous = [None]

            def local(frame, event, arg):
                if event == "opcode":
                    if previous[0] in ("CALL", "RESUME"):
                        seen[0] += 1
                        if seen[0] == point and hit[0] is None:
                            hit[0] = frame.f_lineno
                            raise KeyboardInterrupt
                    previous[0] = names.get(frame.f_lasti)
                return local
            return local

        try:
            if nested:
                with module.paused_collector():
                    sys.settrace(tracer)
                    try:
                        with module.paused_collector():
                            pass
                    except KeyboardInterrupt:
                        pass
                    finally:
                        sys.settrace(None)
            else:
                sys.settrace(tracer)
                try:
                    with module.paused_collector():
                        pass
                finally:
                    sys.settrace(None)
        except KeyboardInterrupt:
            pass
        return hit[0], (gc.isenabled(), module._depth, gc.get_freeze_count())

    was = gc.isenabled()
    broken, point = [], 0
    try:
        while True:
            point += 1
            gc.enable()
            line, state = interrupted_at(point)
            if line is None:  # past the last point
                break
            if state != (True, 0, 0):
                broken.append((line, state))
                gc.unfreeze()
    finally:
        sys.settrace(None)
        (gc.enable if was else gc.disable)()
    assert (broken, point > 3) == ([], True)  # 9 points alone, 3 inside another pause
