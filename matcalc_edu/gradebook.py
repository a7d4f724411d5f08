"""Grade a batch of progress logs: re-check every recorded answer, keep each student's best.

A log's own verdicts (``"correct": true``) are never trusted: each answer is checked again with the
installed grader against that student's own variant, without being logged. Logs are graded in
parallel worker processes; one damaged or hostile log only ever produces an error for itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache

from .submissions import Attempt, LogRef, find_logs, printable, read_log

SERIAL_BELOW = 24  # fewer logs than this are graded in this process (workers cost a start-up)
MEMO_MAX_ANSWER = 2000  # longer answers are refused by the parser anyway: not worth caching
MEMO_ENTRIES = 200_000  # memoized verdicts per process before the memo starts afresh
SHOWN_ANSWER_CHARS = 120
UNCHECKED = "unchecked"  # diagnosis of an answer the grader could not check (broken exercise)
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

    def merge(self, other: StudentGrades) -> None:
        """Add another log's results for the same student (best points win)."""
        for ex, pts in other.points.items():
            self.points[ex] = max(self.points.get(ex, 0), pts)
        self.attempted |= other.attempted
        for mine, theirs in ((self.diagnoses, other.diagnoses), (self.wrong, other.wrong)):
            for ex, values in theirs.items():
                mine.setdefault(ex, set()).update(values)
        self.errors += other.errors
        self.sources += other.sources


@dataclass
class LogResult:
    """What grading one log gave: the students in it and the log's own problems."""

    label: str
    students: list[StudentGrades]
    errors: list[str]

    @property
    def failed(self) -> bool:
        """Whether anything about this log needs the instructor's attention."""
        return bool(self.errors) or any(s.errors for s in self.students)


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
    """Find the logs in ``paths``, grade them (in ``jobs`` processes) and collect the results."""
    refs, path_errors = find_logs(list(paths))
    results = grade_logs(refs, jobs, progress)
    return assemble(results, path_errors)


def grade_logs(refs: Sequence[LogRef], jobs: int | None = None,
               progress: Progress | None = None) -> list[LogResult]:
    """Grade every log, in parallel for large batches; results keep the order of ``refs``."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if jobs == 1 or len(refs) < SERIAL_BELOW:
        return _grade_serially(refs, progress)
    return _grade_in_parallel(refs, jobs, progress)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _grade_serially(refs: Sequence[LogRef], progress: Progress | None) -> list[LogResult]:
    """Grade the logs one after the other in this process."""
    results = []
    for done, ref in enumerate(refs, 1):
        results.append(grade_log(ref))
        if progress:
            progress(done, len(refs))
    return results


def _grade_in_parallel(refs: Sequence[LogRef], jobs: int,
                       progress: Progress | None) -> list[LogResult]:
    """Grade chunks of logs in worker processes; a chunk whose worker died is redone here."""
    size = max(1, min(50, len(refs) // (jobs * 8)))
    chunks = [list(refs[i:i + size]) for i in range(0, len(refs), size)]
    results: list[list[LogResult] | None] = [None] * len(chunks)
    done = 0
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_chunk, chunk): n for n, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            n = futures[future]
            try:
                results[n] = future.result()
            except Exception:  # noqa: BLE001 - a crashed worker: grade its chunk here instead
                results[n] = grade_chunk(chunks[n])
            done += len(chunks[n])
            if progress:
                progress(done, len(refs))
    return [result for chunk in results for result in chunk or []]


def grade_chunk(refs: Iterable[LogRef]) -> list[LogResult]:
    """Grade several logs (the unit of work of one worker task)."""
    return [grade_log(ref) for ref in refs]


def grade_log(ref: LogRef) -> LogResult:
    """Read one log and grade every student in it; never raises."""
    try:
        parsed = read_log(ref)
        students = [_grade_student(s, a, ref.label) for s, a in sorted(parsed.attempts.items())]
        return LogResult(ref.label, students, [f"{ref.label}: {p}" for p in parsed.problems])
    except Exception as exc:  # noqa: BLE001 - one log must never stop the batch
        note = f"{ref.label}: internal error while grading ({type(exc).__name__}); please report it"
        return LogResult(ref.label, [], [note])


def _grade_student(student: str, attempts: list[Attempt], label: str) -> StudentGrades:
    """Re-check a student's attempts against their own variants and keep the best per exercise."""
    from .exercise_bank import UnknownExerciseError, exercise

    grades = StudentGrades(student, sources=[label])
    unknown: dict[str, int] = {}
    mismatch: dict[str, tuple[str, str, int]] = {}
    for attempt in attempts:
        try:
            ex = exercise(attempt.exercise)
        except UnknownExerciseError:
            unknown[attempt.exercise] = unknown.get(attempt.exercise, 0) + 1
            continue
        key = _variant(ex.id, student).key
        if attempt.variant is not None and attempt.variant != key:
            old = mismatch.get(ex.id, (attempt.variant, key, 0))
            mismatch[ex.id] = (old[0], key, old[2] + 1)
        _score(grades, ex, attempt.answer)
    broken = [ex for ex, found in sorted(grades.diagnoses.items()) if UNCHECKED in found]
    grades.errors += _unknown_notes(unknown, label) + _mismatch_notes(mismatch, label)
    grades.errors += [f"{label}: answers to {ex} could not be checked (the exercise may be "
                      "broken); please report it" for ex in broken]
    return grades


