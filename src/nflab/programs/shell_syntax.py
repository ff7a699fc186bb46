"""The shell language subset: words, quotes, pipelines, ``&&``/``||``/``;``/``&``, redirections.

Parsing produces frozen values; :mod:`nflab.programs.shell` runs them. Any
syntax beyond the subset (``$`` expansions, subshells, here-documents,
compound commands...) raises :class:`NotSimulated` rather than being
misread; genuine syntax errors raise :class:`ShellSyntaxError`, which the
shell words as bash or dash would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .system import NotSimulated


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    quoted: bool


@dataclass(frozen=True, slots=True)
class Word:
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """The word after quote removal."""
        return "".join(s.text for s in self.segments)

    @property
    def unquoted(self) -> str:
        return "".join(s.text for s in self.segments if not s.quoted)


@dataclass(frozen=True, slots=True)
class Redirect:
    fd: int
    op: str  # "<", ">", ">>", ">&", "<&"
    target: Word


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    words: tuple[Word, ...]
    redirects: tuple[Redirect, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[SimpleCommand, ...]


@dataclass(frozen=True, slots=True)
class AndOr:
    first: Pipeline
    rest: tuple[tuple[str, Pipeline], ...]  # ("&&" | "||", pipeline)


@dataclass(frozen=True, slots=True)
class Item:
    body: AndOr
    background: bool


@dataclass(frozen=True, slots=True)
class Script:
    items: tuple[Item, ...]


class ShellSyntaxError(Exception):
    """A syntax error: ``token`` is what came unexpectedly (``None``: the end of the text).

    ``quote`` is set for an unterminated quote; ``want_word`` when the text
    ended where a redirection needed its file name (bash then says
    ``newline``, dash ``end of file``).
    """

    def __init__(
        self, line: int, token: str | None = None, quote: str | None = None, want_word: bool = False
    ):
        super().__init__(token or quote or "end of file")
        self.line = line
        self.token = token
        self.quote = quote
        self.want_word = want_word


# -- tokens -------------------------------------------------------------------------

OPERATORS = ("&&", "||", ";;", ">>", ">&", "<&", "|", "&", ";", ">", "<")
UNSUPPORTED_OPERATORS = ("<<", "<>", ">|", "|&", "&>", "(", ")")
REDIRECT_OPS = (">", ">>", "<", ">&", "<&")
_SPECIAL_PARAM = re.compile(r"\$([A-Za-z_{(0-9?#@*!$-])")
_BRACE = re.compile(r"\{[^{}]*(,|\.\.)[^{}]*\}")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word" | "op" | "io" | "newline"
    value: str
    line: int
    word: Word | None = None


def tokenize(text: str, brace_expansion: bool) -> list[Token]:
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c == "\n":
            tokens.append(Token("newline", "\n", line))
            line += 1
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif op := _operator_at(text, i):
            tokens.append(Token("op", op, line))
            i += len(op)
        else:
            start_line = line
            word, i, line = _read_word(text, i, line, brace_expansion)
            if (
                word.text.isdigit()
                and all(not s.quoted for s in word.segments)
                and text[i : i + 1] in ("<", ">")
            ):
                tokens.append(Token("io", word.text, start_line))
            else:
                tokens.append(Token("word", word.text, start_line, word))
    return tokens


def _operator_at(text: str, i: int) -> str | None:
    for op in UNSUPPORTED_OPERATORS:
        if text.startswith(op, i):
            raise NotSimulated(f"the shell operator `{op}'")
    for op in OPERATORS:
        if text.startswith(op, i):
            return op
    return None


def _read_word(text: str, i: int, line: int, brace_expansion: bool) -> tuple[Word, int, int]:
    segments: list[Segment] = []
    n = len(text)
    plain: list[str] = []

    def flush() -> None:
        if plain:
            segments.append(Segment("".join(plain), False))
            plain.clear()

    while i < n and text[i] not in " \t\n" and not _is_operator_start(text, i):
        c = text[i]
        if c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError(line, quote="'")
            flush()
            segments.append(Segment(text[i + 1 : end], True))
            line += text.count("\n", i, end)
            i = end + 1
        elif c == '"':
            flush()
            body, i, line = _read_double_quoted(text, i + 1, line)
            segments.append(Segment(body, True))
        elif c == "\\":
            if i + 1 >= n:
                plain.append("\\")  # a trailing backslash stays (bash and dash agree)
                i += 1
            elif text[i + 1] == "\n":
                i += 2
                line += 1
            else:
                flush()
                segments.append(Segment(text[i + 1], True))
                i += 2
        else:
            _check_expansion(text, i)
            plain.append(c)
            i += 1
    flush()
    word = Word(tuple(segments))
    if brace_expansion and _BRACE.search(word.unquoted):
        raise NotSimulated(f"brace expansion in `{word.text}'")
    return word, i, line


def _is_operator_start(text: str, i: int) -> bool:
    return text[i] in "|&;<>()"


def _read_double_quoted(text: str, i: int, line: int) -> tuple[str, int, int]:
    out: list[str] = []
    start_line = line
    while i < len(text):
        c = text[i]
        if c == '"':
            return "".join(out), i + 1, line
        if c == "\\" and i + 1 < len(text) and text[i + 1] in '$`"\\\n':
            if text[i + 1] == "\n":
                line += 1
            else:
                out.append(text[i + 1])
            i += 2
            continue
        if c == "\n":
            line += 1
        _check_expansion(text, i)
        out.append(c)
        i += 1
    raise ShellSyntaxError(start_line, quote='"')


def _check_expansion(text: str, i: int) -> None:
    if text[i] == "`":
        raise NotSimulated("command substitution (`...`)")
    if text[i] == "$" and (m := _SPECIAL_PARAM.match(text, i)):
        raise NotSimulated(f"shell expansion `${m.group(1)}...'")


# -- grammar ------------------------------------------------------------------------

RESERVED = frozenset(
    [
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "case",
        "esac",
        "while",
        "until",
        "for",
        "in",
        "function",
        "select",
        "time",
        "{",
        "}",
        "!",
        "[[",
        "]]",
    ]
)
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


class _Parser:
    def __init__(self, tokens: list[Token], lines: int):
        self.tokens = tokens
        self.pos = 0
        self.last_line = lines

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def error(self) -> ShellSyntaxError:
        tok = self.peek()
        if tok is None:
            return ShellSyntaxError(self.last_line)
        return ShellSyntaxError(tok.line, "newline" if tok.kind == "newline" else tok.value)

    def skip_newlines(self) -> None:
        while (tok := self.peek()) is not None and tok.kind == "newline":
            self.pos += 1

    def script(self) -> Script:
        items: list[Item] = []
        self.skip_newlines()
        while self.peek() is not None:
            body = self.and_or()
            tok = self.peek()
            background = False
            if tok is not None and tok.kind == "op" and tok.value in (";", "&"):
                background = self.take().value == "&"
            elif tok is not None and tok.kind != "newline":
                raise self.error()
            items.append(Item(body, background))
            self.skip_newlines()
        return Script(tuple(items))

    def and_or(self) -> AndOr:
        first = self.pipeline()
        rest: list[tuple[str, Pipeline]] = []
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value in ("&&", "||"):
            self.take()
            self.skip_newlines()
            rest.append((tok.value, self.pipeline()))
        return AndOr(first, tuple(rest))

    def pipeline(self) -> Pipeline:
        commands = [self.command()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value == "|":
            self.take()
            self.skip_newlines()
            commands.append(self.command())
        return Pipeline(tuple(commands))

    def command(self) -> SimpleCommand:
        words: list[Word] = []
        redirects: list[Redirect] = []
        line = tok.line if (tok := self.peek()) is not None else self.last_line
        while (tok := self.peek()) is not None:
            if tok.kind == "word":
                assert tok.word is not None
                if not words:
                    _check_command_name(tok.word)
                words.append(tok.word)
                self.take()
            elif tok.kind == "io" or (tok.kind == "op" and tok.value in REDIRECT_OPS):
                redirects.append(self.redirect())
            else:
                break
        if not words and not redirects:
            raise self.error()
        return SimpleCommand(tuple(words), tuple(redirects), line)

    def redirect(self) -> Redirect:
        tok = self.take()
        fd: int | None = None
        if tok.kind == "io":
            fd = int(tok.value)
            tok = self.take()
        op = tok.value
        target = self.peek()
        if target is None:
            raise ShellSyntaxError(self.last_line, want_word=True)
        if target.kind != "word":
            raise self.error()
        self.take()
        assert target.word is not None
        default = 0 if op in ("<", "<&") else 1
        return Redirect(default if fd is None else fd, op, target.word)


def _check_command_name(word: Word) -> None:
    first = word.segments[0] if word.segments else Segment("", True)
    if word.text in RESERVED and not any(s.quoted for s in word.segments):
        raise NotSimulated(f"the shell keyword `{word.text}'")
    if not first.quoted and _ASSIGNMENT.match(first.text):
        raise NotSimulated(f"the variable assignment `{word.text}'")


def parse_script(text: str, brace_expansion: bool = True) -> Script:
    """Parse a command line (or a script); raises ShellSyntaxError or NotSimulated."""
    return _Parser(tokenize(text, brace_expansion), text.count("\n") + 1).script()
