"""The iptables-restore line format (``xshared.c``), as both 1.8.9 programs read it.

``fgets`` lines, ``add_param_to_argv`` words, ``tokenize_rule_counters`` and
``parse_counters`` for ``[PKTS:BYTES]``, and how iptables-nft writes the kernel's
refusals of a batch into its message buffer.
"""

from __future__ import annotations

import re

from .errors import ParameterProblem
from .rule import Counters

FGETS_SIZE = 10240  # the line buffer of both programs
PARAM_SIZE = 1024  # ``struct xt_param_buf``
NFT_ERRMSG_SIZE = 1024  # ``nft_action``: the buffer the batch errors are written into


def input_lines(text: str) -> list[str]:
    """What successive ``fgets(buffer, 10240)`` calls return (newlines kept)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    limit = FGETS_SIZE - 1
    if any(len(line) > limit for line in out):
        out = [line[i : i + limit] for line in out for i in range(0, len(line), limit)]
    return out


def words(text: str) -> list[str]:
    """The tokens successive ``strtok(..., " \\t\\n")`` calls return."""
    return [w for w in re.split(r"[ \t\n]+", text) if w]


# what would make str.split() differ from add_param_to_argv: a quote, another blank
_SPLIT_AS_PYTHON = re.compile(
    r'["\r\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]'
)


def split_params(text: str) -> list[str]:
    """``add_param_to_argv``: words split on blanks, ``"..."`` quoting with ``\\`` escapes."""
    # printable ASCII but its newline (the usual line) needs no closer look
    plain = text.isascii() and '"' not in text and text.rstrip("\n").isprintable()
    if plain or _SPLIT_AS_PYTHON.search(text) is None:
        # no quote, and no blank but space, tab and newline: str.split() splits alike
        params = text.split()
        if len(text) >= PARAM_SIZE and any(len(w) >= PARAM_SIZE for w in params):
            raise ParameterProblem("Parameter too long!")
        return params
    params = []
    for before, quoted, _, closed, plain in _WORD.findall(text):
        if plain:
            word = plain
        else:
            word = before + (_ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted)
            if not word and not closed:
                continue  # an empty word only ends where its quote closes
        if len(word) >= PARAM_SIZE:
            raise ParameterProblem("Parameter too long!")
        params.append(word)
    return params


# A word of add_param_to_argv: characters up to a blank or a quote; a quote opens a part
# (``\\`` escapes the next character) that its closing quote, or the end, ends -- and the
# word with it (``"ab"cd`` is two words). A lone backslash at the very end escapes nothing.
_WORD = re.compile(r'([^ \t\n"]*)"((?:[^"\\]|\\.)*)(\\?)("?)|([^ \t\n"]+)', re.DOTALL)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def _strtok(buf: list[str], pos: int, delims: str) -> tuple[str | None, int]:
    """``strtok`` on a mutable buffer: the token at ``pos`` and where the next call starts."""
    n = len(buf)
    while pos < n and buf[pos] in delims:
        pos += 1
    if pos >= n or buf[pos] == "\0":
        return None, pos
    end = pos
    while end < n and buf[end] not in delims and buf[end] != "\0":
        end += 1
    token = "".join(buf[pos:end])
    if end < n:
        buf[end] = "\0"
        end += 1
    return token, end


def rule_counters(text: str, line: int) -> tuple[str | None, str | None, str]:
    """``tokenize_rule_counters``: ``[PKTS:BYTES] rest`` split, as strtok leaves it."""
    if not text.startswith("["):
        return None, None, text
    ptr = text.find("]")
    if ptr < 0:
        raise ParameterProblem(f"Bad line {line}: need ]")
    buf = list(text)
    pcnt, pos = _strtok(buf, 1, ":")
    if pcnt is None:
        raise ParameterProblem(f"Bad line {line}: need :")
    bcnt, _ = _strtok(buf, pos, "]")
    if bcnt is None:
        raise ParameterProblem(f"Bad line {line}: need ]")
    rest = "".join(buf[ptr + 1 :]).split("\0", 1)[0]
    return pcnt, bcnt, rest


_COUNTERS = re.compile(r"\[\s*([+-]?\d+):\s*([+-]?\d+)")


def parse_counters(text: str | None) -> Counters | None:
    """``parse_counters``: ``sscanf("[%llu:%llu]")`` read two numbers."""
    found = _COUNTERS.match(text or "")
    if found is None:
        return None
    return Counters(*(_llu(v) for v in found.groups()))


def _llu(text: str) -> int:
    value = int(text)
    if value > 2**64 - 1:
        return 2**64 - 1
    return value % 2**64


def nft_batch_message(errors: list[str]) -> str:
    """``nft_action``: each refusal ``snprintf``-ed after the previous one into 1024 bytes.

    A text that does not fit is written truncated where the next one would go,
    and a later one that fits overwrites it.
    """
    head = ""
    tail = ""
    room = NFT_ERRMSG_SIZE
    for text in errors:
        if room == 0:
            break
        if len(text) <= room:
            head += text[: room - 1]
            room -= len(text)
            tail = ""
        else:
            tail = text[: room - 1]
    return head + tail
