"""Reading and validating the exercise files (``exercises/chNN.toml``) into ``Exercise`` objects.

``exercises/README.md`` documents the TOML schema. Files are validated when first loaded, so an
author's mistake is reported with its file, exercise and field before any student sees it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import variants as var
from .errors import ExprError
from .exercise_model import Exercise, ExerciseSchemaError, Mistake, Spec
from .parser import FUNCTIONS, parse
from .shapes import MAX_DIM, normalize_shape

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

FIELDS = {
    "id", "title", "prompt", "symbols", "wrt", "of", "layout", "answer", "indices", "hints",
    "mistakes", "points", "show_solution_after", "explanation", "variants",
}
REQUIRED = ("id", "title")
REQUIRED_SPEC = ("prompt", "symbols", "answer")  # may also come from each `choose` alternative
CHOOSE_FIELDS = {"prompt", "symbols", "wrt", "of", "layout", "answer", "indices", "hints",
                 "mistakes", "explanation"}
LAYOUTS = ("gradient", "numerator")
VARIANT_FIELDS = {"sizes", "rename", "choose"}
ID_TAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
RESERVED_NAMES = set(FUNCTIONS) | {"T", "I", "np", "numpy", "linalg"}


class _Where:
    """Builds error messages naming the file and the exercise being read."""

    def __init__(self, path: Path, number: int, exercise_id: object = None) -> None:
        self.path, self.number, self.id = path, number, exercise_id

    def error(self, problem: str) -> ExerciseSchemaError:
        who = f"exercise '{self.id}'" if isinstance(self.id, str) else f"exercise #{self.number}"
        return ExerciseSchemaError(f"{self.path.name}, {who}: {problem}")


def load_file(path: Path) -> list[Exercise]:
    """Read and validate one chapter file; raises ``ExerciseSchemaError`` naming what's wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExerciseSchemaError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExerciseSchemaError(f"{path.name}: is not valid TOML ({exc})") from None
    extra = sorted(set(data) - {"exercise"})
    if extra:
        raise ExerciseSchemaError(f"{path.name}: unknown top-level key(s) {', '.join(extra)}; "
                                  "write each exercise as an [[exercise]] table")
    tables = data.get("exercise", [])
    if not isinstance(tables, list):
        raise ExerciseSchemaError(f"{path.name}: 'exercise' must be [[exercise]] tables")
    return [_exercise(table, _Where(path, n + 1)) for n, table in enumerate(tables)]


def load_folder(folder: Path) -> list[Exercise]:
    """Every exercise of every ``*.toml`` file in ``folder`` (sorted), with unique ids."""
    found: list[Exercise] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        for ex in load_file(path):
            if ex.id in seen:
                raise ExerciseSchemaError(f"{path.name}, exercise '{ex.id}': the id is already "
                                          f"used in {seen[ex.id]}")
            seen[ex.id] = path.name
            found.append(ex)
    return found


def _exercise(table: object, where: _Where) -> Exercise:
    """Validate one [[exercise]] table and build the ``Exercise``."""
    if not isinstance(table, dict):
        raise where.error("must be a table")
    where.id = table.get("id")
    unknown = sorted(set(table) - FIELDS)
    if unknown:
        raise where.error(f"unknown field(s) {', '.join(unknown)}; "
                          f"allowed: {', '.join(sorted(FIELDS))}")
    missing = [f for f in REQUIRED if f not in table]
    if missing:
        raise where.error(f"missing required field(s) {', '.join(missing)}")
    exercise_id = _text(table, "id", where)
    chapter = where.path.stem
    if not exercise_id.startswith(chapter + ".") or not ID_TAIL.fullmatch(
            exercise_id[len(chapter) + 1:]):
        raise where.error(f"the id must look like '{chapter}.some-name' (file {chapter}.toml)")
    variants = table.get("variants", {})
    if not isinstance(variants, dict):
        raise where.error("'variants' must be a table ([exercise.variants])")
    bad = sorted(set(variants) - VARIANT_FIELDS)
    if bad:
        raise where.error(f"unknown variants field(s) {', '.join(bad)}; "
                          f"allowed: {', '.join(sorted(VARIANT_FIELDS))}")
    alternatives = _alternatives(table, variants.get("choose"), where)
    sizes = _sizes(variants.get("sizes"), alternatives, where)
    rename = _rename(variants.get("rename"), alternatives, where)
    return Exercise(
        id=exercise_id,
        title=_text(table, "title", where),
        chapter=chapter,
        points=_number(table, "points", 1, where),
        show_solution_after=int(_number(table, "show_solution_after", 3, where, whole=True)),
        source=str(where.path),
        alternatives=alternatives,
        rename=rename,
        sizes=sizes,
    )


