"""Item-to-item co-listening: the listening half of the recommender, a pure function of a weight matrix.

Why not `implicit`'s ALS: it needs its own native build, and latent factors mix every listener into every
answer, so the rule "no pair from fewer than 5 distinct listeners" could not be shown pair by pair. Here a
pair's score is a cosine between two tracks' listener vectors, shrunk towards zero while few listeners share
it, and a pair is kept only when `may_derive` allows its count of distinct shared listeners.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and scipy are imported where used: the serving process starts without them (#16)
    import numpy as np
    import numpy.typing as npt
    from scipy import sparse

from encore.library import MIN_LISTENERS

# A pair shared by SHRINK listeners keeps half its cosine: thin evidence ranks below broad evidence.
SHRINK = 10.0
# Each listener's heaviest items only: bounds the pairs one listener adds (quadratic in their item count).
ITEMS_PER_LISTENER = 400


@dataclass(frozen=True)
class Pairs:
    """Neighbour lists as parallel arrays, each item's neighbours best first."""

    item: npt.NDArray[np.int64]
    neighbour: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    listeners: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.item.size)


def listening_matrix(
    users: npt.ArrayLike, items: npt.ArrayLike, ms_played: npt.ArrayLike, *, n_items: int
) -> sparse.csr_matrix:
    """Listeners x items, weight log1p(minutes played) summed over plays, heaviest items per listener kept."""
    import numpy as np
    from scipy import sparse

    u = np.asarray(users, dtype=np.int64)
    i = np.asarray(items, dtype=np.int64)
    minutes = np.asarray(ms_played, dtype=np.float64) / 60_000.0
    n_users = int(u.max()) + 1 if u.size else 0
    m = sparse.coo_matrix((minutes, (u, i)), shape=(n_users, n_items)).tocsr()
    m.sum_duplicates()
    m.data = np.log1p(m.data)
    m.eliminate_zeros()
    return _cap_rows(m, ITEMS_PER_LISTENER)


def _cap_rows(m: sparse.csr_matrix, cap: int) -> sparse.csr_matrix:
    import numpy as np
    from scipy import sparse

    counts = np.diff(m.indptr)
    if counts.size == 0 or counts.max() <= cap:
        return m
    rows = np.repeat(np.arange(m.shape[0]), counts)
    order = np.lexsort((-m.data, rows))  # by row, heaviest first
    rank = np.arange(order.size) - np.repeat(m.indptr[:-1], counts)
    keep = order[rank < cap]
    return sparse.csr_matrix((m.data[keep], (rows[keep], m.indices[keep])), shape=m.shape)


def item_neighbours(m: sparse.csr_matrix, *, k: int) -> Pairs:
    """Up to k neighbours per item (column of `m`), from at least MIN_LISTENERS shared listeners each."""
    import numpy as np

    x = m.tocsc().astype(np.float64)
    binary = x.copy()
    binary.data = np.ones_like(binary.data)
    shared, dots = _coo(binary.T @ binary), _coo(x.T @ x)  # weights are > 0: one sparsity pattern
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    keep = (shared.row != shared.col) & (shared.data >= MIN_LISTENERS)
    row, col = shared.row[keep].astype(np.int64), shared.col[keep].astype(np.int64)
    count, dot = shared.data[keep].astype(np.int64), dots.data[keep]
    score = dot / (norms[row] * norms[col]) * (count / (count + SHRINK))
    return top_k(row, col, score, count, k=k)


def _coo(m: sparse.spmatrix) -> sparse.coo_matrix:
    from scipy import sparse

    csr = sparse.csr_matrix(m)
    csr.sum_duplicates()
    csr.sort_indices()
    return csr.tocoo()


def top_k(
    row: npt.NDArray[np.int64],
    col: npt.NDArray[np.int64],
    score: npt.NDArray[np.float64],
    count: npt.NDArray[np.int64],
    *,
    k: int,
) -> Pairs:
    import numpy as np

    order = np.lexsort((col, -score, row))  # by row, best first, ties by id (stable across runs)
    row, col, score, count = row[order], col[order], score[order], count[order]
    starts = np.r_[0, np.flatnonzero(np.diff(row)) + 1] if row.size else np.array([], dtype=np.int64)
    rank = np.arange(row.size) - np.repeat(starts, np.diff(np.r_[starts, row.size]))
    keep = rank < k
    return Pairs(row[keep].astype(np.int64), col[keep].astype(np.int64), score[keep], count[keep])
