"""Build the exercise notebooks from the exercise bank, or check that they are current.

    python tools/build_exercise_notebooks.py          # exercises/NN-<chapter>-exercises.ipynb
    python tools/build_exercise_notebooks.py 02 04    # only these chapters
    python tools/build_exercise_notebooks.py --check  # are they current? (exit 1 if not)

The bank (``exercises/chNN.toml``) is the one source of truth: each chapter's notebook has a
short introduction linking its lesson, one ``ExerciseWidget`` per exercise in bank order, and a
plain ``check(...)`` example for viewers without widgets. The file and title come from the
chapter's lesson (``notebooks/src/NN-<chapter>.py``). Notebooks are executed and stored with the
lesson builder's functions (``tools/build_notebooks.py``), so nbval checks them the same way.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
SUFFIX = "-exercises"
WIDGET_IMPORT = "from matcalc_edu import ExerciseWidget, check"


def _load_lessons():
    """``tools/build_notebooks.py`` as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  Path(__file__).with_name("build_notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lessons = _load_lessons()


def _bank():
    """The checkout's exercise bank module (``matcalc_edu.exercise_bank``)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from matcalc_edu import exercise_bank

    return exercise_bank


def lesson_of(chapter: str) -> Path:
    """The lesson source of a chapter: ``ch02`` -> ``notebooks/src/02-matrix-wrt-matrix.py``."""
    number = chapter.removeprefix("ch")
    found = [src for src in lessons.sources() if src.stem.split("-", 1)[0] == number]
    if len(found) != 1:
        raise SystemExit(f"chapter {chapter}: expected one lesson notebooks/src/{number}-*.py, "
                         f"found {len(found)}")
    return found[0]


def target_of(chapter: str) -> Path:
    """``ch01`` -> ``exercises/01-index-notation-exercises.ipynb``."""
    return EXERCISES / f"{lesson_of(chapter).stem}{SUFFIX}.ipynb"


def lesson_title(chapter: str) -> str:
    """The lesson's first heading, e.g. ``01 · Index notation and the Kronecker delta``."""
    for kind, source in lessons.read_percent(lesson_of(chapter).read_text("utf-8")):
        if kind == "markdown" and source.startswith("# "):
            return source.splitlines()[0][2:].strip()
    raise SystemExit(f"chapter {chapter}: the lesson has no '# ' title")


def fallback_answer(ex) -> str:
    """A listed mistake of the build variant that names no renamed symbol (valid for anyone)."""
    from matcalc_edu.evaluate import symbols_of
    from matcalc_edu.parser import parse

    variant = ex.variant(lessons.BUILD_STUDENT)
    renamed = {group[0] for group in ex.rename}
    for mistake in variant.mistakes:
        if not set(symbols_of(parse(mistake.answer, variant.shapes))) & renamed:
            return mistake.answer
    raise SystemExit(f"{ex.id}: the first exercise of a chapter needs a listed mistake that "
                     "uses no renamed symbol (it is the notebook's check() example)")


def intro(chapter: str, count: int) -> str:
    """The notebook's title and how to answer."""
    title = lesson_title(chapter)
    lesson = f"../notebooks/{lesson_of(chapter).stem}.ipynb"
    return f"""# Exercises {title}

Practice for lesson [{title}]({lesson}): {count} exercises, each checked as soon as you answer.

**How to answer.** Type your answer in the box and press *Check* (or Enter). How your answer
is read appears under the box as you type. Answers are written in the course's expression
language (lesson 00), in one of two forms — the prompt says which:

- **Matrix form**, the whole result, numpy style: `(W@x - t) @ x.T`, `A.T @ g`, `inv(X).T`.
  A gradient has the shape of its variable (the gradient layout) unless the prompt asks for
  the numerator layout.
- **Index form**, one entry with its free indices: `delta(i, k)*C[l, j]`,
  `sum(A[i, r]*B[j, r], r)`. For a derivative $\\partial F_{{ij}} / \\partial X_{{kl}}$ the result's
  indices are $i, j$ and the variable's $k, l$.

Your version of each exercise is your own: letters and sizes may differ from your neighbour's,
so read the prompt and the line of shapes under it. *Hint* reveals one hint at a time; after a
few attempts *Show solution* appears. Every checked answer is saved, and
`matcalc-edu progress` shows what you have solved."""


def notebook_cells(chapter: str) -> list[tuple[str, str]]:
    """The chapter's cells, ``(cell_type, source)``, in order."""
    bank = _bank()
    found = bank.exercises(chapter)
    if not found:
        raise SystemExit(f"chapter {chapter} has no exercises")
    cells = [("markdown", intro(chapter, len(found))), ("code", WIDGET_IMPORT)]
    for n, ex in enumerate(found, 1):
        cells.append(("markdown", f"## {n} · {ex.title}"))
        cells.append(("code", f'ExerciseWidget("{ex.id}")'))
    first = found[0]
    cells.append(("markdown", f"""## Without widgets

If the exercises above do not show (in a viewer without widgets, say), check an answer with
`check(exercise_id, answer)`: it grades the answer against your own version of the exercise and
shows the verdict. Here is a wrong answer to exercise 1, to see the feedback;
`record=False` keeps this example out of your progress log (leave it out to save an attempt).
`matcalc_edu.exercise("{first.id}").variant().prompt` gives the prompt of your version."""))
    answer = fallback_answer(first)
    cells.append(("code", f'check("{first.id}", "{answer}", record=False)'))
    return cells


def chapters(selection: list[str] | None = None) -> list[str]:
    """The bank's chapters (``ch01`` …), or those whose number starts with a selection."""
    found = list(_bank().chapters())
    if selection:
        found = [c for c in found if any(c.removeprefix("ch").startswith(s) for s in selection)]
    return found


def build(chapter: str, progress: Path) -> float:
    """Execute one chapter's notebook and store it; returns the seconds it took."""
    start = time.perf_counter()
    target = target_of(chapter)
    nb = lessons.execute(lessons.cells_notebook(notebook_cells(chapter)), progress)
    lessons.store(lessons.strip_outputs(nb, target.stem), target)
    return time.perf_counter() - start


def check(selection: list[str] | None = None) -> list[str]:
    """Why stored exercise notebooks differ from the bank ([] = all current); runs nothing."""
    problems = []
    wanted = chapters(selection)
    for chapter in wanted:
        want = lessons.cells_notebook(notebook_cells(chapter))
        problem = lessons.stale(want, target_of(chapter), f"the bank ({chapter}.toml)")
        problems += [problem] if problem else []
    if not selection:
        names = {target_of(c).name for c in wanted}
        for nb in sorted(EXERCISES.glob("*.ipynb")):
            if nb.name not in names:
                problems.append(f"{nb.relative_to(ROOT)} belongs to no chapter of the bank")
    return problems


def main(argv: list[str] | None = None) -> int:
    return lessons.cli(argv, description=__doc__.split("\n\n")[0], what="exercise notebooks",
                       only_help="chapter numbers, e.g. 02 04", check=check, select=chapters,
                       build=build, target=target_of)


if __name__ == "__main__":
    sys.exit(main())