def _alternatives(table: dict, choose: object, where: _Where) -> tuple[Spec, ...]:
    """The base spec, or one merged spec per ``choose`` alternative."""
    if choose is None:
        return (_spec(table, where),)
    if not isinstance(choose, list) or len(choose) < 2:
        raise where.error("'variants.choose' must be a list of at least two tables")
    specs = []
    for n, alt in enumerate(choose, 1):
        if not isinstance(alt, dict):
            raise where.error(f"variants.choose #{n} must be a table")
        bad = sorted(set(alt) - CHOOSE_FIELDS)
        if bad:
            raise where.error(f"variants.choose #{n}: field(s) {', '.join(bad)} cannot vary; "
                              f"allowed: {', '.join(sorted(CHOOSE_FIELDS))}")
        specs.append(_spec({**table, **alt}, where, f"variants.choose #{n}: "))
    return tuple(specs)


def _spec(table: dict, where: _Where, ctx: str = "") -> Spec:
    """Validate the gradable fields of one alternative (symbols, answer, indices, mistakes)."""
    missing = [f for f in REQUIRED_SPEC if f not in table]
    if missing:
        raise where.error(f"{ctx}missing required field(s) {', '.join(missing)}")
    symbols = _symbols(table.get("symbols"), where, ctx)
    wrt = table.get("wrt")
    if wrt is not None and (not isinstance(wrt, str) or wrt not in symbols):
        raise where.error(f"{ctx}'wrt' must name one of the symbols ({', '.join(symbols)}); "
                          f"got {wrt!r}")
    of, layout = _derivative(table, symbols, where, ctx)
    indices = _indices(table.get("indices"), symbols, where, ctx)
    answer = _text(table, "answer", where, ctx)
    _check_expr(answer, symbols, indices, where, f"{ctx}'answer'")
    mistakes = _mistakes(table.get("mistakes", []), symbols, indices, where, ctx)
    return Spec(
        prompt=_text(table, "prompt", where, ctx),
        symbols=symbols,
        answer=answer,
        wrt=wrt,
        indices=indices,
        hints=tuple(_strings(table.get("hints", []), "hints", where, ctx)),
        mistakes=mistakes,
        explanation=_text(table, "explanation", where, ctx, default=""),
        of=of,
        layout=layout,
    )


def _derivative(table: dict, symbols: dict, where: _Where, ctx: str) -> tuple[str | None, str]:
    """``of`` (what is differentiated, in matrix notation) and ``layout``; ``of`` needs ``wrt``."""
    layout = table.get("layout", "gradient")
    if layout not in LAYOUTS:
        raise where.error(f"{ctx}'layout' must be 'gradient' or 'numerator'; got {layout!r}")
    if "of" not in table:
        if "layout" in table:
            raise where.error(f"{ctx}'layout' needs 'of', the expression being differentiated")
        return None, layout
    of = _text(table, "of", where, ctx)
    if table.get("wrt") is None:
        raise where.error(f"{ctx}'of' needs 'wrt', the variable it is differentiated by")
    _check_expr(of, symbols, None, where, f"{ctx}'of'")
    return of, layout


def _symbols(value: object, where: _Where, ctx: str) -> dict[str, tuple]:
    """``symbols = {W = ["m", "n"], x = ["n"]}`` as normalized shapes."""
    if not isinstance(value, dict) or not value:
        raise where.error(f"{ctx}'symbols' must be a table of name = shape, e.g. "
                          '{W = ["m", "n"], x = ["n"]}')
    out = {}
    for name, shape in value.items():
        if not name.isidentifier() or name in RESERVED_NAMES:
            raise where.error(f"{ctx}symbol name {name!r} is not allowed")
        if not isinstance(shape, list):
            raise where.error(f"{ctx}the shape of {name} must be a list such as "
                              '["m", "n"], ["n"] or [] for a scalar')
        try:
            out[name] = normalize_shape(name, shape) if shape else ()
        except ValueError as exc:
            raise where.error(f"{ctx}{exc}") from None
    return out


def _dims(symbols: Mapping[str, tuple]) -> set[str]:
    """Dimension names used by the symbols' shapes."""
    return {d for s in symbols.values() for d in s if isinstance(d, str)}


