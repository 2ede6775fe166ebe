"""PCA: an exact linear map, so a copy of a reference word lands exactly on that word."""

from __future__ import annotations

import numpy as np

_BLOCK = 4096


class PCAMap:
    """The first two principal axes of a reference, and the per-row map onto them.

    ``sphereize``: centre, then scale every row to unit length before PCA (like the
    TensorFlow Embedding Projector).
    """

    def __init__(self, sphereize: bool = False) -> None:
        self.sphereize = sphereize

    def fit(self, x: np.ndarray) -> np.ndarray:
        """Find the axes of ``x`` (n, d); returns the reference's (n, 2) coordinates."""
        x64 = x.astype(np.float64)
        self._sphere_mean = x64.mean(axis=0) if self.sphereize else None
        x1 = self._input(x64)
        self.mean_ = x1.mean(axis=0)
        # Eigenvectors of the d x d scatter matrix: the same axes as an SVD of the data, at
        # O(n d^2) instead of computing an n x d factor nobody needs.
        centred = x1 - self.mean_
        var, vecs = np.linalg.eigh(centred.T @ centred)
        var, vecs = np.clip(var[::-1], 0, None), vecs[:, ::-1]
        comps = np.zeros((2, x.shape[1]))
        comps[: min(2, vecs.shape[1])] = vecs[:, :2].T
        # Deterministic signs (largest |loading| positive), as scikit-learn's svd_flip.
        signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(axis=1)])
        self.components_ = comps * np.where(signs == 0, 1.0, signs)[:, None]
        ratio = var / var.sum() if var.sum() > 0 else var
        self.explained_variance_ratio_ = np.pad(ratio[:2], (0, max(0, 2 - len(ratio[:2]))))
        # The reference goes through exactly the same per-row map as transform().
        return self.transform(x)

    def _input(self, x64: np.ndarray) -> np.ndarray:
        if self._sphere_mean is None:
            return x64
        c = x64 - self._sphere_mean
        norms = np.linalg.norm(c, axis=1, keepdims=True)
        return c / np.where(norms > 0, norms, 1.0)

    def transform(self, points: np.ndarray) -> np.ndarray:
        """(m, 2) coordinates of ``points`` (m, d)."""
        out = np.empty((len(points), 2))
        # Row-wise reduction over the contiguous last axis: each row's result does not depend
        # on which other rows are in the batch (a BLAS product can differ in the last bit).
        for start in range(0, len(points), _BLOCK):
            block = points[start : start + _BLOCK].astype(np.float64)
            c = self._input(block) - self.mean_
            out[start : start + _BLOCK] = np.sum(c[:, None, :] * self.components_[None], axis=2)
        return out