def _score(grades: StudentGrades, ex, answer: str) -> None:
    """Grade one answer and record its points, or its diagnosis and normalized text."""
    correct, diagnosis = _verdict(ex, _variant(ex.id, grades.student), answer)
    grades.attempted.add(ex.id)
    if correct:
        grades.points[ex.id] = max(grades.points.get(ex.id, 0), ex.points)
        return
    grades.diagnoses.setdefault(ex.id, set()).add(diagnosis or "unclassified")
    grades.wrong.setdefault(ex.id, set()).add(_canonical(ex, grades.student, answer))


def _verdict(ex, variant, answer: str) -> tuple[bool, str | None]:
    """(correct, diagnosis) from the installed grader, memoized per variant and answer.

    The memo key is everything the check reads (the variant's solution, shapes, indices and
    variable), so students who share a variant share verdicts; very long answers (which the
    parser refuses) are not memoized.
    """
    if len(answer) > MEMO_MAX_ANSWER:
        return _fresh_verdict(ex, variant, answer)
    key = (ex.id, variant.solution, _frozen(variant.shapes), _frozen(variant.indices or {}),
           variant.wrt, answer)
    if key not in _VERDICTS:
        if len(_VERDICTS) >= MEMO_ENTRIES:
            _VERDICTS.clear()
        _VERDICTS[key] = _fresh_verdict(ex, variant, answer)
    return _VERDICTS[key]


_VERDICTS: dict[tuple, tuple[bool, str | None]] = {}


def _frozen(mapping: dict) -> tuple:
    """A hashable, order-independent copy of a small dict of names to shapes or sizes."""
    return tuple(sorted((str(k), repr(v)) for k, v in mapping.items()))


def _fresh_verdict(ex, variant, answer: str) -> tuple[bool, str | None]:
    """The installed grader's verdict on the variant, as ``check(..., record=False)`` gives it.

    ``check`` also matches wrong answers against the exercise's listed mistakes, but only to add
    feedback text; grading needs just correctness and diagnosis, so that costly step is skipped.
    """
    from .grading import check_answer

    try:
        verdict = check_answer(answer, variant.solution, variant.shapes, variant.indices,
                               wrt=variant.wrt)
    except Exception:  # noqa: BLE001 - a broken reference: the bank marks it wrong too
        return False, UNCHECKED
    return verdict.correct is True, verdict.diagnosis


def clear_memo() -> None:
    """Forget memoized verdicts and variants (for benchmarks and after reloading the bank)."""
    _VERDICTS.clear()
    _NAMES.clear()
    _variant.cache_clear()


@lru_cache(maxsize=16384)
def _variant(exercise_id: str, student: str):
    """The student's variant of an exercise (a pure function of the two ids)."""
    from .exercise_bank import exercise

    return exercise(exercise_id).variant(student)


def _canonical(ex, student: str, answer: str) -> tuple[int | None, str]:
    """A wrong answer without spaces, in the exercise's original names (so students compare)."""
    text = "".join(answer.split())
    if len(text) > SHOWN_ANSWER_CHARS:
        return None, printable(text, SHOWN_ANSWER_CHARS)
    from .variants import rename_expr

    alternative, back = _original_names(ex.id, _variant(ex.id, student).key, student)
    return alternative, printable(rename_expr(text, back) if back else text, SHOWN_ANSWER_CHARS)


_NAMES: dict[tuple[str, str], tuple[int | None, dict[str, str]]] = {}


def _original_names(exercise_id: str, key: str, student: str) -> tuple[int | None, dict]:
    """(alternative, {variant name: original name}) of a variant, cached by its key."""
    if (exercise_id, key) not in _NAMES:
        _NAMES[(exercise_id, key)] = _find_original_names(exercise_id, student)
    return _NAMES[(exercise_id, key)]


def _find_original_names(exercise_id: str, student: str) -> tuple[int | None, dict[str, str]]:
    """Match the variant to the alternative whose renamed answer is the variant's solution."""
    from .exercise_bank import exercise
    from .variants import rename_expr

    try:
        ex, variant = exercise(exercise_id), _variant(exercise_id, student)
        several = len(ex.alternatives) > 1
        for index, spec in enumerate(ex.alternatives):
            if len(spec.symbols) != len(variant.shapes):
                continue
            back = {new: old for new, old in zip(variant.shapes, spec.symbols) if new != old}
            forward = {old: new for new, old in back.items()}
            if rename_expr(spec.answer, forward) == variant.solution:
                return (index + 1 if several else None), back
    except Exception:  # noqa: BLE001 - only the report's grouping depends on this
        pass
    return None, {}


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


def assemble(results: Iterable[LogResult], path_errors: Iterable[tuple[str, str]]) -> Gradebook:
    """Merge the logs' results per student and list the submissions that gave no student."""
    from .exercise_bank import exercises

    students: dict[str, StudentGrades] = {}
    failures = [(label, [f"{label}: {error}"]) for label, error in path_errors]
    submissions, with_errors = len(failures), len(failures)
    for result in results:
        submissions += 1
        with_errors += result.failed
        if not result.students:
            failures.append((result.label, result.errors))
        for grades in result.students:
            grades.errors = result.errors + grades.errors
            if grades.student in students:
                students[grades.student].merge(grades)
            else:
                students[grades.student] = grades
    table = [(ex.id, ex.title, float(ex.points)) for ex in exercises()]
    ordered = [students[s] for s in sorted(students)]
    return Gradebook(table, ordered, sorted(failures), submissions, with_errors)