def _indices(value: object, symbols: dict, where: _Where, ctx: str) -> dict | None:
    """``indices = {i = "m", j = 3}``: how far each free index runs (size or dim name)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise where.error(f"{ctx}'indices' must be a table of index = size or dimension name")
    dims = _dims(symbols)
    for name, size in value.items():
        ok_int = isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= MAX_DIM
        if not (ok_int or (isinstance(size, str) and size in dims)):
            raise where.error(f"{ctx}index {name} must run over a size 1..{MAX_DIM} or a "
                              f"dimension name of the symbols ({', '.join(sorted(dims))}); "
                              f"got {size!r}")
        if name in symbols:
            raise where.error(f"{ctx}index {name} has the same name as a symbol")
    return dict(value)


def _check_expr(text: str, symbols: dict, indices: dict | None, where: _Where, what: str) -> None:
    """An answer (or mistake) must parse and use exactly the declared free indices."""
    try:
        expr = parse(text, symbols)
    except ExprError as exc:
        raise where.error(f"{what} {text!r} cannot be read: {exc.message}") from None
    free = set(expr.free_indices)
    if free != set(indices or {}):
        raise where.error(f"{what} has free indices {sorted(free) or 'none'} but 'indices' "
                          f"declares {sorted(indices or {}) or 'none'}")


def _mistakes(value: object, symbols: dict, indices: dict | None, where: _Where,
              ctx: str) -> tuple[Mistake, ...]:
    """``mistakes = [{answer = "...", feedback = "..."}]``, each answer readable."""
    if not isinstance(value, list):
        raise where.error(f"{ctx}'mistakes' must be a list of {{answer = ..., feedback = ...}}")
    out = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict) or set(item) != {"answer", "feedback"}:
            raise where.error(f"{ctx}mistakes #{n} must have exactly 'answer' and 'feedback'")
        answer = _text(item, "answer", where, f"{ctx}mistakes #{n}: ")
        _check_expr(answer, symbols, indices, where, f"{ctx}mistakes #{n} answer")
        out.append(Mistake(answer, _text(item, "feedback", where, f"{ctx}mistakes #{n}: ")))
    return tuple(out)


def _sizes(value: object, specs: Sequence[Spec], where: _Where) -> tuple[dict[str, int], ...]:
    """``sizes = {m = [2, 3], n = [3, 4]}`` as every assignment keeping dimensions distinct."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise where.error("'variants.sizes' must be a table of dimension = [sizes]")
    dims = set().union(*(_dims(s.symbols) for s in specs))
    for name, choices in value.items():
        if name not in dims:
            raise where.error(f"variants.sizes: {name} is not a dimension of the symbols "
                              f"({', '.join(sorted(dims)) or 'none'})")
        if not isinstance(choices, list) or not choices or not all(
                isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= MAX_DIM
                for c in choices):
            raise where.error(f"variants.sizes: {name} must be a non-empty list of whole "
                              f"numbers 1..{MAX_DIM}")
    combos = var.size_choices(value)
    if not combos:
        raise where.error("variants.sizes: no choice gives every dimension a different size "
                          "(distinct sizes keep shape mistakes visible)")
    return tuple(combos)


def _rename(value: object, specs: Sequence[Spec], where: _Where) -> tuple[tuple[str, ...], ...]:
    """``rename = [["W", "V", "U"]]``: each group's first name is a symbol, the rest are new."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise where.error("'variants.rename' must be a list of name lists, e.g. [[\"W\", \"V\"]]")
    symbols = set().union(*(s.symbols for s in specs))
    taken = symbols | set().union(*(_dims(s.symbols) | set(s.indices or {}) | _names(s)
                                    for s in specs))
    seen: set[str] = set()
    groups = []
    for n, group in enumerate(value, 1):
        if (not isinstance(group, list) or len(group) < 2 or len(group) > 36
                or not all(isinstance(g, str) and g.isidentifier() for g in group)):
            raise where.error(f"variants.rename #{n} must list 2 to 36 names")
        if group[0] not in symbols:
            raise where.error(f"variants.rename #{n}: {group[0]} is not a symbol "
                              f"({', '.join(sorted(symbols))})")
        clash = [g for g in group[1:] if g in taken or g in RESERVED_NAMES]
        clash += sorted(seen & set(group)) + [g for g in set(group) if group.count(g) > 1]
        if clash:
            raise where.error(f"variants.rename #{n}: {', '.join(clash)} is already used in "
                              "this exercise (names must be new and appear once)")
        seen |= set(group)
        groups.append(tuple(group))
    return tuple(groups)


def _names(spec: Spec) -> set[str]:
    """Every name the text of a spec uses in math or code, so renaming cannot collide with it."""
    texts = [spec.prompt, spec.explanation, *spec.hints, *(m.feedback for m in spec.mistakes)]
    return set().union(*(var.text_names(t) for t in texts))


def _text(table: dict, field: str, where: _Where, ctx: str = "", default: str | None = None) -> str:
    """A required (or defaulted) non-empty string field."""
    value = table.get(field, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise where.error(f"{ctx}'{field}' must be a non-empty string")
    return value


def _strings(value: object, field: str, where: _Where, ctx: str) -> list[str]:
    """A list of non-empty strings (hints)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise where.error(f"{ctx}'{field}' must be a list of non-empty strings")
    return value


def _number(table: dict, field: str, default: float, where: _Where, whole: bool = False) -> float:
    """A positive number field (``points``) or a whole number >= 0 (``show_solution_after``)."""
    value = table.get(field, default)
    ok = isinstance(value, int) if whole else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or value < (0 if whole else 1e-9):
        kind = "a whole number >= 0" if whole else "a positive number"
        raise where.error(f"'{field}' must be {kind}; got {value!r}")
    return value
