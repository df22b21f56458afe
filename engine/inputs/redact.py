"""Mask secrets inside free text and data (pasted pages, notes, batch lines, errors) before anything shows it.

Structured inputs drop secret fields by key (see :mod:`facts`); free text has
no keys, so a word of the catalogue's ``secret_names`` (password, token, ...)
is taken to introduce a secret when a separator follows it (``:``, ``=``,
``,``, ``;``, spaces or the end of the line):

- a quoted value (``"password": "Hunter2"``) is masked up to its closing
  quote, and the scan goes on after it (the rest of a JSON line stays legible);
- an unquoted value is masked to the end of the line, commas and semicolons
  included (``password: Hun,ter2`` must not show ``ter2``);
- a key with nothing after it (``Password:`` alone) masks the next non-blank
  line, where a pasted form puts the value, and what is indented under it (a
  YAML list); a label (a few words ending in a colon, ``Password temporanea:``,
  ``Private key password:``; a form's mark, ``Password *``; ``la password è``)
  or a quote left open masks the next non-blank line;
- a value that only opens one below (``|``, ``>-``, ``[``, ``{``, ``\\``) masks
  the next non-blank line and the lines after it indented deeper than the key
  (a YAML block, a JSON list);
- a secret word inside a longer word that no colon or equals sign follows
  (``note: mytokenvalue``) is taken for a value: the whole word is masked;
- a private key's PEM block is masked from its ``BEGIN`` marker to its ``END``
  marker, on one line or many (the markers stay: they say what was there);
- credentials that no secret word introduces: a URL's ``user:password@``,
  ``curl -u user:password``, ``Authorization: Basic ...``, an SMTP log's
  ``AUTH PLAIN ...``, IMAP's ``a1 LOGIN user password``, POP3's ``PASS``,
  httpie's ``-a``, ``sshpass -p``, postfix's ``sasl_passwd``, a script's
  ``ConvertTo-SecureString "..."``, ``NetworkCredential(user, password)``, ``login(user, password)``,
  ``SMTP_PASS=`` and ``pass:``, OVHcloud's ``AK``/``AS``/``CK``;
- a secret word that an element closes (``<key>Password</key>``, ``<password>``,
  ``<td>Password</td>``) is a key, its value the next element or line;
- a table whose header names a secret column («utente,password,server», a
  Markdown or tab-separated one) has that column masked on each of its rows;
- the lines a caller says are the text being read (``prose``: the panel
  reader's warnings, «ATTENZIONE: ...») are never a value below a key, and a
  secret word there is a key only with a colon or an equals sign after it.

The words are matched in every spelling (``consumerKey``, ``consumer-key``: see
:func:`~..kb.catalogue.secret_spellings`), after any space a paste may hold (a
non-breaking or an ideographic one, a full-width colon); a line with URL escapes
(``pass%77ord=...``) is read with the escapes of letters, digits and separators
decoded -- never a quote or a backslash, which would end a quoted value early --
and shown so when that masks something.

This errs on the side of hiding harmless words rather than showing a password.
The scan is linear: each secret word is searched with ``str.find`` from where
the previous match ended, so no input makes it backtrack (a regex of the form
``[\\w.-]*(?:words)[\\w.-]*`` did, quadratically), and each line is masked once.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, TypeVar, cast

from ..kb.catalogue import names_a_secret, secret_spellings

T = TypeVar("T")

MASK = "***"
_QUOTES = "\"'"
# Between a key and its value: any space (pages and office documents paste non-breaking, thin or ideographic
# ones), colons and equals signs (full-width ones too), commas, semicolons.
_PUNCTUATION = ":=,;\uff1a\uff1d"
_ASSIGN = (":", "=", "\uff1a", "\uff1d")
# A value that only opens one below it: a YAML block scalar, a JSON or YAML list or object, a line continued.
_OPENERS = frozenset({"|", "|-", "|+", ">", ">-", ">+", "[", "{", "(", "\\"})
# What a line says is below it: nothing, its value on the next non-blank line, or that value and the lines
# indented deeper than the key's (a YAML block, a JSON list or object opened at the end of the line).
NOTHING, NEXT_LINE, BLOCK = 0, 1, 2

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# A PEM private key's markers (labels are short: bounded, so no run of capitals makes the search backtrack).
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE[A-Z0-9 ]{0,40}-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]{0,80}-----")
# A line of a PEM block's body (base64, or a header: Proc-Type, DEK-Info, a PGP key's Version or Comment), as
# pasted: quoted in an email (">"), in a quoted text (a closing quote, a comma, "\\n"); the first other line
# ends a block left open.  Possessive: no run of letters makes it backtrack (an "n" is base64 and ends "\\n").
_PEM_BODY = re.compile(r"[\s>]*+(?:[A-Za-z0-9+/=]++|(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset): .*)"
                       r"(?:\\n|[\s\"',\\])*+")
# Credentials no secret word introduces; the group ``secret`` is masked.
_CREDENTIALS = (
    re.compile(r"://[^\s/:]+:(?P<secret>[^\s/@]+)@"),  # https://user:password@host
    re.compile(r"(?:^|\s)[^\s:/@]++:(?P<secret>[^\s/@]+)@[\w-]+\.[\w.-]"),  # user:password@host, no scheme
    # curl -u user:password (-uuser:password too), httpie's -a/--auth
    re.compile(r"(?:^|\s)(?:-u|--user|-a|--auth)[ =]*+[^\s:=][^\s:]*+:(?P<secret>\S+)"),
    # postfix's sasl_passwd: «[host]:587 user:password»
    re.compile(r"^[ \t]*\[?[\w-]+(?:\.[\w-]+)++\]?(?::\d+)?[ \t]+[^\s:]++:(?P<secret>\S+)[ \t]*$"),
    re.compile(r"(?:^|\s)sshpass[ \t]+-p[ \t]*(?P<secret>\S+)"),
    # a password written into a script: PowerShell's ConvertTo-SecureString, .NET's and PowerShell's credential
    # objects, Python's smtplib/imaplib login(user, password)
    re.compile(r"(?i)ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?[\"'](?P<secret>[^\"']+)"),
    re.compile(r"(?:Credential|\.login)\([ \t]*[\"'][^\"']*[\"'][ \t]*,[ \t]*[\"'](?P<secret>[^\"']+)"),
    re.compile(r"(?i)\bauthorization[ \t]*:[ \t]*basic[ \t]+(?P<secret>\S+)"),
    # an SMTP log's credentials: base64 (never a word such as «non», or a mechanism's name, as XOAUTH2)
    re.compile(r"(?i)\bauth[ \t]+(?:plain|login)[ \t]+(?P<secret>[A-Za-z0-9+/]{8,}+\S*)"),
    # SMTP_PASS=, pass:, "pass": "..." (never «passo», nor a count: «Pass: 3, Fail: 0»)
    re.compile(r"(?i)(?:\b|_)pass[\"']?[ \t]*[:=][ \t]*[\"']?(?P<secret>[^\s,;\"']{4,}+[^\s\"']*)"),
    re.compile(r"(?:^|[\s_*-])(?:AK|AS|CK)[ \t]*[:=][ \t]*(?P<secret>[A-Za-z0-9]{8,}+)"),  # OVHcloud's keys
    # an IMAP session's «a1 LOGIN user password», a POP3 one's «PASS password» (the protocols' capitals: never
    # «Login OWA non riuscito»)
    re.compile(r"^[ \t]*(?:[CS]:[ \t]*)?[A-Za-z0-9.]+[ \t]+LOGIN[ \t]+\S+[ \t]+(?P<secret>\S+)"),
    re.compile(r"^[ \t]*(?:[CS]:[ \t]*)?PASS[ \t]+(?P<secret>\S+)"),
)


# Words that hold a secret word but name an office or a person («segreteria@...», "the secretary mailbox"):
# never a key.
_ORDINARY = ("segreteri", "segretari", "secretar", "secrétar")


# The end of an element a secret word names (an Exchange profile's «<key>Password</key>», a page's cell).
_CLOSING_TAG = re.compile(r"</[A-Za-z][\w:-]{0,30}>[ \t]*(?:<[A-Za-z][\w:-]{0,30}>)?|>")
_FORM_MARK = re.compile(r"\*|\?|->|=>|\([^()]{1,30}\)|è|e'|is|est|sono|are|sont|:")


def _credential_like(text: str) -> bool:
    """Whether the first word of ``text`` looks like a password or a token, not a word of a sentence: six
    characters or more, with letters and digits, or a capital after a small letter («Hunter2», «abcHunter»)."""
    word = text.split(None, 1)[0] if text.strip() else ""
    if len(word) < 6:
        return False
    letters, digits = any(c.isalpha() for c in word), any(c.isdigit() for c in word)
    return letters and digits or any(a.islower() and b.isupper() for a, b in zip(word, word[1:]))


def _separator(char: str) -> bool:
    return char.isspace() or char in _PUNCTUATION


def _lower(line: str) -> str:
    """The line lower-cased, each character in its place ("İ" lower-cases to two characters: kept)."""
    lower = line.lower()
    return lower if len(lower) == len(line) else "".join(c.lower() if len(c.lower()) == 1 else c for c in line)


def _decoded(line: str) -> str:
    """The line with its URL escapes of printable characters decoded, except quotes and backslashes."""
    def one(escape: re.Match[str]) -> str:
        char = chr(int(escape.group(1), 16))
        return char if " " <= char <= "~" and char not in "\"'\\" else escape.group(0)

    return _ESCAPE.sub(one, line)


def _credentials(line: str) -> str:
    for pattern in _CREDENTIALS:
        line = pattern.sub(lambda m: m.group(0)[:m.start("secret") - m.start()] + MASK
                           + m.group(0)[m.end("secret") - m.start():], line)
    return line


def _word(char: str) -> bool:
    return char.isalnum() or char in "_.-"


def _word_end(line: str, end: int) -> int:
    """Past the rest of the word a secret word stands in (``new_password``, ``pwd2``) and the quote that
    closes a quoted key (``"password":``)."""
    n = len(line)
    while end < n and _word(line[end]):
        end += 1
    return end + 1 if end < n and line[end] in _QUOTES else end


class _Table:
    """A table read row by row: its delimiter, its number of columns and which hold secrets."""

    def __init__(self, delimiter: str, header: str) -> None:
        self.delimiter = delimiter
        self.framed = delimiter == "|" and header.strip().startswith("|")  # «| a | b |»: pipes around the cells
        self.count = len(self.cells(header) or ())
        self.secret: tuple[int, ...] = ()

    def cells(self, line: str) -> list[str] | None:
        parts = line.split(self.delimiter)
        if self.framed:
            if len(parts) < 3 or parts[0].strip() or parts[-1].strip():
                return None
            return parts[1:-1]
        return parts

    def masked(self, line: str) -> str | None:
        """A row with its secret columns masked; None for a line that is no row of this table."""
        cells = self.cells(line)
        if cells is None or len(cells) != self.count or not line.strip():
            return None
        for column in self.secret:
            cell = cells[column]
            if cell.strip() and set(cell.strip()) - set("-: "):  # never a Markdown table's «|---|» row
                cells[column] = cell[:len(cell) - len(cell.lstrip())] + MASK
        joined = self.delimiter.join(cells)
        return f"{self.delimiter}{joined}{self.delimiter}" if self.framed else joined


class _Scanner:
    """The secret words of one catalogue, lower-cased, longest first."""

    def __init__(self, secret_names: Iterable[str], prose: Callable[[str], bool] | None = None) -> None:
        self.names = secret_spellings(tuple(secret_names))
        self.prose = prose

    def is_prose(self, line: str) -> bool:
        return self.prose is not None and self.prose(line)

    def line(self, line: str, prose: bool | None = None) -> tuple[str, int]:
        """The line masked, and what is below it (``NOTHING``, ``NEXT_LINE`` or ``BLOCK``); ``prose``: whether
        it is a line of the text being read, when the caller knows already."""
        if not line or line.isspace():
            return line, NOTHING
        if prose is None:
            prose = self.is_prose(line)
        if "%" in line and _ESCAPE.search(line):  # URL-encoded ("pass%77ord=", "token%3D")
            decoded = _decoded(line)
            if decoded != line:
                masked, below = self._line(decoded, prose)
                if masked != decoded or below:
                    return masked, below
        return self._line(line, prose)

    def _line(self, line: str, prose: bool = False) -> tuple[str, int]:
        masked, below = self._words(line, prose)
        return _credentials(masked), below

    def _words(self, line: str, prose: bool = False) -> tuple[str, int]:
        """``prose``: a line of the text being read (a panel's warning), where a secret word is a key only
        with a colon or an equals sign after it («ATTENZIONE: password errata» is no key and value)."""
        lower = _lower(line)
        # Next occurrence of each word at or after the scan position; refreshed only when passed,
        # so each word's occurrences are found once over the line.
        next_at = {name: lower.find(name) for name in self.names}
        out: list[str] = []
        copied = 0  # line[:copied] is already in out
        pos = 0
        n = len(line)
        key_end = -1  # where a masked quoted text that was itself a key ends (its value follows)
        while True:
            if key_end >= 0:
                end, key_end = key_end, -1
                start = begins = end
                tag = None
            else:
                start, name = n, ""
                for word, at in next_at.items():
                    if 0 <= at < pos:
                        at = next_at[word] = lower.find(word, pos)
                    if 0 <= at < start:
                        start, name = at, word
                if not name:
                    break
                end = _word_end(line, start + len(name))
                while end < n and line[end] in "*`":  # the markup closing a key: "**Password**:", "`token`="
                    end += 1
                tag = _CLOSING_TAG.match(line, end)  # <key>Password</key>, <password>..., <td>Password</td>
                if tag:
                    end = tag.end()
                begins = start  # where the word holding it begins
                while begins > copied and _word(line[begins - 1]):
                    begins -= 1
            sep = end
            while sep < n and _separator(line[sep]):  # "password, Hunter2" and "pwd; Hunter2" too
                sep += 1
            if lower.startswith(_ORDINARY, start):  # «segreteria»: no key, but «segreteria_password» may hold one
                pos = start + 1
                continue
            closed = tag is not None  # the word closes an element: its value follows
            assigned = any(mark in line[end:sep] for mark in _ASSIGN)
            if sep == end and sep < n and not closed or prose and not assigned and not _credential_like(line[sep:]):
                pos = end  # "pw@example.it", "passwords-policy", «password errata» in a warning: a word, not a key
                continue
            if begins < start and not any(mark in line[end:sep] for mark in _ASSIGN):
                # Inside a longer word, and no key's colon after it: a value that holds the word
                # ("note: mytokenvalue"), masked whole, with the rest of its line.
                out.append(line[copied:begins] + MASK)
                return "".join(out), self._tail(line, lower, begins)
            if sep == n:  # the key ends the line: its value is on the next one, with what is indented under it
                out.append(line[copied:])
                return "".join(out), BLOCK
            if line[sep] in _QUOTES:
                quote, close = line[sep], sep + 1
                while close < n and line[close] != quote:
                    close += 2 if line[close] == "\\" else 1
                out.append(line[copied:sep + 1] + MASK)
                if close >= n:  # the quote stays open: the value goes on below
                    return "".join(out), NEXT_LINE
                copied = pos = close
                if any(word in lower[sep + 1:close] for word in self.names):
                    # The masked text holds a secret word itself ('secret "api_key": "x"'): it may be a
                    # key, whose value (after its closing quote and a separator) is masked in turn; the
                    # words inside it are behind the scan, so the loop would never see that key.
                    key_end = close + 1
                continue
            out.append(line[copied:sep] + MASK)
            return "".join(out), self._tail(line, lower, sep)
        out.append(line[copied:])
        return "".join(out), NOTHING

    def text(self, text: str) -> str:
        if not self.names or not text:
            return text
        lines = text.split("\n")
        # A browser sends a textarea's lines ending in "\r\n": the "\r" is the line's end, not a value.
        ends = ["\r" if line.endswith("\r") else "" for line in lines]
        lines = [line[:-1] if end else line for line, end in zip(lines, ends)]
        below, key_indent = NOTHING, 0  # what the last key said is below it, and that key's indentation
        block = -1  # while a BLOCK's lines are masked: the indentation they go deeper than
        pem = False  # inside a private key's PEM block
        table: _Table | None = None  # while the rows of a table whose header names a secret column are read
        for index, line in enumerate(lines):
            stripped = line.strip(" \t>`~")  # a quoted email's ">" alone, a code fence: no value
            indent = len(line) - len(line.lstrip())
            if table is not None:
                row = table.masked(line)
                if row is not None:
                    lines[index] = self.line(row)[0]
                    continue
                table = None  # the table ended: this line is read as any other
            if not below and not pem:
                table = self._table(line, lines[index + 1] if index + 1 < len(lines) else "")
                if table is not None:
                    # Column names, no value -- unless it is a key and its value («password,Hunter» above
                    # «server,imap»): a cell after a secret column is masked as any line would mask it.
                    if max(table.secret) < table.count - 1:
                        lines[index] = self.line(line)[0]
                    continue
            if pem:
                inside = self._pem_inside(line, indent)
                if inside is not None:
                    lines[index], pem = inside
                    continue
                pem = False  # a block cut short ("(troncata)"): this line is read as any other
            if "-----BEGIN" in line:
                begin = _PEM_BEGIN.search(line)
                if begin:  # the key is the value of whatever came before: nothing else is below
                    lines[index], pem = self._pem_begins(line, begin, value_before=bool(below))
                    below, block = NOTHING, -1
                    continue
            if "-----END" in line and not below:
                end = _PEM_END.search(line)
                if end:  # a marker without its BEGIN above: kept, the rest of its line read
                    lines[index] = self.line(line[:end.start()])[0] + self._after_end(line, end)
                    continue
            prose = bool(stripped) and self.is_prose(line)  # asked once: it folds the line
            if block >= 0 and stripped:
                if indent > block and not prose:
                    lines[index] = line[:indent] + MASK
                    continue
                block = -1
            if below and prose:
                below, block = NOTHING, -1  # a warning of the text read, never a value: the value is not there
            if below and stripped:
                lines[index] = line[:indent] + MASK
                if below == BLOCK:
                    block = key_indent
                # A value that is itself a key ending its line ("../passwd", then "Password:") may be
                # the key of the value below: mask that one too (masking too much never leaks).
                below, key_indent = self.line(line, prose)[1], indent
                continue
            masked, said = self.line(line, prose)
            lines[index] = masked
            if said:
                below, key_indent = said, indent
        return "\n".join(line + end for line, end in zip(lines, ends))

    def _table(self, line: str, below: str) -> _Table | None:
        """The table a line is the header of, when one of its columns is named by a secret word
        («utente,password,server», «| Utente | Password |», tab-separated) and the line ``below`` it has as
        many columns (a header and no row is no table: «password, Hunter2» is a key and its value); else None."""
        best: _Table | None = None
        for delimiter in ("\t", "|", ";", ","):
            if delimiter not in line:
                continue
            table = _Table(delimiter, line)
            names = table.cells(line)
            if names is None or len(names) < 2:
                continue
            if any(not name.strip() or len(name) > 40 or len(name.split()) > 4 or any(m in name for m in _ASSIGN)
                   or any(c.isdigit() for c in name) for name in names):
                continue  # a header names columns: short words, none empty, no digit, no key with its value
            table.secret = tuple(i for i, name in enumerate(names) if self.is_secret(name.strip()))
            row = table.cells(below)
            if table.secret and row is not None and len(row) == table.count \
                    and (best is None or table.count > best.count):
                best = table
        return best

    def _tail(self, line: str, lower: str, start: int) -> int:
        """What is below a line masked from ``start`` to its end: what the last key in the masked part
        says (``Private key password:``, ``user_password "abc``), or, for a value of a few words ending in
        a colon, a label's (``Password temporanea:``, ``Nuova password (conferma):``)."""
        if line[start:].strip() in _OPENERS:  # "password: |", '"token": [', "key = \\": the value is below
            return BLOCK
        last, name = -1, ""
        for word in self.names:
            at = lower.rfind(word, start)
            if at > last:
                last, name = at, word
        n = len(line)
        if last >= 0:
            sep = _word_end(line, last + len(name))
            while sep < n and _separator(line[sep]):
                sep += 1
            value = line[sep:].rstrip()
            if not value:
                return BLOCK
            if value in _OPENERS:  # "password: |", '"token": [': the value is below
                return BLOCK
            if value[0] in _QUOTES and value.count(value[0]) == 1:  # a quote left open
                return NEXT_LINE
        value = line[start:].rstrip()
        # A label: a few words ending in a colon («per l'accesso alla casella:»; never "dGVzdA==" or "?from="),
        # a form's mark («*», «(obbligatoria)», «?», «->»), or a sentence that stops at its verb («è», "is").
        # A panel's warning below is safe: it is never taken for a value (``prose``).
        label = value.endswith((":", "\uff1a")) and len(value.split()) <= 8 \
            or _FORM_MARK.fullmatch(value) is not None
        return NEXT_LINE if label else NOTHING

    def _pem_begins(self, line: str, begin: re.Match[str], value_before: bool) -> tuple[str, bool]:
        """A line where a private key begins: the marker kept, the key masked to its END marker (on this
        line, or below: then True, the block goes on), and what stands around them masked as any line is
        (before the marker, all of it when it is the value of a key above: ``value_before``)."""
        before, after = line[:begin.start()], line[begin.end():]
        if value_before and before.strip():
            before = before[:len(before) - len(before.lstrip())] + MASK
        else:
            before = self.line(before)[0]
        end = _PEM_END.search(after)
        if end is None:
            return before + begin.group() + (MASK if after.strip() else after), True
        inside = after[:end.start()]
        return before + begin.group() + (MASK if inside.strip() else inside) + self._after_end(after, end), False

    def _pem_inside(self, line: str, indent: int) -> tuple[str, bool] | None:
        """A line of a private key's block: masked up to its END marker, the rest of the line read as any
        is (True while the block goes on); None for a line that is no part of a key (the block was cut)."""
        end = _PEM_END.search(line) if "-----END" in line else None
        if end is None:
            if line.strip() and not _PEM_BODY.fullmatch(line):
                return None
            return (line[:indent] + MASK if line.strip() else line), True
        before = line[:end.start()]
        return (line[:indent] + MASK if before.strip() else before) + self._after_end(line, end), False

    def _after_end(self, line: str, end: re.Match[str]) -> str:
        """A PEM END marker (kept: a marker alone is no key, nor a key's name) and the rest of its line."""
        return end.group() + self.line(line[end.end():])[0]

    def is_secret(self, key: str) -> bool:
        return names_a_secret(key, self.names)

    def data(self, value: object) -> object:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: MASK if isinstance(k, str) and self.is_secret(k) else self.data(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(self.data(v) for v in value)
        if isinstance(value, list):  # a plain list, as the dict above: a YAML ``Seq`` holds marks a copy has not
            return [self.data(v) for v in value]
        return value


def redact(text: str, secret_names: Iterable[str], prose: Callable[[str], bool] | None = None) -> str:
    """``text`` with every secret value replaced by ``***``.  ``prose``: which lines are the text being read
    (a panel's warnings, for the panel reader): never a value below a key, and a key there only with a colon
    or an equals sign after its word."""
    return _Scanner(secret_names, prose).text(text)


def redact_data(value: T, secret_names: Iterable[str]) -> T:
    """A copy of a JSON-like value with secret-named keys (at any depth) and secrets in its strings masked."""
    # The copy has the value's shape: only texts change, and a secret-named key's value becomes a text,
    # which a JSON-like value and a fact's value can hold anywhere; mypy cannot follow the recursion.
    return cast(T, _Scanner(secret_names).data(value))


def secret_key(text: str, secret_names: Iterable[str], prose: Callable[[str], bool] | None = None) -> str | None:
    """The secret word a text introduces (to list it among the ignored fields), or None.

    The whole word when it stands as a key, a colon or an equals sign after it (``my_password: x``,
    ``Password:``); else the catalogue's word alone: a secret word inside a value (``CKpw7abc`` on the line
    below its key, a token ending in ``...token``) is part of the secret, which the list must not quote."""
    scanner = _Scanner(secret_names, prose)
    for line in text.split("\n"):
        if "%" in line:  # read as the redaction reads it
            line = _decoded(line)
        low = _lower(line)
        masked, below = scanner.line(line)
        if masked == line and not below:
            continue
        # The first secret word of the line (what follows it may be the value: «pwd: TopSecret»)
        found = sorted((at, -len(word), word) for word in scanner.names if (at := low.find(word)) >= 0)
        if not found:  # masked by a credential's pattern (user:password@host): no word to name
            continue
        at, _, word = found[0]
        start, end = at, at + len(word)
        while start > 0 and _word(line[start - 1]):
            start -= 1
        while end < len(line) and _word(line[end]):
            end += 1
        rest = line[end:].lstrip(_QUOTES).lstrip()
        if not rest.startswith(_ASSIGN):  # not a key: a value's part
            return word
        return line[start:end].strip(_QUOTES).lower()
    return None


def first_secret(value: object, secret_names: Iterable[str]) -> str | None:
    """The name of the first secret a value holds (a secret-named key, or a secret in a text), or None.

    Error messages use it to say "the value of «password»" instead of quoting the value back.
    """
    scanner = _Scanner(secret_names)
    if not scanner.names:
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and scanner.is_secret(k):
                return k
            found = first_secret(v, scanner.names)
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for v in value:
            found = first_secret(v, scanner.names)
            if found:
                return found
        return None
    if isinstance(value, str) and scanner.text(value) != value:
        return secret_key(value, scanner.names) or scanner.names[-1]
    return None
