"""fastjsonschema's validator of a shipped schema, its generated code kept in the signed cache.

Generating the validator's Python and compiling it took about 30 ms of every run that reads a
knowledge base from its files (a cold cache, an edited rule), and importing fastjsonschema 7 ms
more.  The compiled code is kept as a ``kb.cache`` entry (HMAC-checked, as the knowledge bases and
the templates are), ``acceptor-<schema id>-<content id>.code``, keyed by the schema file's exact
bytes, fastjsonschema's version, and the Python and engine versions (``cachekeys``): what the
code is generated from, and what it runs on.  A miss, a damaged or planted entry, or a cache
that is disabled or untrusted only costs the generation, as before.

Before any cache, the validators of the shipped schemas come with the engine: ``shipped_validators``
is that same generated code written as a module (``python -m diagnostica.engine.kb.write_validators``
writes it; tests/test_startup.py fails when it is not what that command would write), so even a
first run on an empty cache imports it from its bytecode.  It records the SHA-256 of each schema
file and of fastjsonschema's version file it was generated from, and is used only when both still
match; otherwise the cache, then generation, as above.  (What ``load`` makes of a schema before
generation -- conditions left out, references inlined -- is engine code: the test above catches an
edit of it that was not followed by a regeneration.)

The generated code is run with its exception names bound to :class:`Rejected` (raised and caught
inside it for ``anyOf``/``oneOf`` as well), so a validator from the module or the cache needs no
fastjsonschema import at all.
"""
from __future__ import annotations

import marshal
import os
from importlib.util import find_spec
from types import CodeType
from typing import Any, Callable

from . import shipped_validators
from .sources import package_files

HEADER = b"diagnostica-acceptor-1"
#: Settings of the generated code, part of the key: ``use_default=False`` (it must never write the
#: schema's defaults into the document), no format checks (the linter checks what it needs itself).
#: (``detailed_exceptions=False`` would spare the definitions spelled in every raise, but fastjsonschema
#: 2.22.3 fails to generate a ``const`` without them.)
OPTIONS = {"use_default": False, "use_formats": False}
# The one line of fastjsonschema's module preamble that is replaced by names bound here (see above).
_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException"

Validator = Callable[[Any], Any]
Rejected = shipped_validators.Rejected  # one class, whichever way the validator was made
SHIPPED = "shipped_validators.py"
SCHEMAS = ("rules.schema.json", "facts.schema.json")


def _sha256(data: bytes | str) -> str:
    import hashlib

    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _shipped(schema_name: str, schema_bytes: bytes) -> Validator | None:
    """The validator written in ``shipped_validators``, if generated from these very bytes by this library."""
    made = shipped_validators.GENERATED_FROM.get(schema_name)
    if made is None or made[0] != _sha256(schema_bytes) or shipped_validators.LIBRARY != _sha256(_library_version()) \
            or shipped_validators.OPTIONS != OPTIONS:
        return None
    return getattr(shipped_validators, made[1], None)


def _library_version() -> str:
    """fastjsonschema's version file as it is on disk, read without importing the library."""
    spec = find_spec("fastjsonschema")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    try:
        with open(os.path.join(locations[0], "version.py"), encoding="utf-8") as stream:
            return stream.read()
    except (IndexError, OSError):
        return ""  # an unusual install: the shipped validators do not match it, the cache keys it apart


def _generator(definition: dict) -> tuple[Any, Any] | None:
    """fastjsonschema's (resolver, code generator) for ``definition`` with :data:`OPTIONS`, or None on a
    release without ``_factory``, the generator behind its ``compile`` and ``compile_to_code``."""
    import fastjsonschema

    factory = getattr(fastjsonschema, "_factory", None)
    return None if factory is None else factory(definition, {}, {}, **OPTIONS)


def _generate(definition: dict) -> tuple[str, str] | None:
    """(function name, module source) of fastjsonschema's validator, or None if its layout is not
    the one this module knows (then the library's own ``compile`` is used, uncached)."""
    made = _generator(definition)
    if made is None:
        return None
    resolver, generator = made
    preamble = generator.global_state_code
    if _IMPORT not in preamble.splitlines():
        return None
    return resolver.get_scope_name(), preamble.replace(_IMPORT, "", 1) + "\n" + generator.func_code


