"""Grade a batch of progress logs: re-check every recorded answer, keep each student's best.

A log's own verdicts (``"correct": true``) are never trusted: each answer is checked again with the
installed grader against that student's own variant, without being logged (``grade_worker``).
Logs are read here, one at a time; the checking is split by exercise over worker processes.
One damaged or hostile log only ever produces errors for itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from .grade_worker import Item, Outcome, grade_items
from .submissions import Attempt, LogRef, ParsedLog, find_logs, printable, read_log

SERIAL_BELOW = 300  # fewer (student, exercise) pairs than this are graded in this process
CHUNK_MIN = 50  # (student, exercise) pairs per worker task, at least
Progress = Callable[[int, int], None]


@dataclass
class StudentGrades:
    """One student's best points per exercise, the mistakes they made, and any problems."""

    student: str
    points: dict[str, float] = field(default_factory=dict)
    attempted: set[str] = field(default_factory=set)
    diagnoses: dict[str, set[str]] = field(default_factory=dict)
    wrong: dict[str, set[tuple[int | None, str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        """The sum of the best points over all exercises."""
        return sum(self.points.values())


@dataclass
class Gradebook:
    """The whole batch: exercises and points, one entry per student, and failed submissions."""

    exercises: list[tuple[str, str, float]]  # (id, title, points) in course order
    students: list[StudentGrades]
    failures: list[tuple[str, list[str]]]  # (submission, errors) that gave no student
    submissions: int
    with_errors: int

    @property
    def max_total(self) -> float:
        """The points of all exercises together."""
        return sum(points for _, _, points in self.exercises)


def grade_submissions(paths: Sequence[str], jobs: int | None = None,
                      progress: Progress | None = None) -> Gradebook:
    """Find the logs in ``paths``, grade them (in ``jobs`` processes) and collect the results.

    The exercise bank is loaded first, so a broken bank stops here with its own plain message.
    """
    from .exercise_bank import exercises

    table = [(ex.id, ex.title, float(ex.points)) for ex in exercises()]
    refs, path_errors = find_logs(list(paths))
    logs = [(ref, _read(ref)) for ref in refs]
    items = work_items(logs, {ex for ex, _, _ in table})
    outcomes = grade_all(items, jobs, progress)
    return assemble(table, logs, outcomes, path_errors)


def _read(ref: LogRef) -> ParsedLog:
    """One log's attempts; an unexpected failure becomes the log's error."""
    try:
        return read_log(ref)
    except Exception as exc:  # noqa: BLE001 - one log must never stop the batch
        return ParsedLog(problems=[f"internal error while reading ({type(exc).__name__}); "
                                   "please report it"])


def work_items(logs: Sequence[tuple[LogRef, ParsedLog]], known: set[str]) -> list[Item]:
    """One item per (known exercise, student): the distinct answers from all logs, by exercise."""
    answers: dict[tuple[str, str], dict[str, None]] = {}
    for _, parsed in logs:
        for student, attempts in parsed.attempts.items():
            for attempt in attempts:
                if attempt.exercise in known:
                    answers.setdefault((attempt.exercise, student), {})[attempt.answer] = None
    return [(ex, student, tuple(found)) for (ex, student), found in sorted(answers.items())]


def grade_all(items: Sequence[Item], jobs: int | None = None,
              progress: Progress | None = None) -> dict[tuple[str, str], Outcome]:
    """Outcome per (exercise, student): in worker processes for large batches, else here."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    chunks = _chunks(items, jobs)
    if jobs > 1 and len(items) >= SERIAL_BELOW:
        try:
            pool = ProcessPoolExecutor(max_workers=jobs)
        except (OSError, NotImplementedError, ImportError):  # no process support: go serial
            pool = None
        if pool is not None:
            with pool:
                return _collect(chunks, len(items), progress, pool)
    return _collect(chunks, len(items), progress, None)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _chunks(items: Sequence[Item], jobs: int) -> list[list[Item]]:
    """Cut the items (sorted by exercise) into tasks that each hold one exercise's items."""
    limit = max(CHUNK_MIN, len(items) // (jobs * 4))
    chunks: list[list[Item]] = []
    for item in items:
        if not chunks or len(chunks[-1]) >= limit or chunks[-1][0][0] != item[0]:
            chunks.append([])
        chunks[-1].append(item)
    return chunks


def _collect(chunks: list[list[Item]], total: int, progress: Progress | None,
             pool: ProcessPoolExecutor | None) -> dict[tuple[str, str], Outcome]:
    """Run the chunks (in ``pool`` if given; a chunk whose worker died is redone here)."""
    outcomes: dict[tuple[str, str], Outcome] = {}
    done = 0

    def finish(results: list[tuple[str, str, Outcome]]) -> None:
        nonlocal done
        outcomes.update(((ex, student), outcome) for ex, student, outcome in results)
        done += len(results)
        if progress:
            progress(done, total)

    if pool is None:
        for chunk in chunks:
            finish(grade_items(chunk))
        return outcomes
    futures = {pool.submit(grade_items, chunk): chunk for chunk in chunks}
    for future in as_completed(futures):
        try:
            finish(future.result())
        except Exception:  # noqa: BLE001 - a crashed worker: grade its chunk here instead
            finish(grade_items(futures[future]))
    return outcomes


def assemble(table: list[tuple[str, str, float]], logs: Sequence[tuple[LogRef, ParsedLog]],
             outcomes: dict[tuple[str, str], Outcome],
             path_errors: Sequence[tuple[str, str]]) -> Gradebook:
    """One row per student (from all their logs) and the submissions that gave no student."""
    points = {ex: pts for ex, _, pts in table}
    rows: dict[str, StudentGrades] = {}
    failures = [(label, [f"{label}: {error}"]) for label, error in path_errors]
    with_errors = len(failures)
    for ref, parsed in logs:
        notes = [f"{ref.label}: {problem}" for problem in parsed.problems]
        if not parsed.attempts:
            failures.append((ref.label, notes))
            with_errors += 1
            continue
        failed = bool(notes)
        for student, attempts in parsed.attempts.items():
            if student not in rows:
                rows[student] = _row(student, outcomes, points)
            row = rows[student]
            errors = notes + attempt_notes(ref.label, student, attempts, outcomes, points)
            failed = failed or len(errors) > len(notes)
            row.errors += errors
            row.sources.append(ref.label)
        with_errors += failed
    students = [rows[s] for s in sorted(rows)]
    return Gradebook(table, students, sorted(failures), len(logs) + len(path_errors), with_errors)


def _row(student: str, outcomes: dict[tuple[str, str], Outcome],
         points: dict[str, float]) -> StudentGrades:
    """A student's best points and mistakes over every exercise they attempted."""
    row = StudentGrades(student)
    for ex in points:
        outcome = outcomes.get((ex, student))
        if outcome is None:
            continue
        row.attempted.add(ex)
        if outcome.correct:
            row.points[ex] = points[ex]
        if outcome.diagnoses:
            row.diagnoses[ex] = set(outcome.diagnoses)
            row.wrong[ex] = set(outcome.wrong)
    return row


def attempt_notes(label: str, student: str, attempts: list[Attempt],
                  outcomes: dict[tuple[str, str], Outcome], points: dict[str, float]) -> list[str]:
    """Notes on one log's attempts: unknown exercises, other variants, unchecked answers."""
    unknown: dict[str, int] = {}
    mismatch: dict[str, tuple[str, str, int]] = {}
    unchecked: set[str] = set()
    for attempt in attempts:
        outcome = outcomes.get((attempt.exercise, student))
        if attempt.exercise not in points or outcome is None:
            unknown[attempt.exercise] = unknown.get(attempt.exercise, 0) + 1
            continue
        if outcome.unchecked:
            unchecked.add(attempt.exercise)
        if attempt.variant is not None and attempt.variant != outcome.key:
            first, _, count = mismatch.get(attempt.exercise, (attempt.variant, outcome.key, 0))
            mismatch[attempt.exercise] = (first, outcome.key, count + 1)
    notes = _unknown_notes(unknown, label) + _mismatch_notes(mismatch, label)
    return notes + [f"{label}: answers to {ex} could not be checked (the exercise may be "
                    "broken); please report it" for ex in sorted(unchecked)]


def _unknown_notes(unknown: dict[str, int], label: str) -> list[str]:
    """One note listing attempts at exercises this version of the course does not have."""
    if not unknown:
        return []
    names = ", ".join(f"{printable(ex, 40)} ({n})" for ex, n in sorted(unknown.items())[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    return [f"{label}: attempts at unknown exercise(s) not graded: {names}{more}"]


def _mismatch_notes(mismatch: dict[str, tuple[str, str, int]], label: str) -> list[str]:
    """Notes on attempts recorded for another variant than this version of the course gives."""
    return [f"{label}: {n} attempt(s) at {ex} were recorded for variant {printable(old, 40)} "
            f"but the installed course gives this student {new}; graded against {new}"
            for ex, (old, new, n) in sorted(mismatch.items())]
