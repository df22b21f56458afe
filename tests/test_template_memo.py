"""Jinja's compiled code kept in memory (``present/sandbox.py``): the same source compiled twice is
compiled once, and what comes back is what a fresh compile would give -- its own filename, the
edited text, the environment's own settings."""
from __future__ import annotations

import traceback
import uuid

import jinja2
import pytest
from diagnostica.engine.present import sandbox
from diagnostica.engine.present.sandbox import BudgetedEnvironment


def fresh(text: str) -> str:
    """A source no other test compiled, so the memo starts without it."""
    return f"{{# {uuid.uuid4()} #}}{text}"


def test_the_same_source_elsewhere_is_compiled_once_and_named_for_its_own_file():
    source = fresh("{{ 1 // x }}")
    before = len(sandbox._CODE)
    first = BudgetedEnvironment().compile(source, "a.j2", "one/a.j2")
    second = BudgetedEnvironment().compile(source, "a.j2", "two/a.j2")
    named = {c.co_filename for code in (first, second) for c in (code, *code.co_consts)
             if isinstance(c, type(code))}
    assert (len(sandbox._CODE) - before, first.co_filename, second.co_filename, named) == \
        (1, "one/a.j2", "two/a.j2", {"one/a.j2", "two/a.j2"})


@pytest.mark.parametrize("filename", ["one/a.j2", "two/a.j2"])
def test_an_error_while_rendering_names_the_callers_file(filename):
    source = "line one\n{{ 1 // x }}\n"  # the same source for both cases: the second is a memo hit
    env = BudgetedEnvironment()
    template = env.template_class.from_code(env, env.compile(source, "a.j2", filename), env.make_globals(None))
    with pytest.raises(ZeroDivisionError) as failed:
        template.render(x=0)
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(failed.value.__traceback__)
              if f.filename.endswith("a.j2")]
    assert frames == [(filename, 2)]


@pytest.mark.parametrize("filename", ["one/bad.j2", "two/bad.j2"])
def test_a_syntax_error_is_raised_each_time_with_the_callers_file(filename):
    with pytest.raises(jinja2.TemplateSyntaxError) as failed:
        BudgetedEnvironment().compile("ok\n{% if x %}\n", "bad.j2", filename)
    assert (failed.value.filename, failed.value.lineno) == (filename, 2)


def test_an_edited_source_is_compiled_again():
    source = fresh("before")
    env = BudgetedEnvironment()
    texts = [env.from_string(text).render() for text in (source, source.replace("before", "after"))]
    assert [t.split("#}")[-1] for t in texts] == ["before", "after"]


@pytest.mark.parametrize("settings", [{}, {"trim_blocks": True}, {"trim_blocks": True, "lstrip_blocks": True},
                                      {"keep_trailing_newline": True}])
def test_other_settings_get_their_own_code(settings):
    source = "{% if true %}\n  x\n  {% endif %}\n"  # the same source in every case: only the settings differ
    expected = jinja2.Environment(**settings).from_string(source).render()  # Jinja without the memo
    assert BudgetedEnvironment(**settings).from_string(source).render() == expected


def test_a_filter_added_to_one_environment_is_no_compile_of_another():
    source = fresh("{{ 'x'|shout }}")
    with_filter = BudgetedEnvironment()
    with_filter.filters["shout"] = str.upper
    rendered = with_filter.from_string(source).render()
    with pytest.raises(jinja2.TemplateAssertionError):
        BudgetedEnvironment().from_string(source)
    assert rendered.endswith("X")


@pytest.mark.parametrize("implementation", [str.upper, str.lower, lambda text: text * 2])
def test_a_filter_of_the_same_name_that_does_otherwise_gets_its_own_code(implementation):
    source = "{{ 'Ab'|shout }}"  # a constant: Jinja applies the filter while compiling
    env = BudgetedEnvironment()
    env.filters["shout"] = implementation
    assert env.from_string(source).render() == implementation("Ab")


def test_a_finalize_gets_its_own_code():
    source = "{{ 'ab' }}"  # a constant: Jinja finalizes it while compiling
    texts = [BudgetedEnvironment(finalize=fn).from_string(source).render() for fn in (str.upper, str.title)]
    assert texts == ["AB", "Ab"]
