"""Build the lesson notebooks from their percent-format sources, or check that they are current.

    python tools/build_notebooks.py                # build every notebooks/src/NN-name.py
    python tools/build_notebooks.py 02 04          # build only the lessons whose name starts so
    python tools/build_notebooks.py --check        # are the .ipynb files current? (exit 1 if not)

The sources (``notebooks/src/*.py``) are the files you edit; they use the jupytext "percent"
format (``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown cell whose lines start with
``# ``; ``# %magic`` lines become ``%magic``), read here with nothing but the standard library,
so building needs only nbformat and nbclient. Each notebook is executed (cwd ``notebooks/``,
a throw-away progress log, ``MPLBACKEND=Agg``) and saved with its outputs, minus image payloads,
so that the stored .ipynb is small, text-only and what nbval compares against.
``notebooks/README.md`` explains the workflow.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
DROPPED_MIME = ("image/png", "image/svg+xml", "image/jpeg")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CELL_MARK = re.compile(r"^# %%(?P<rest>.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MAGIC = re.compile(r"^# (%{1,2}[A-Za-z])")  # "# %matplotlib inline" -> "%matplotlib inline"
BUILD_STUDENT = "course-build"  # one fixed variant per exercise: stable diffs


def read_percent(text: str) -> list[tuple[str, str]]:
    """``[(cell_type, source), ...]`` from percent-format text (lines before the first ``# %%``
    are a header and skipped)."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        mark = CELL_MARK.match(line)
        if mark:
            kind = "markdown" if mark["rest"].strip().startswith("[markdown]") else "code"
            cells.append((kind, []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        else:
            lines = [MAGIC.sub(r"\1", ln) for ln in lines]
        source = "\n".join(lines).strip("\n")
        if source.strip():
            out.append((kind, source))
    return out


def source_notebook(src: Path):
    """The unexecuted notebook for one source file, with stable cell ids and clean metadata."""
    return cells_notebook(read_percent(src.read_text("utf-8")))


def cells_notebook(cells: list[tuple[str, str]]):
    """An unexecuted notebook of ``(cell_type, source)`` pairs, with stable ids and metadata."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    seen: dict[str, int] = {}
    for kind, source in cells:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(source)
        digest = hashlib.sha1(f"{kind}\n{source}".encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        nb.cells.append(cell)
    return nb


def target_of(src: Path) -> Path:
    return NOTEBOOKS / f"{src.stem}.ipynb"


def sources(selection: list[str] | None = None) -> list[Path]:
    found = sorted(SOURCES.glob("[0-9][0-9]-*.py"))
    if selection:
        found = [p for p in found if any(p.stem.startswith(s) for s in selection)]
    return found


def _kernel_env(progress: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MATCALC_EDU_PROGRESS"] = str(progress)
    env["MATCALC_EDU_STUDENT"] = BUILD_STUDENT
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def execute(nb, progress: Path, timeout: int = 300):
    """Run every cell in a fresh kernel with cwd notebooks/ (raises on the first error)."""
    from nbclient import NotebookClient

    saved = dict(os.environ)
    os.environ.update(_kernel_env(progress))  # the kernel inherits this process's environment
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOKS)}},
                                record_timing=False, store_widget_state=False)
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def strip_outputs(nb, name: str):
    """Drop image payloads and metadata noise; give widget views stable (dummy) model ids."""
    for n, cell in enumerate(nb.cells):
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type != "code":
            continue
        for m, out in enumerate(cell.get("outputs", [])):
            if "metadata" in out:
                out.metadata = {}
            data = out.get("data")
            if not data:
                continue
            for mime in DROPPED_MIME:
                data.pop(mime, None)
            if WIDGET_MIME in data:  # the widget state is not stored, so the id is a placeholder
                seed = f"{name}:{n}:{m}".encode()
                data[WIDGET_MIME]["model_id"] = hashlib.sha1(seed).hexdigest()[:32]
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def store(nb, target: Path) -> None:
    """Validate an executed, stripped notebook and write it (the file nbval compares against)."""
    import nbformat

    nbformat.validate(nb)
    target.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def build(src: Path, progress: Path) -> float:
    start = time.perf_counter()
    store(strip_outputs(execute(source_notebook(src), progress), src.stem), target_of(src))
    return time.perf_counter() - start


def stale(want, target: Path, origin: str) -> str | None:
    """Why the stored ``target`` is not the notebook ``want`` built (None if it is current).

    Compares cell types, sources and ids, and that every code cell was executed.
    """
    import nbformat

    rel = target.relative_to(ROOT)
    if not target.exists():
        return f"{rel} is missing: build it from {origin}"
    have = nbformat.read(target, as_version=4).cells
    pairs = [(w.cell_type, w.source, w.id) for w in want.cells]
    built = [(h.cell_type, h.source, h.get("id")) for h in have]
    if pairs != built:
        first = next((i for i, (a, b) in enumerate(zip(pairs, built)) if a != b),
                     min(len(pairs), len(built)))
        return f"{rel} differs from {origin} (first at cell {first + 1}): rebuild it"
    if any(h.cell_type == "code" and h.get("execution_count") is None for h in have):
        return f"{rel} has cells that were never executed: rebuild it"
    return None


def check(selection: list[str] | None = None) -> list[str]:
    """Problems that make the built notebooks differ from their sources ([] = all up to date).

    Cheap: compares cell types, sources and ids, and that every code cell was executed;
    it does not run anything (nbval checks the outputs).
    """
    problems = []
    srcs = sources(selection)
    if not srcs:
        problems.append(f"no lesson sources found in {SOURCES}")
    for src in srcs:
        problem = stale(source_notebook(src), target_of(src), str(src.relative_to(ROOT)))
        problems += [problem] if problem else []
    if not selection:
        stems = {s.stem for s in srcs}
        for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
            if nb.stem not in stems:
                problems.append(f"{nb.relative_to(ROOT)} has no source in notebooks/src/")
    return problems


def cli(argv: list[str] | None, *, description: str, only_help: str, what: str,
        check, select, build, target) -> int:
    """The shared command line of the two builders: build the selection, or ``--check`` it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("only", nargs="*", help=only_help)
    parser.add_argument("--check", action="store_true",
                        help=f"only report whether the {what} are up to date")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.only)
        for p in problems:
            print(p)
        print(f"{what} are up to date" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    selected = select(args.only)
    if not selected:
        print(f"nothing matches {args.only}", file=sys.stderr)
        return 2
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for item in selected:
            try:
                seconds = build(item, Path(tmp) / "progress.jsonl")
            except Exception as err:  # noqa: BLE001 - report which notebook failed, then stop
                message = ANSI.sub("", str(err))
                print(f"FAILED {target(item).name}: {type(err).__name__}: {message}",
                      file=sys.stderr)
                return 1
            total += seconds
            print(f"{target(item).relative_to(ROOT)}  {seconds:5.1f} s")
    print(f"built {len(selected)} notebook(s) in {total:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    return cli(argv, description=__doc__.split("\n\n")[0], what="notebooks",
               only_help="lesson name prefixes, e.g. 02 04", check=check, select=sources,
               build=build, target=target_of)


if __name__ == "__main__":
    sys.exit(main())