def shipped_source(definition: Callable[[str], dict]) -> str:
    """The text of ``shipped_validators``: every shipped schema's validator, generated as ``validator`` does
    from ``definition(schema name)`` (``load.validation_definition``; ``kb.write_validators`` writes it)."""
    from fastjsonschema.generator import serialize_regexes

    imports: list[str] = []
    patterns: dict[str, Any] = {}
    made, functions = {}, []
    for schema_name in SCHEMAS:
        pair = _generator(definition(schema_name))
        if pair is None:
            raise RuntimeError("this fastjsonschema has no _factory: the shipped validators cannot be written")
        resolver, generator = pair
        functions.append(generator.func_code)
        imports += [line for line in generator._extra_imports_lines if line not in imports]
        patterns.update(generator._compile_regexps)
        schema_bytes = (package_files("diagnostica.engine") / "schemas" / schema_name).read_bytes()
        made[schema_name] = (_sha256(schema_bytes), resolver.get_scope_name())
    header = f'''# mypy: ignore-errors
# ruff: noqa
"""fastjsonschema's validators of engine/schemas/{", ".join(SCHEMAS)}, as ``kb.acceptor`` generates them.

Written by ``python -m diagnostica.engine.kb.write_validators``: do not edit.  Used only while the schema files
and fastjsonschema's version file hash to what is recorded here.
"""
{chr(10).join(imports)}
import re


class Rejected(ValueError):
    """A document the schema does not accept (fastjsonschema's details are not kept: jsonschema,
    asked next, tells every problem in the writer's words)."""

    def __init__(self, message, *args, **details):
        super().__init__(message)


JsonSchemaValueException = JsonSchemaValuesException = Rejected
GENERATED_FROM = {made!r}
LIBRARY = {_sha256(_library_version())!r}
OPTIONS = {OPTIONS!r}
REGEX_PATTERNS = {serialize_regexes(patterns)}
'''
    return header + "\n\n".join(functions)


def _run(name: str, code: CodeType, schema_name: str) -> Validator:
    namespace: dict[str, Any] = {"__name__": f"{__name__}.{schema_name}",
                                 "JsonSchemaValueException": Rejected, "JsonSchemaValuesException": Rejected}
    exec(code, namespace)  # noqa: S102 - code generated here, or read back after its HMAC matched
    return namespace[name]


def _entry(schema_name: str, schema_bytes: bytes) -> str:
    from . import cachekeys

    content = cachekeys.content_id(HEADER, schema_bytes.hex(), _library_version(), sorted(OPTIONS.items()))
    return f"acceptor-{cachekeys.folder_id(schema_name)}-{content}.code"


def _read(folder: Any, secret: bytes, entry: str, schema_name: str) -> Validator | None:
    from . import cache

    payload = cache.read_signed(folder, secret, entry, HEADER)
    if payload is None:
        return None
    try:
        name, code = marshal.loads(payload)
        if not (isinstance(name, str) and isinstance(code, CodeType)):
            return None
        return _run(name, code, schema_name)
    except Exception:  # noqa: BLE001 - another Python's marshal, a damaged entry: a miss
        return None


def _write(folder: Any, secret: bytes, entry: str, name: str, code: CodeType) -> None:
    from . import cache

    cache.replace_signed(folder, secret, entry, HEADER, marshal.dumps((name, code)))  # and this schema's older code


def validator(schema_name: str, definition: Callable[[], dict]) -> Validator:
    """The validator of engine/schemas/``schema_name``, whose generated code is read from the cache when
    there, else generated from ``definition()`` (a fresh copy fastjsonschema may rewrite) and stored.
    It returns the document, or raises :class:`Rejected`.  Once per process and schema (``load._acceptor``)."""
    from . import cache

    schema_bytes = (package_files("diagnostica.engine") / "schemas" / schema_name).read_bytes()
    shipped = _shipped(schema_name, schema_bytes)
    if shipped is not None:
        return shipped
    signed = cache.signing() if cache.enabled() else None
    entry = None
    if signed is not None:
        entry = _entry(schema_name, schema_bytes)
        found = _read(*signed, entry, schema_name)
        if found is not None:
            return found
    generated = _generate(definition())
    if generated is None:
        import fastjsonschema

        compiled = fastjsonschema.compile(definition(), use_default=False, use_formats=False)  # as OPTIONS

        def checked(document: Any) -> Any:
            try:
                return compiled(document)
            except fastjsonschema.JsonSchemaException as error:
                raise Rejected(str(error)) from error

        return checked
    name, source = generated
    code = compile(source, f"<fastjsonschema validator of {schema_name}>", "exec")
    if entry is not None and signed is not None:
        _write(*signed, entry, name, code)
    return _run(name, code, schema_name)

