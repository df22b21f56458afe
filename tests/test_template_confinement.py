"""Templates are read only from the knowledge base's locales: no name, include or link reaches other files."""
from __future__ import annotations

import contextlib
import io

import pytest
from diagnostica.cli.main import main
from diagnostica.engine.present.render import confined_name

from test_lint_corpus import build

OUTSIDE = "CONTENUTO-ESTERNO"


@pytest.mark.parametrize("name, allowed", [
    ("mailbox-full.explanation.j2", True),
    ("macros/common.j2", True),
    ("../outside.j2", False),
    ("rules/../../outside.j2", False),
    ("/etc/passwd", False),
    ("..\\..\\outside.j2", False),
    ("C:/Windows/win.ini", False),
    ("./x.j2", False),
    ("a//b.j2", False),
    ("x\0.j2", False),
    ("", False),
])
def test_confined_name(name, allowed):
    assert confined_name(name) is allowed


def _include(root):
    path = root / "locales" / "it" / "rules" / "mailbox-full.explanation.j2"
    path.write_text(path.read_text(encoding="utf-8") + "\n{% include '../../../outside.j2' %}", encoding="utf-8")


def _rule(root):
    path = root / "rules" / "mailbox.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("remediation: mailbox-full.remediation.j2", "remediation: ../../../outside.j2"),
                    encoding="utf-8")


def _absolute(root):
    path = root / "locales" / "it" / "rules" / "mailbox-full.explanation.j2"
    path.write_text(f"{{% include '{root / 'outside.j2'}' %}}", encoding="utf-8")


def _symlink(root):
    path = root / "locales" / "it" / "rules" / "mailbox-full.explanation.j2"
    path.unlink()
    path.symlink_to(root / "outside.j2")


@pytest.mark.parametrize("plant", [_include, _rule, _absolute, _symlink])
def test_rendering_refuses_a_template_outside_the_locales(tmp_path, plant):
    root = build(tmp_path, None)
    (root / "outside.j2").write_text(OUTSIDE, encoding="utf-8")
    plant(root)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--kb", str(root), "--no-cache", "--fact", "offer=hosted", "--fact", "quota.used=100",
                     "--format", "json"])
    assert (code, OUTSIDE in out.getvalue() + err.getvalue(), "refused" in out.getvalue()) == (1, False, True)


def test_lint_reports_a_template_linked_outside(tmp_path, cli):
    root = build(tmp_path, None)
    (root / "outside.j2").write_text(OUTSIDE, encoding="utf-8")
    _symlink(root)
    run = cli("rules", "lint", str(root), "--format", "json")
    found = [(p["file"].rpartition("/")[2], p["line"], p["check_id"]) for p in run.json()["problems"]]
    assert (run.code, found, OUTSIDE in run.out) == (
        1, [("mailbox-full.explanation.j2", 1, "template-outside")], False)
