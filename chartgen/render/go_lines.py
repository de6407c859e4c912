"""Fit the lines of a generated Go template to a width, without changing what it renders.

Reviewers read the generated chart in diffs; a condition or a call written on one line can
run to 300 characters. Whitespace inside an action (``{{ ... }}``) renders nothing, and Go
allows newlines there, so a long line is broken at spaces inside its actions, preferring
the outermost (a break between the arguments of ``and`` before one inside them), with the
rest indented under the line. A string literal too long for any line becomes a ``print`` of
shorter literals, which is the same string. Comments and text outside actions are left as
they are: breaking them would change the output.
"""

from __future__ import annotations

import functools
import json
import re

WIDTH = 120
CONTINUATION = "    "  # continuation lines are indented this much more than the line
# A string literal longer than LITERAL_MAX is split into pieces of about LITERAL_PIECE.
LITERAL_MAX = 100
LITERAL_PIECE = 70

_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
# An action that is not a comment; a literal in it may hold "}}".
_ACTION = re.compile(r'\{\{(?!-?\s*/\*)(?:"(?:[^"\\]|\\.)*"|`[^`]*`|[^"`}]|\}(?!\}))*\}\}')
# What a break depends on: literals (skipped whole), parentheses and spaces.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|[() ]')
# Words an action starts with that stay with it on its first line.
_KEYWORDS = re.compile(r"\s*(?:(?:else\s+)?(?:if|with|range)|else|define|template|include)\s")


def _pieces(text: str) -> list[str]:
    """``text`` in pieces of about LITERAL_PIECE characters, cut after a space (or a regex's
    `|`) where there is one."""
    pieces = []
    while len(text) > LITERAL_PIECE + 10:  # no short last piece
        cut = max(text.rfind(" ", 0, LITERAL_PIECE), text.rfind("|", 0, LITERAL_PIECE)) + 1
        cut = cut if cut > LITERAL_PIECE // 2 else LITERAL_PIECE
        if text[cut - 1] == "\\":  # not between a backslash and what it escapes
            cut -= 1
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def _split_literal(literal: str) -> str:
    """A double-quoted literal as a ``print`` of pieces, or itself when it is short or uses
    escapes JSON does not share with Go (its text is then not known here)."""
    if len(literal) <= LITERAL_MAX or not literal.startswith('"'):
        return literal
    try:
        text = json.loads(literal)
    except ValueError:
        return literal
    pieces = _pieces(text)
    return "(print " + " ".join(json.dumps(p, ensure_ascii=False) for p in pieces) + ")"


def _breaks(line: str) -> list[tuple[int, int]]:
    """Where ``line`` may break: (index of a space inside an action, paren depth there)."""
    found = []
    for action in _ACTION.finditer(line):
        start, end = action.span()
        body_start = start + (3 if line.startswith("{{-", start) else 2)
        body_end = end - (3 if line.endswith("-}}", start, end) else 2)
        keyword = _KEYWORDS.match(line, body_start)
        depth, opened = 0, False
        for token in _TOKENS.finditer(line, keyword.end() if keyword else body_start, body_end):
            char, index = token.group(), token.start()
            if char == "(":
                depth, opened = depth + 1, True
            elif char == ")":
                depth -= 1
            elif char == " ":
                # Not right after a call's function name: "(not" alone on a line says little.
                if not opened and body_start < index < body_end - 1 and _may_break(line, index):
                    found.append((index, depth))
                opened = False
            else:  # a literal: no break inside
                opened = False
    return found


def _may_break(line: str, index: int) -> bool:
    """Not in a run of spaces, nor beside an assignment, after a comma (`$k, $v :=`) or
    after a pipe (a line starts with the `|` it continues)."""
    before, after = line[index - 1], line[index + 1]
    return " " not in (before, after) and before not in ",=|" and after not in ":="


def _with_short_literals(line: str) -> str:
    def action(match: re.Match[str]) -> str:
        return _LITERAL.sub(lambda m: _split_literal(m.group()), match.group())

    return _ACTION.sub(action, line)


@functools.lru_cache(maxsize=4096)  # the workloads of a chart share most of their long lines
def fit_line(line: str, width: int = WIDTH) -> tuple[str, ...]:
    """``line`` as one or more lines of at most ``width`` characters where it can be."""
    if len(line) <= width:
        return (line,)
    line = _with_short_literals(line)
    indent = line[: len(line) - len(line.lstrip(" "))] + CONTINUATION
    breaks = _breaks(line)
    out: list[str] = []
    start, prefix = 0, ""
    while len(prefix) + len(line) - start > width:
        room = start + width - len(prefix)
        later = [(i, d) for i, d in breaks if i > start]
        fitting = [(i, d) for i, d in later if i <= room]
        if not fitting:
            if not later:
                break
            fitting = [min(later, key=lambda b: (b[1], b[0]))]
        # The outermost break that fits, the last of those: long lines, shallow breaks.
        at = max(fitting, key=lambda b: (-b[1], b[0]))[0]
        out.append(prefix + line[start:at])
        start, prefix = at + 1, indent
    out.append(prefix + line[start:])
    return tuple(out)


def fit_lines(text: str, width: int = WIDTH) -> str:
    """Every line of a template's ``text`` fitted (see fit_line)."""
    lines = text.split("\n")
    if max(map(len, lines)) <= width:
        return text
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
        else:
            out.extend(fit_line(line, width))
    return "\n".join(out)
