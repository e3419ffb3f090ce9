"""A small SQL tokenizer: enough of PostgreSQL's lexical rules to find parameters and statement ends.

It knows quoted strings (including E'' escapes), quoted identifiers, dollar-quoted bodies, nested block comments,
line comments, ``::`` casts and ``:name`` parameters, so none of those are ever mistaken for one another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD_START = re.compile(r"[A-Za-z_\u0080-\uffff]")
WORD = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]+")
NUMBER = re.compile(r"\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?")
DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")
POSITIONAL = re.compile(r"\$\d+")
PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
SPACE = re.compile(r"\s+")


class SQLSyntaxError(ValueError):
    """Raised when SQL text cannot be tokenized (an unterminated string, comment or dollar quote)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"{message} (line {line})")
        self.line = line


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # space, line_comment, block_comment, string, ident, dollar, word, number, param, cast, semicolon, op
    text: str
    line: int  # 1-based line where the token starts

    @property
    def is_comment(self) -> bool:
        return self.kind in ("line_comment", "block_comment")

    @property
    def is_blank(self) -> bool:
        return self.kind == "space" or self.is_comment


def _end(pattern: re.Pattern[str], sql: str, start: int) -> int:
    """Where a token that the caller knows starts here ends."""
    match = pattern.match(sql, start)
    assert match is not None, "the caller checked the first character"
    return match.end()


def _end_of_quoted(sql: str, start: int, quote: str, backslash: bool) -> int:
    """Return the index just past the closing quote; a doubled quote is an escaped quote."""
    i = start + 1
    n = len(sql)
    while i < n:
        ch = sql[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return -1


def tokenize(sql: str, first_line: int = 1) -> list[Token]:
    """Split SQL text into tokens; raise SQLSyntaxError for unterminated quotes and comments."""
    tokens: list[Token] = []
    i = 0
    n = len(sql)
    line = first_line

    def add(kind: str, end: int) -> None:
        nonlocal i, line
        text = sql[i:end]
        tokens.append(Token(kind, text, line))
        line += text.count("\n")
        i = end

    while i < n:
        ch = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        if ch.isspace():
            add("space", _end(SPACE, sql, i))
        elif ch == "-" and nxt == "-":
            end = sql.find("\n", i)
            add("line_comment", n if end < 0 else end)
        elif ch == "/" and nxt == "*":
            depth, j = 1, i + 2
            while depth and j < n:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            if depth:
                raise SQLSyntaxError("unterminated /* comment", line)
            add("block_comment", j)
        elif ch == "'" or (ch in "eE" and nxt == "'" and not _after_word(sql, i)):
            quote_at = i if ch == "'" else i + 1
            end = _end_of_quoted(sql, quote_at, "'", backslash=ch != "'")
            if end < 0:
                raise SQLSyntaxError("unterminated quoted string", line)
            add("string", end)
        elif ch == '"':
            end = _end_of_quoted(sql, i, '"', backslash=False)
            if end < 0:
                raise SQLSyntaxError("unterminated quoted identifier", line)
            add("ident", end)
        elif ch == "$":
            tag = DOLLAR_TAG.match(sql, i)
            if tag:
                close = sql.find(tag.group(0), tag.end())
                if close < 0:
                    raise SQLSyntaxError(f"unterminated dollar-quoted string {tag.group(0)}", line)
                add("dollar", close + len(tag.group(0)))
            elif m := POSITIONAL.match(sql, i):
                add("positional", m.end())
            else:
                add("op", i + 1)
        elif ch == ":":
            if nxt == ":":
                add("cast", i + 2)
            elif m := PARAM.match(sql, i):
                add("param", m.end())
            else:
                add("op", i + 1)
        elif ch == ";":
            add("semicolon", i + 1)
        elif WORD_START.match(ch):
            add("word", _end(WORD, sql, i))
        elif ch.isdigit() or (ch == "." and nxt.isdigit()):
            add("number", _end(NUMBER, sql, i))
        else:
            add("op", i + 1)
    return tokens


def _after_word(sql: str, i: int) -> bool:
    """True when position i continues an identifier (so ``type'x'`` is not an E'' string)."""
    return i > 0 and (sql[i - 1].isalnum() or sql[i - 1] in "_$")


def split_statements(tokens: list[Token]) -> list[list[Token]]:
    """Group tokens into statements at top-level semicolons; blank-only pieces are dropped."""
    statements: list[list[Token]] = []
    current: list[Token] = []
    for token in tokens:
        if token.kind == "semicolon":
            if any(not t.is_blank for t in current):
                statements.append(current)
            current = []
        else:
            current.append(token)
    if any(not t.is_blank for t in current):
        statements.append(current)
    return statements


def strip_blank(tokens: list[Token]) -> list[Token]:
    """Drop leading and trailing whitespace and comments from a token list."""
    start, end = 0, len(tokens)
    while start < end and tokens[start].is_blank:
        start += 1
    while end > start and tokens[end - 1].is_blank:
        end -= 1
    return tokens[start:end]


def normalized(tokens: list[Token]) -> str:
    """Return the tokens without comments and with whitespace folded: the text a checksum should see."""
    return " ".join(t.text for t in tokens if not t.is_blank)
