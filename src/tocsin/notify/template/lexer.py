"""Tokeniser for Go's text/template syntax.

It follows the state machine of Go 1.19's ``text/template/parse/lex.go`` closely, because
whitespace trimming, comment placement and number syntax are all decided here and users depend on
the exact behaviour. Items are produced eagerly; a lexical error becomes a final ``ERROR`` item so
that the parser reports it only when it reaches it, as Go does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class T(enum.IntEnum):
    """Item types; everything above ``KEYWORD`` is a keyword."""

    ERROR = 0
    BOOL = enum.auto()
    CHAR = enum.auto()
    CHAR_CONSTANT = enum.auto()
    COMMENT = enum.auto()
    COMPLEX = enum.auto()
    ASSIGN = enum.auto()
    DECLARE = enum.auto()
    EOF = enum.auto()
    FIELD = enum.auto()
    IDENTIFIER = enum.auto()
    LEFT_DELIM = enum.auto()
    LEFT_PAREN = enum.auto()
    NUMBER = enum.auto()
    PIPE = enum.auto()
    RAW_STRING = enum.auto()
    RIGHT_DELIM = enum.auto()
    RIGHT_PAREN = enum.auto()
    SPACE = enum.auto()
    STRING = enum.auto()
    TEXT = enum.auto()
    VARIABLE = enum.auto()
    KEYWORD = enum.auto()
    BLOCK = enum.auto()
    BREAK = enum.auto()
    CONTINUE = enum.auto()
    DOT = enum.auto()
    DEFINE = enum.auto()
    ELSE = enum.auto()
    END = enum.auto()
    IF = enum.auto()
    NIL = enum.auto()
    RANGE = enum.auto()
    TEMPLATE = enum.auto()
    WITH = enum.auto()


KEYWORDS = {
    ".": T.DOT,
    "block": T.BLOCK,
    "break": T.BREAK,
    "continue": T.CONTINUE,
    "define": T.DEFINE,
    "else": T.ELSE,
    "end": T.END,
    "if": T.IF,
    "range": T.RANGE,
    "nil": T.NIL,
    "template": T.TEMPLATE,
    "with": T.WITH,
}

LEFT = "{{"
RIGHT = "}}"
SPACE_CHARS = " \t\r\n"


@dataclass(slots=True)
class Item:
    typ: T
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        from tocsin.notify.template.gofmt import go_quote

        if self.typ == T.EOF:
            return "EOF"
        if self.typ == T.ERROR:
            return self.val
        if self.typ > T.KEYWORD:
            return f"<{self.val}>"
        if len(self.val) > 10:
            # Go's %.10q truncates the string to 10 runes before quoting.
            return go_quote(self.val[:10]) + "..."
        return go_quote(self.val)


def _is_space(c: str) -> bool:
    return c in (" ", "\t", "\r", "\n") and c != ""


def is_alnum(c: str) -> bool:
    return c == "_" or (c != "" and (c.isalpha() or c.isdigit()))


def _has_left_trim(s: str, i: int) -> bool:
    return len(s) >= i + 2 and s[i] == "-" and _is_space(s[i + 1])


def _has_right_trim(s: str, i: int) -> bool:
    return len(s) >= i + 2 and _is_space(s[i]) and s[i + 1] == "-"


class _Lexer:
    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.line = 1
        self.start_line = 1
        self.items: list[Item] = []
        self.paren_depth = 0

    # -- primitives -------------------------------------------------------------------------
    def next(self) -> str:
        if self.pos >= len(self.input):
            self.pos = len(self.input) + 1  # remember we hit EOF, so backup is a no-op step
            return ""
        c = self.input[self.pos]
        self.pos += 1
        if c == "\n":
            self.line += 1
        return c

    def backup(self) -> None:
        if self.pos > len(self.input):
            self.pos = len(self.input)
            return
        if self.pos > 0:
            self.pos -= 1
            if self.input[self.pos] == "\n":
                self.line -= 1

    def peek(self) -> str:
        return self.input[self.pos] if self.pos < len(self.input) else ""

    def emit(self, typ: T) -> None:
        self.items.append(Item(typ, self.start, self.input[self.start : self.pos], self.start_line))
        self.start = self.pos
        self.start_line = self.line

    def ignore(self) -> None:
        self.line += self.input.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def accept(self, valid: str) -> bool:
        c = self.next()
        if c != "" and c in valid:
            return True
        self.backup()
        return False

    def accept_run(self, valid: str) -> None:
        while True:
            c = self.next()
            if c == "" or c not in valid:
                break
        self.backup()

    def error(self, msg: str) -> None:
        self.items.append(Item(T.ERROR, self.start, msg, self.start_line))

    def at_right_delim(self) -> tuple[bool, bool]:
        s = self.input
        if _has_right_trim(s, self.pos) and s.startswith(RIGHT, self.pos + 2):
            return True, True
        if s.startswith(RIGHT, self.pos):
            return True, False
        return False, False

    def at_terminator(self) -> bool:
        c = self.peek()
        if c == "" or _is_space(c) or c in ".,|:)(":
            return True
        return self.input.startswith(RIGHT, self.pos)

    # -- states ---------------------------------------------------------------------------------
    def run(self) -> list[Item]:
        state: Any = self.lex_text
        while state is not None:
            state = state()
        return self.items

    def lex_text(self) -> Any:
        x = self.input.find(LEFT, self.pos)
        if x >= 0:
            self.pos = x
            trim = 0
            if _has_left_trim(self.input, self.pos + len(LEFT)):
                seg = self.input[self.start : self.pos]
                trim = len(seg) - len(seg.rstrip(SPACE_CHARS))
            self.pos -= trim
            if self.pos > self.start:
                self.line += self.input.count("\n", self.start, self.pos)
                self.emit(T.TEXT)
            self.pos += trim
            self.ignore()
            return self.lex_left_delim
        self.pos = len(self.input)
        if self.pos > self.start:
            self.line += self.input.count("\n", self.start, self.pos)
            self.emit(T.TEXT)
        self.emit(T.EOF)
        return None

    def lex_left_delim(self) -> Any:
        self.pos += len(LEFT)
        trim = _has_left_trim(self.input, self.pos)
        after = 2 if trim else 0
        if self.input.startswith("/*", self.pos + after):
            self.pos += after
            self.ignore()
            return self.lex_comment
        self.emit(T.LEFT_DELIM)
        self.pos += after
        self.ignore()
        self.paren_depth = 0
        return self.lex_inside_action

    def lex_comment(self) -> Any:
        self.pos += 2
        i = self.input.find("*/", self.pos)
        if i < 0:
            self.error("unclosed comment")
            return None
        self.pos = i + 2
        delim, trim = self.at_right_delim()
        if not delim:
            self.error("comment ends before closing delimiter")
            return None
        if trim:
            self.pos += 2
        self.pos += len(RIGHT)
        if trim:
            rest = self.input[self.pos :]
            self.pos += len(rest) - len(rest.lstrip(SPACE_CHARS))
        self.ignore()
        return self.lex_text

    def lex_right_delim(self) -> Any:
        trim = _has_right_trim(self.input, self.pos)
        if trim:
            self.pos += 2
            self.ignore()
        self.pos += len(RIGHT)
        self.emit(T.RIGHT_DELIM)
        if trim:
            rest = self.input[self.pos :]
            self.pos += len(rest) - len(rest.lstrip(SPACE_CHARS))
            self.ignore()
        return self.lex_text

    def lex_inside_action(self) -> Any:
        delim, _ = self.at_right_delim()
        if delim:
            if self.paren_depth == 0:
                return self.lex_right_delim
            self.error("unclosed left paren")
            return None
        c = self.next()
        if c == "":
            self.error("unclosed action")
            return None
        if _is_space(c):
            self.backup()
            return self.lex_space
        if c == "=":
            self.emit(T.ASSIGN)
        elif c == ":":
            if self.next() != "=":
                self.error("expected :=")
                return None
            self.emit(T.DECLARE)
        elif c == "|":
            self.emit(T.PIPE)
        elif c == '"':
            return self.lex_quote
        elif c == "`":
            return self.lex_raw_quote
        elif c == "$":
            return self.lex_variable
        elif c == "'":
            return self.lex_char
        elif c == "." and not (self.pos < len(self.input) and "0" <= self.input[self.pos] <= "9"):
            return self.lex_field
        elif c in "+-." or "0" <= c <= "9":
            self.backup()
            return self.lex_number
        elif is_alnum(c):
            self.backup()
            return self.lex_identifier
        elif c == "(":
            self.emit(T.LEFT_PAREN)
            self.paren_depth += 1
        elif c == ")":
            self.emit(T.RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self.error("unexpected right paren U+0029 ')'")
                return None
        elif ord(c) < 128 and c.isprintable():
            self.emit(T.CHAR)
        else:
            self.error(f"unrecognized character in action: {go_rune_desc(c)}")
            return None
        return self.lex_inside_action

    def lex_space(self) -> Any:
        n = 0
        while _is_space(self.peek()):
            self.next()
            n += 1
        if _has_right_trim(self.input, self.pos - 1) and self.input.startswith(RIGHT, self.pos + 1):
            self.backup()
            if n == 1:
                return self.lex_right_delim
        self.emit(T.SPACE)
        return self.lex_inside_action

    def lex_identifier(self) -> Any:
        while True:
            c = self.next()
            if not is_alnum(c):
                self.backup()
                word = self.input[self.start : self.pos]
                if not self.at_terminator():
                    self.error(f"bad character {go_rune_desc(c)}")
                    return None
                kw = KEYWORDS.get(word)
                if kw is not None and kw > T.KEYWORD:
                    self.emit(kw)
                elif word[0] == ".":
                    self.emit(T.FIELD)
                elif word in ("true", "false"):
                    self.emit(T.BOOL)
                else:
                    self.emit(T.IDENTIFIER)
                return self.lex_inside_action

    def lex_field(self) -> Any:
        return self._field_or_variable(T.FIELD)

    def lex_variable(self) -> Any:
        if self.at_terminator():
            self.emit(T.VARIABLE)
            return self.lex_inside_action
        return self._field_or_variable(T.VARIABLE)

    def _field_or_variable(self, typ: T) -> Any:
        if self.at_terminator():
            self.emit(T.VARIABLE if typ == T.VARIABLE else T.DOT)
            return self.lex_inside_action
        while True:
            c = self.next()
            if not is_alnum(c):
                self.backup()
                break
        if not self.at_terminator():
            self.error(f"bad character {go_rune_desc(c)}")
            return None
        self.emit(typ)
        return self.lex_inside_action

    def _quoted(self, close: str, what: str) -> Any:
        while True:
            c = self.next()
            if c == "\\":
                c2 = self.next()
                if c2 not in ("", "\n"):
                    continue
                c = c2
            if c in ("", "\n"):
                self.error(f"unterminated {what}")
                return None
            if c == close:
                return True

    def lex_char(self) -> Any:
        if self._quoted("'", "character constant") is None:
            return None
        self.emit(T.CHAR_CONSTANT)
        return self.lex_inside_action

    def lex_quote(self) -> Any:
        if self._quoted('"', "quoted string") is None:
            return None
        self.emit(T.STRING)
        return self.lex_inside_action

    def lex_raw_quote(self) -> Any:
        while True:
            c = self.next()
            if c == "":
                self.error("unterminated raw quoted string")
                return None
            if c == "`":
                break
        self.emit(T.RAW_STRING)
        return self.lex_inside_action

    def lex_number(self) -> Any:
        if not self._scan_number():
            self.error(f"bad number syntax: {_q(self.input[self.start : self.pos])}")
            return None
        if self.peek() in ("+", "-") and self.peek() != "":
            if not self._scan_number() or self.input[self.pos - 1] != "i":
                self.error(f"bad number syntax: {_q(self.input[self.start : self.pos])}")
                return None
            self.emit(T.COMPLEX)
        else:
            self.emit(T.NUMBER)
        return self.lex_inside_action

    def _scan_number(self) -> bool:
        self.accept("+-")
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if len(digits) == 11 and self.accept("eE"):
            self.accept("+-")
            self.accept_run("0123456789_")
        if len(digits) == 23 and self.accept("pP"):
            self.accept("+-")
            self.accept_run("0123456789_")
        self.accept("i")
        if is_alnum(self.peek()):
            self.next()
            return False
        return True


def _q(s: str) -> str:
    from tocsin.notify.template.gofmt import go_quote

    return go_quote(s)


def go_rune_desc(c: str) -> str:
    """Go's ``%#U`` of a rune: ``U+0041 'A'``."""
    if c == "":
        return "U+FFFFFFFF"
    cp = ord(c)
    base = f"U+{cp:04X}"
    if c.isprintable():
        return f"{base} '{c}'"
    return base


def lex(text: str) -> list[Item]:
    """Tokenise ``text``; the list always ends with an EOF or ERROR item."""
    return _Lexer(text).run()
