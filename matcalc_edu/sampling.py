"""Random test values for the grader: one draw of every symbol in a shapes dict, from a seed.

Named dimensions get distinct sizes, so a shape mistake cannot hide behind two equal sizes;
square matrices are well-conditioned with a positive determinant, so ``inv``, ``det`` and
``log(det(...))`` are always defined; scalars are positive, so ``log`` of them is too.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .shapes import Shape, concrete, dim_names, normalize_shapes

SIZES = tuple(range(2, 7))  # sizes for named dimensions, all different within one exercise
SCALAR_RANGE = (0.5, 2.0)
SPREAD = 0.4  # square matrices are I + SPREAD * randn / sqrt(n)
MAX_COND = 50.0
MAX_TRIES = 200


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """A generator that depends only on the seed and the stream (any int seed is accepted)."""
    return np.random.default_rng([int(seed) % 2**63, *stream])


def dim_sizes(shapes: Mapping[str, object], seed: int = 0) -> dict[str, int]:
    """Distinct concrete sizes (2..6, more if needed) for the named dimensions of ``shapes``."""
    shapes = normalize_shapes(shapes)
    names = sorted(dim_names(shapes))
    taken = {d for s in shapes.values() for d in s if isinstance(d, int)}
    pool = [n for n in SIZES if n not in taken]
    extra = max(SIZES) + 1
    while len(pool) < len(names):
        if extra not in taken:
            pool.append(extra)
        extra += 1
    picks = _rng(seed, 0).permutation(pool)[: len(names)]
    return {name: int(size) for name, size in zip(names, picks, strict=True)}


def _square(rng: np.random.Generator, n: int) -> np.ndarray:
    """A non-symmetric n×n matrix near I with det > 0 and a small condition number."""
    for _ in range(MAX_TRIES):
        m = np.eye(n) + SPREAD * rng.standard_normal((n, n)) / np.sqrt(n)
        if np.linalg.det(m) > 0 and np.linalg.cond(m) < MAX_COND:
            return m
    raise RuntimeError("could not draw a well-conditioned matrix")  # pragma: no cover


def _draw(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """One value: positive scalar (also 1×1), near-identity square matrix, or normal entries."""
    if shape == () or shape == (1, 1):
        return np.full(shape, rng.uniform(*SCALAR_RANGE))
    if shape[0] == shape[1]:
        return _square(rng, shape[0])
    return rng.standard_normal(shape)


def sample_values(shapes: Mapping[str, object], seed: int = 0, draw: int = 0,
                  sizes: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    """Values for every symbol of ``shapes``; the same (seed, draw) always gives the same values.

    ``sizes`` fixes the named dimensions (default: ``dim_sizes(shapes, seed)``), so several
    draws of one exercise share their sizes and differ only in their entries.
    """
    shapes = normalize_shapes(shapes)
    sizes = dim_sizes(shapes, seed) if sizes is None else dict(sizes)
    rng = _rng(seed, 1, draw)
    return {name: _draw(rng, concrete(shape, sizes)) for name, shape in sorted(shapes.items())}


def is_square(shape: Shape) -> bool:
    """True for a declared n×n matrix with n other than 1 (the ones that can be symmetric)."""
    return len(shape) == 2 and shape[0] == shape[1] and shape[0] != 1
