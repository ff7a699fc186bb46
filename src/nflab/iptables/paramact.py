"""``xtables_param_act``: the fixed parameter-problem texts old-style parsers raise.

``opt`` is passed as the C callers pass it, usually with its dashes (``"--ctdir"``).
"""

from __future__ import annotations

from .errors import ParameterProblem


def only_once(ext: str, opt: str) -> ParameterProblem:
    return ParameterProblem(f'{ext}: "{opt}" option may only be specified once')


def no_invert(ext: str, opt: str) -> ParameterProblem:
    return ParameterProblem(f'{ext}: "{opt}" option cannot be inverted')


def bad_value(ext: str, opt: str, arg: str) -> ParameterProblem:
    return ParameterProblem(f'{ext}: Bad value for "{opt}" option: "{arg}"')


def one_action(ext: str) -> ParameterProblem:
    return ParameterProblem(f"{ext}: At most one action is possible")
