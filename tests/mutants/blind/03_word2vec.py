"""Blind variants of notebook 03, written from the released notebook alone."""
from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch
import torch.nn.functional as F

from autograder.mutation import alternative, mutant

# =============================================================================================
# Exercise 1: cooccurrence_counts
# =============================================================================================


@mutant("counts each pair in one direction only (C is not symmetric)")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Every pair is counted in both directions, so C is symmetric"
    ids = np.asarray(token_ids).astype(np.int64)
    V = vocab_size
    C = np.zeros(V * V)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        C += np.bincount(a[keep] * V + b[keep], minlength=V * V)
    return C.reshape(V, V).astype(np.float32)


@mutant("removes the padding first and then counts distances on the compacted row")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Padding still occupies its position: distances count positions, padding included"
    V = vocab_size
    C = np.zeros((V, V), dtype=np.float32)
    for row in np.asarray(token_ids):
        toks = [int(t) for t in row if t != 0]
        for i in range(len(toks)):
            for j in range(max(0, i - window), min(len(toks), i + window + 1)):
                if i != j:
                    C[toks[i], toks[j]] += 1
    return C


@mutant("flattens the rows into one stream: pairs cross texts")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "pairs never cross rows (texts)"
    ids = np.asarray(token_ids).astype(np.int64).ravel()
    V = vocab_size
    C = np.zeros(V * V)
    for d in range(1, window + 1):
        a, b = ids[:-d], ids[d:]
        keep = (a != 0) & (b != 0)
        C += np.bincount(a[keep] * V + b[keep], minlength=V * V)
        C += np.bincount(b[keep] * V + a[keep], minlength=V * V)
    return C.reshape(V, V).astype(np.float32)


@mutant("fancy-index += with repeated (a, b): duplicate pairs of one offset count once")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Add the pairs up with np.bincount ..., np.add.at, or scipy.sparse.coo_matrix" (plain += does not add duplicates)
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        C[a[keep], b[keep]] += 1
        C[b[keep], a[keep]] += 1
    return C


@mutant("offsets 1..window-1 (range(1, window)): off by one")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "two positions i != j of the same row with |i - j| <= window form a pair"
    ids = np.asarray(token_ids).astype(np.int64)
    V = vocab_size
    C = np.zeros(V * V)
    for d in range(1, max(window, 2)):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        C += np.bincount(a[keep] * V + b[keep], minlength=V * V)
        C += np.bincount(b[keep] * V + a[keep], minlength=V * V)
    return C.reshape(V, V).astype(np.float32)


@mutant("drops only pairs whose FIRST token is padding")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "a pair counts only when neither of its two tokens is padding (id 0)"
    ids = np.asarray(token_ids).astype(np.int64)
    V = vocab_size
    C = np.zeros(V * V)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = a != 0
        C += np.bincount(a[keep] * V + b[keep], minlength=V * V)
        C += np.bincount(b[keep] * V + a[keep], minlength=V * V)
    return C.reshape(V, V).astype(np.float32)


@mutant("uint8 ids multiplied in their own dtype: a * vocab_size wraps around")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "token_ids: np.ndarray (N, L) of integer ids (any integer dtype)"
    ids = np.asarray(token_ids)
    V = vocab_size
    C = np.zeros(V * V)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        a, b = a[keep], b[keep]
        C += np.bincount((a * np.asarray(V, dtype=a.dtype) + b).astype(np.int64), minlength=V * V)
        C += np.bincount((b * np.asarray(V, dtype=a.dtype) + a).astype(np.int64), minlength=V * V)
    return C.reshape(V, V).astype(np.float32)


@mutant("returns a scipy.sparse matrix of dtype float64")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "a scipy.sparse matrix with dtype float32 (the checks call .toarray() on it)"
    ids = np.asarray(token_ids).astype(np.int64)
    rows, cols = [], []
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    return scipy.sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(vocab_size, vocab_size)).tocsr()


@alternative("scipy.sparse.coo_matrix summed with .tocsr(), float32, returned sparse")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "a scipy.sparse matrix with dtype float32 (the checks call .toarray() on it)"
    ids = np.asarray(token_ids, dtype=np.int64)
    rows, cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for d in range(1, window + 1):
        if d >= ids.shape[1]:
            break
        a, b = ids[:, :-d].reshape(-1), ids[:, d:].reshape(-1)
        keep = (a > 0) & (b > 0)
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    r, c = np.concatenate(rows), np.concatenate(cols)
    return scipy.sparse.coo_matrix((np.ones(len(r), dtype=np.float32), (r, c)),
                                   shape=(vocab_size, vocab_size)).tocsr()


@alternative("np.add.at into a float32 matrix, then C + C.T")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Every pair is counted in both directions, so C is symmetric; a word next to itself adds 2 to its diagonal"
    ids = np.asarray(token_ids).astype(np.int64)
    half = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, min(window, max(ids.shape[1] - 1, 0)) + 1):
        a, b = ids[:, :-d], ids[:, d:]
        m = (a != 0) & (b != 0)
        np.add.at(half, (a[m], b[m]), 1)
    return half + half.T


@alternative("one-hot matrices per offset: C += X_left^T X_right (scipy.sparse products)")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Vectorise. No Python loop over positions or rows: loop over the offsets d = 1..window only."
    ids = np.asarray(token_ids).astype(np.int64)
    V = vocab_size
    total = scipy.sparse.csr_matrix((V, V), dtype=np.float64)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        m = (a != 0) & (b != 0)
        n = int(m.sum())
        if n == 0:
            continue
        Xa = scipy.sparse.csr_matrix((np.ones(n), (np.arange(n), a[m])), shape=(n, V))
        Xb = scipy.sparse.csr_matrix((np.ones(n), (np.arange(n), b[m])), shape=(n, V))
        P = Xa.T @ Xb
        total = total + P + P.T
    return total.toarray().astype(np.float32)


@alternative("torch: index_put_ with accumulate=True on a float64 tensor, numpy float32 out")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "returns the (vocab_size, vocab_size) counts as float32: a dense np.ndarray"
    ids = torch.from_numpy(np.asarray(token_ids).astype(np.int64))
    C = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
    for d in range(1, window + 1):
        if d >= ids.shape[1]:
            break
        a, b = ids[:, :-d].reshape(-1), ids[:, d:].reshape(-1)
        m = (a != 0) & (b != 0)
        one = torch.ones(int(m.sum()), dtype=torch.float64)
        C.index_put_((a[m], b[m]), one, accumulate=True)
        C.index_put_((b[m], a[m]), one, accumulate=True)
    return C.numpy().astype(np.float32)


# =============================================================================================
# Exercise 2: ppmi
# =============================================================================================


@mutant("smooths the word (row) counts instead of the context (column) counts")
def ppmi(counts, shift=1, alpha=0.75):
    # "replace P(c) by P_alpha(c) = #c^alpha / sum_c' #c'^alpha" (contexts are the columns)
    X = np.asarray(counts, dtype=np.float64)
    roww = X.sum(1) ** alpha
    col = X.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(X * roww.sum() / (roww[:, None] * col[None, :])) - np.log(shift)
    out = np.where((X > 0) & np.isfinite(pmi), np.maximum(pmi, 0), 0.0)
    return out.astype(np.float32)


@mutant("P_alpha(c) = #c^alpha / D (not renormalised by the sum of #c'^alpha)")
def ppmi(counts, shift=1, alpha=0.75):
    # "P_alpha(c) = #c^alpha / sum_c' #c'^alpha"
    X = np.asarray(counts, dtype=np.float64)
    D = X.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((X / D) / ((X.sum(1)[:, None] / D) * (X.sum(0)[None, :] ** alpha / D))) - np.log(shift)
    out = np.where((X > 0) & np.isfinite(pmi), np.maximum(pmi, 0), 0.0)
    return out.astype(np.float32)


@mutant("smoothing as (#c / D)^alpha without renormalising")
def ppmi(counts, shift=1, alpha=0.75):
    # "P_alpha(c) = #c^alpha / sum_c' #c'^alpha"
    X = np.asarray(counts, dtype=np.float64)
    D = X.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((X / D) / ((X.sum(1)[:, None] / D) * (X.sum(0)[None, :] / D) ** alpha)) - np.log(shift)
    out = np.where((X > 0) & np.isfinite(pmi), np.maximum(pmi, 0), 0.0)
    return out.astype(np.float32)


@mutant("base-2 logarithm (PMI in bits)")
def ppmi(counts, shift=1, alpha=0.75):
    # "subtract log k (natural logarithm)"; PMI = log ... (natural log, as in the worked example)
    X = np.asarray(counts, dtype=np.float64)
    cola = X.sum(0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log2(X * cola.sum() / (X.sum(1)[:, None] * cola[None, :])) - np.log2(shift)
    out = np.where((X > 0) & np.isfinite(pmi), np.maximum(pmi, 0), 0.0)
    return out.astype(np.float32)


@mutant("clips at 0 before subtracting log k")
def ppmi(counts, shift=1, alpha=0.75):
    # "subtract log k (natural logarithm) before clipping"
    X = np.asarray(counts, dtype=np.float64)
    cola = X.sum(0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(X * cola.sum() / (X.sum(1)[:, None] * cola[None, :]))
    out = np.where((X > 0) & np.isfinite(pmi), np.maximum(pmi, 0) - np.log(shift), 0.0)
    return out.astype(np.float32)


@mutant("computes in the input's dtype (float16 counts overflow in the sums)")
def ppmi(counts, shift=1, alpha=0.75):
    # "Compute in float64 and cast at the end."
    X = np.asarray(counts)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float32)
    cola = X.sum(0) ** X.dtype.type(alpha)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pmi = np.log(X * cola.sum() / (X.sum(1)[:, None] * cola[None, :])) - np.log(X.dtype.type(shift))
    out = np.where((X > 0) & np.isfinite(pmi), np.maximum(pmi, 0), 0)
    return out.astype(np.float32)


@mutant("returns float64")
def ppmi(counts, shift=1, alpha=0.75):
    # "returns (V, C) float32"
    X = np.asarray(counts, dtype=np.float64)
    cola = X.sum(0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(X * cola.sum() / (X.sum(1)[:, None] * cola[None, :])) - np.log(shift)
    return np.where((X > 0) & np.isfinite(pmi), np.maximum(pmi, 0), 0.0)


@mutant("NaN/inf left where a row or column is empty (no errstate guard, no replacement)")
def ppmi(counts, shift=1, alpha=0.75):
    # "cells with count 0, and whole rows or columns of zeros, give 0, never NaN or inf"
    X = np.asarray(counts, dtype=np.float64)
    cola = X.sum(0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(X * cola.sum() / (X.sum(1)[:, None] * cola[None, :])) - np.log(shift)
    return np.maximum(pmi, 0).astype(np.float32)


@alternative("log-domain arithmetic only on the positive cells (boolean mask, no errstate)")
def ppmi(counts, shift=1, alpha=0.75):
    # "or only take the logarithm where the count is positive"
    X = np.asarray(counts, dtype=np.float64)
    pos = X > 0
    log_row = np.log(np.where(X.sum(axis=1) > 0, X.sum(axis=1), 1.0))
    colsum = X.sum(axis=0)
    log_col_a = alpha * np.log(np.where(colsum > 0, colsum, 1.0))
    norm = np.sum(colsum ** alpha)
    out = np.zeros(X.shape)
    r, c = np.nonzero(pos)
    out[r, c] = np.log(X[r, c]) + np.log(norm) - log_row[r] - log_col_a[c] - np.log(shift)
    return np.clip(out, 0, None).astype(np.float32)


@alternative("probabilities P(w,c), P(w), P_alpha(c) as in the formula, errstate + nan_to_num")
def ppmi(counts, shift=1, alpha=0.75):
    # "compute inside with np.errstate(divide="ignore", invalid="ignore"): and replace what is not finite"
    X = np.asarray(counts).astype(np.float64)
    D = X.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        p_wc = X / D
        p_w = X.sum(axis=1, keepdims=True) / D
        ca = X.sum(axis=0, keepdims=True) ** alpha
        p_c = ca / ca.sum()
        pmi = np.log(p_wc / (p_w * p_c)) - np.log(shift)
    pmi[~np.isfinite(pmi)] = 0.0
    pmi[X == 0] = 0.0
    return np.maximum(pmi, 0.0).astype(np.float32)


@alternative("zero-count contexts excluded from sum_c' #c'^alpha (0^alpha taken as 0 for every alpha, also alpha = 0)")
def ppmi(counts, shift=1, alpha=0.75):
    # "P_alpha(c) = #c^alpha / sum_c' #c'^alpha" -- the text never says whether an unseen context has #c^0 = 1
    X = np.asarray(counts, dtype=np.float64)
    col = X.sum(0)
    cola = np.where(col > 0, np.power(col, alpha, where=col > 0, out=np.zeros_like(col)), 0.0)
    row = X.sum(1)
    out = np.zeros_like(X)
    m = X > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.log(X * cola.sum()) - np.log(row[:, None] * cola[None, :]) - np.log(shift)
    out[m] = np.maximum(val[m], 0.0)
    return out.astype(np.float32)


@alternative("scipy.sparse COO: PMI computed only for the stored non-zeros")
def ppmi(counts, shift=1, alpha=0.75):
    # "counts: a dense (V, C) np.ndarray of non-negative counts, any real dtype"
    X = np.asarray(counts, dtype=np.float64)
    S = scipy.sparse.coo_matrix(X)
    row = X.sum(axis=1)
    cola = X.sum(axis=0) ** alpha
    vals = np.log(S.data) + np.log(cola.sum()) - np.log(row[S.row]) - np.log(cola[S.col]) - np.log(shift)
    out = np.zeros(X.shape, dtype=np.float64)
    out[S.row, S.col] = np.maximum(vals, 0.0)
    return out.astype(np.float32)


@alternative("torch float64 on the CPU, numpy float32 out")
def ppmi(counts, shift=1, alpha=0.75):
    # "Compute in float64 and cast at the end."
    X = torch.as_tensor(np.asarray(counts, dtype=np.float64))
    cola = X.sum(0) ** alpha
    ratio = X * cola.sum() / (X.sum(1, keepdim=True) * cola[None, :])
    pmi = torch.log(ratio) - float(np.log(shift))
    pmi = torch.where((X > 0) & torch.isfinite(pmi), pmi.clamp(min=0), torch.zeros_like(pmi))
    return pmi.numpy().astype(np.float32)


# =============================================================================================
# Exercise 3: svd_embeddings
# =============================================================================================


@mutant("W = U_d Sigma_d (the 'correct in theory' scaling), not Sigma_d^(1/2)")
def svd_embeddings(matrix, dim):
    # "W = U_d Sigma_d^(1/2) ... not U_d Sigma_d"
    M = matrix.astype(np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    o = np.argsort(-s)
    return (U[:, o] * s[o]).astype(np.float32)


@mutant("W = U_d (no scaling by the singular values)")
def svd_embeddings(matrix, dim):
    # "returns W = U_d Sigma_d^(1/2)"
    M = matrix.astype(np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    return U[:, np.argsort(-s)].astype(np.float32)


@mutant("keeps svds' increasing order of sigma")
def svd_embeddings(matrix, dim):
    # "columns in order of decreasing singular value ... svds returns them in increasing order of sigma, so reorder them"
    M = matrix.astype(np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    return (U * np.sqrt(s)).astype(np.float32)


@mutant("float32 SVD (svds on a float32 matrix)")
def svd_embeddings(matrix, dim):
    # "Compute in float64."
    M = matrix.astype(np.float32)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    o = np.argsort(-s)
    return (U[:, o] * np.sqrt(s[o])).astype(np.float32)


@mutant("np.linalg.svd of np.asarray(matrix): fails on a scipy.sparse input")
def svd_embeddings(matrix, dim):
    # "matrix: (n, m), a dense np.ndarray or a scipy.sparse matrix"
    U, s, _ = np.linalg.svd(np.asarray(matrix, dtype=np.float64), full_matrices=False)
    return (U[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)


@mutant("right singular vectors: V_d Sigma_d^(1/2), shape (m, dim)")
def svd_embeddings(matrix, dim):
    # "W = U_d Sigma_d^(1/2) (row i is the vector of word i)" -- returns (n, dim)
    M = matrix.astype(np.float64)
    _, s, Vt = scipy.sparse.linalg.svds(M, k=dim)
    o = np.argsort(-s)
    return (Vt[o].T * np.sqrt(s[o])).astype(np.float32)


@mutant("returns float64")
def svd_embeddings(matrix, dim):
    # "returns W = U_d Sigma_d^(1/2), (n, dim) float32"
    M = matrix.astype(np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    o = np.argsort(-s)
    return U[:, o] * np.sqrt(s[o])


@alternative("np.linalg.svd of the dense float64 matrix (toarray for sparse input)")
def svd_embeddings(matrix, dim):
    # "(np.linalg.svd of the full matrix is also correct -- .toarray() a sparse input first -- ...)"
    M = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    U, s, _ = np.linalg.svd(M.astype(np.float64), full_matrices=False)
    return (U[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)


@alternative("eigendecomposition of M M^T in float64 (sigma = sqrt(lambda))")
def svd_embeddings(matrix, dim):
    # "W W^T = U_d Sigma_d U_d^T" -- any sign is accepted; the checks compare W W^T and the column norms
    M = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    M = M.astype(np.float64)
    lam, U = np.linalg.eigh(M @ M.T)
    o = np.argsort(-lam)[:dim]
    sigma = np.sqrt(np.clip(lam[o], 0, None))
    return (U[:, o] * np.sqrt(sigma)).astype(np.float32)


@alternative("svds with a fixed start vector, deterministic signs (largest |entry| of each column positive)")
def svd_embeddings(matrix, dim):
    # "Use scipy.sparse.linalg.svds(matrix, k=dim) ... any sign is accepted"
    M = scipy.sparse.csr_matrix(matrix, dtype=np.float64)
    v0 = np.ones(min(M.shape))
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim, v0=v0)
    o = s.argsort()[::-1]
    W = U[:, o] * np.sqrt(s[o])
    flip = np.sign(W[np.abs(W).argmax(axis=0), np.arange(W.shape[1])])
    flip[flip == 0] = 1
    return np.ascontiguousarray(W * flip).astype(np.float32)


@alternative("torch.linalg.svd in float64")
def svd_embeddings(matrix, dim):
    # "Compute in float64." (any library)
    M = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    U, s, _ = torch.linalg.svd(torch.as_tensor(M, dtype=torch.float64), full_matrices=False)
    return (U[:, :dim] * s[:dim].sqrt()).numpy().astype(np.float32)


@alternative("scikit-learn TruncatedSVD(algorithm='arpack'): U Sigma from fit_transform, divided by sqrt(sigma)")
def svd_embeddings(matrix, dim):
    # "W = U_d Sigma_d^(1/2)" -- fit_transform gives U_d Sigma_d
    from sklearn.decomposition import TruncatedSVD

    M = matrix.astype(np.float64)
    svd = TruncatedSVD(n_components=dim, algorithm="arpack", random_state=0)
    US = svd.fit_transform(M)
    s = svd.singular_values_
    o = np.argsort(-s)
    return (US[:, o] / np.sqrt(s[o])).astype(np.float32)


# =============================================================================================
# Exercise 4: noise_distribution
# =============================================================================================


@mutant("counts ** power directly: with power 0, count-0 words get probability too")
def noise_distribution(counts, power=0.75):
    # "a word with count 0 gets probability 0, whatever the power (careful: in torch 0 ** 0 == 1"
    p = counts.to(torch.float64) ** power
    return (p / p.sum()).to(torch.float32)


@mutant("adds 1e-10 to the counts before the power (zero counts get a tiny probability)")
def noise_distribution(counts, power=0.75):
    # "a word with count 0 gets probability 0"
    p = (counts.to(torch.float64) + 1e-10) ** power
    return (p / p.sum()).to(torch.float32)


@mutant("normalises by the sum of the raw counts, not of the powered counts")
def noise_distribution(counts, power=0.75):
    # "P_n(w) = #w^p / sum_w' #w'^p ... returns a float32 tensor (V,) ... that sums to 1"
    c = counts.to(torch.float64)
    p = torch.where(c > 0, c ** power, torch.zeros_like(c))
    return (p / c.sum()).to(torch.float32)


@mutant("keeps the input's float dtype (float64 in, float64 out)")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,)"
    c = counts if counts.is_floating_point() else counts.float()
    p = torch.where(c > 0, c ** power, torch.zeros_like(c))
    return p / p.sum()


@mutant("returns the distribution on the CPU (.cpu()), not on the counts' device", needs="cuda")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,) on the same device"
    c = counts.detach().cpu().to(torch.float64)
    p = torch.where(c > 0, c ** power, torch.zeros_like(c))
    return (p / p.sum()).float()


@mutant("counts.float() then pow_ in place: a float32 input tensor is modified")
def noise_distribution(counts, power=0.75):
    # "counts: a 1-D torch.Tensor (V,) of non-negative word counts" (an input the caller keeps)
    c = counts.float()
    zero = c == 0
    c.pow_(power)
    c[zero] = 0
    return c / c.sum()


@mutant("power applied after normalising ((c / sum c) ** p), not renormalised")
def noise_distribution(counts, power=0.75):
    # "P_n(w) = #w^p / sum_w' #w'^p" -- it sums to 1
    c = counts.to(torch.float64)
    q = c / c.sum()
    p = torch.where(q > 0, q ** power, torch.zeros_like(q))
    return p.to(torch.float32)


@alternative("masked_fill on a float64 pow, float32 at the end")
def noise_distribution(counts, power=0.75):
    # "a word with count 0 gets probability 0, whatever the power"
    c = counts.double()
    p = c.pow(power).masked_fill(c == 0, 0.0)
    return (p / p.sum()).float()


@alternative("log domain: exp(p * log c - logsumexp) over the occurring words")
def noise_distribution(counts, power=0.75):
    # "P_n(w) = #w^p / sum_w' #w'^p" computed stably
    c = counts.to(torch.float64)
    occurs = c > 0
    logp = torch.full_like(c, float("-inf"))
    logp[occurs] = power * torch.log(c[occurs])
    return torch.exp(logp - torch.logsumexp(logp, dim=0)).to(torch.float32)


@alternative("numpy round trip, tensor rebuilt on the counts' device")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,) on the same device that sums to 1"
    c = counts.detach().cpu().numpy().astype(np.float64)
    p = np.zeros_like(c)
    np.power(c, power, out=p, where=c > 0)
    return torch.tensor(p / p.sum(), dtype=torch.float32, device=counts.device)


@alternative("float32 arithmetic throughout")
def noise_distribution(counts, power=0.75):
    # "counts ... any numeric dtype" -- the dtype of the arithmetic is not prescribed
    c = counts.to(torch.float32)
    p = torch.where(c > 0, torch.pow(c, power), torch.tensor(0.0, device=c.device))
    return p / p.sum()


# =============================================================================================
# Exercise 5: sgns_loss
# =============================================================================================


@mutant("torch.log(torch.sigmoid(x) + 1e-10): finite, but wrong for large scores")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "use torch.nn.functional.logsigmoid: torch.log(torch.sigmoid(x)) is log 0 = -inf once x < -104 ... the hidden checks use such scores"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    eps = 1e-10
    return -(torch.log(torch.sigmoid(pos) + eps) + torch.log(torch.sigmoid(-neg) + eps).sum(-1)).mean()


@mutant("mean over the negatives instead of their sum")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "the negatives' terms are summed"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).mean(-1)).mean()


@mutant("scores clamped to [-6, 6] like word2vec's sigmoid table")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "l(w, o) = -log sigma(u_w^T v_o) - sum_i log sigma(-u_w^T v_ni)" (no clipping of the scores)
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1).clamp(-6, 6)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives]).clamp(-6, 6)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean()


@mutant("skips negatives equal to the context word (word2vec's 'if target == word continue')")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "the k negative samples of each pair ... sum_{i=1}^{k} log sigma(-u_w^T v_ni)" -- all k of them
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    keep = (negatives != context[:, None]).to(neg.dtype)
    return -(F.logsigmoid(pos) + (F.logsigmoid(-neg) * keep).sum(-1)).mean()


@mutant("casts the weights to float32 (float64 weights give a float32 loss)")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "returns ... a 0-dimensional tensor of the weights' dtype"
    u = W_in[centre].float()
    pos = (u * W_out[context].float()).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives].float())
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean()


@mutant("context vectors taken from W_in as well")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "Centre vectors come from W_in, context and negative vectors from W_out."
    u = W_in[centre]
    pos = (u * W_in[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean()


@mutant("sum over the batch instead of the mean")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "returns the mean over the batch of l(w, o)"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).sum()


@mutant("logsigmoid(+score) for the negatives (sign slip)")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "- sum_i log sigma(-u_w^T v_ni)"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(pos) + F.logsigmoid(neg).sum(-1)).mean()


@mutant("returns a (1,)-shaped tensor (keepdim mean)")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "as a 0-dimensional tensor"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    per_pair = -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1))
    return per_pair.mean(dim=0, keepdim=True)


@alternative("softplus form: softplus(-s_o) + sum softplus(s_n)")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "-log sigma(x) = log(1 + e^-x)" (log(1 + e^-2) + log(1 + e^-1) in the worked example)
    u = W_in[centre]
    s_pos = torch.sum(u * W_out[context], dim=1)
    s_neg = torch.bmm(W_out[negatives], u.unsqueeze(2)).squeeze(2)
    return (F.softplus(-s_pos) + F.softplus(s_neg).sum(dim=1)).mean()


@alternative("binary_cross_entropy_with_logits on the (B, 1 + k) scores, summed per pair")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "tell the true context o apart from k negative samples" -- a binary classification loss
    u = W_in[centre]
    ids = torch.cat([context[:, None], negatives], dim=1)
    scores = torch.einsum("bd,bjd->bj", u, W_out[ids])
    target = torch.zeros_like(scores)
    target[:, 0] = 1
    per = F.binary_cross_entropy_with_logits(scores, target, reduction="none")
    return per.sum(dim=1).mean()


@alternative("hand-written stable log-sigmoid: min(x, 0) - log1p(exp(-|x|))")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "use torch.nn.functional.logsigmoid" (an equivalent stable formula)
    def logsig(x):
        return torch.clamp(x, max=0) - torch.log1p(torch.exp(-torch.abs(x)))

    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = (W_out[negatives] @ u.unsqueeze(-1)).squeeze(-1)
    return -(logsig(pos).sum() + logsig(-neg).sum()) / centre.shape[0]


@alternative("one signed score matrix and F.logsigmoid, torch.nn.functional.embedding for the look-ups")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "Index with the id tensors (W_in[centre] is (B, d), W_out[negatives] is (B, k, d))"
    u = F.embedding(centre, W_in)
    v = F.embedding(torch.cat([context.unsqueeze(1), negatives], 1), W_out)
    signs = torch.ones(v.shape[:2], dtype=W_in.dtype, device=W_in.device)
    signs[:, 1:] = -1
    return -F.logsigmoid(signs * (v * u.unsqueeze(1)).sum(-1)).sum(1).mean()


# =============================================================================================
# Exercise 6: nearest_neighbours
# =============================================================================================


@mutant("drops the first result instead of the query's row")
def nearest_neighbours(embeddings, words, query, k):
    # "the query itself is excluded -- by its row, not by taking the first result off the list (another word may have an identical vector)"
    E = np.asarray(embeddings, dtype=np.float64)
    n = np.linalg.norm(E, axis=1)
    unit = np.divide(E, n[:, None], out=np.zeros_like(E), where=n[:, None] > 0)
    cos = unit @ unit[words.index(query)]
    order = np.argsort(-cos, kind="stable")[1:k + 1]
    return [(words[i], float(cos[i])) for i in order]


@mutant("np.argpartition for the top k, then a sort of those: ties no longer go to the lower index")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first (a stable sort of the negated cosines does this)"
    E = np.asarray(embeddings, dtype=np.float64)
    n = np.linalg.norm(E, axis=1)
    unit = np.divide(E, n[:, None], out=np.zeros_like(E), where=n[:, None] > 0)
    q = words.index(query)
    cos = unit @ unit[q]
    cos[q] = -np.inf
    top = np.argpartition(-cos, k - 1)[:k]
    top = top[np.argsort(-cos[top], kind="stable")]
    return [(words[i], float(cos[i])) for i in top]


@mutant("default (unstable) np.argsort of the negated cosines")
def nearest_neighbours(embeddings, words, query, k):
    # "ties ... go to the lower row index first (a stable sort of the negated cosines does this)"
    E = np.asarray(embeddings, dtype=np.float64)
    n = np.linalg.norm(E, axis=1)
    unit = np.divide(E, n[:, None], out=np.zeros_like(E), where=n[:, None] > 0)
    q = words.index(query)
    cos = unit @ unit[q]
    order = [i for i in np.argsort(-cos) if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("eps in the denominator: a.b / (|a||b| + 1e-8), wrong for small vectors")
def nearest_neighbours(embeddings, words, query, k):
    # "cos(a, b) = a^T b / (|a| |b|)" ... "a zero vector has cosine 0 with every word"
    E = np.asarray(embeddings, dtype=np.float64)
    q = words.index(query)
    n = np.linalg.norm(E, axis=1)
    cos = (E @ E[q]) / (n * n[q] + 1e-8)
    order = [i for i in np.argsort(-cos, kind="stable") if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@alternative("blind mutant, correct by the text (which allows numpy scalars): cosines returned as numpy float64 scalars")
def nearest_neighbours(embeddings, words, query, k):
    # "returns a list of k tuples (word, cosine) (cosine a Python float)"
    E = np.asarray(embeddings, dtype=np.float64)
    n = np.linalg.norm(E, axis=1)
    unit = np.divide(E, n[:, None], out=np.zeros_like(E), where=n[:, None] > 0)
    q = words.index(query)
    cos = unit @ unit[q]
    order = [i for i in np.argsort(-cos, kind="stable") if i != q][:k]
    return [(words[i], cos[i]) for i in order]


@mutant("returns [word, cosine] lists instead of tuples")
def nearest_neighbours(embeddings, words, query, k):
    # "returns a list of k tuples (word, cosine)"
    E = np.asarray(embeddings, dtype=np.float64)
    n = np.linalg.norm(E, axis=1)
    unit = np.divide(E, n[:, None], out=np.zeros_like(E), where=n[:, None] > 0)
    q = words.index(query)
    cos = unit @ unit[q]
    order = [i for i in np.argsort(-cos, kind="stable") if i != q][:k]
    return [[words[i], float(cos[i])] for i in order]


@mutant("np.argsort(cos)[::-1]: ties go to the HIGHER index")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first"
    E = np.asarray(embeddings, dtype=np.float64)
    n = np.linalg.norm(E, axis=1)
    unit = np.divide(E, n[:, None], out=np.zeros_like(E), where=n[:, None] > 0)
    q = words.index(query)
    cos = unit @ unit[q]
    order = [i for i in np.argsort(cos, kind="stable")[::-1] if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@alternative("cosine as (E q) / (|E| |q|), Python sorted() on (-cos, index)")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first"
    E = np.asarray(embeddings, dtype=np.float64)
    q = words.index(query)
    norms = np.sqrt((E * E).sum(axis=1))
    dots = E @ E[q]
    denom = norms * norms[q]
    cos = np.where(denom > 0, dots / np.where(denom > 0, denom, 1.0), 0.0)
    ranked = sorted((i for i in range(len(words)) if i != q), key=lambda i: (-cos[i], i))
    return [(words[i], float(cos[i])) for i in ranked[:k]]


@alternative("np.lexsort((index, -cos)) with the query's row deleted")
def nearest_neighbours(embeddings, words, query, k):
    # "the query itself is excluded -- by its row"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    unit = E / np.where(norms > 0, norms, 1.0)
    q = words.index(query)
    cos = unit @ unit[q]
    idx = np.delete(np.arange(len(words)), q)
    order = idx[np.lexsort((idx, -cos[idx]))][:k]
    return [(str(words[i]), float(cos[i])) for i in order]


@alternative("heapq.nsmallest over (-cos, index) pairs, per-pair cosine in pure Python math")
def nearest_neighbours(embeddings, words, query, k):
    # "cos(a, b) = a^T b / (|a| |b|) ... a zero vector has cosine 0 with every word, never NaN"
    import heapq
    import math

    E = np.asarray(embeddings, dtype=np.float64)
    q = words.index(query)
    qv = E[q]
    qn = math.sqrt(float(qv @ qv))
    items = []
    for i in range(len(words)):
        if i == q:
            continue
        n = math.sqrt(float(E[i] @ E[i]))
        c = float(E[i] @ qv) / (n * qn) if n > 0 and qn > 0 else 0.0
        items.append((-c, i))
    return [(words[i], -negc) for negc, i in heapq.nsmallest(k, items)]


@alternative("torch float32: F.normalize and a stable torch.sort")
def nearest_neighbours(embeddings, words, query, k):
    # "embeddings: (V, d) float np.ndarray" -- the precision of the computation is not prescribed
    E = torch.as_tensor(np.asarray(embeddings), dtype=torch.float32)
    unit = F.normalize(E, dim=1)
    q = words.index(query)
    cos = unit @ unit[q]
    cos[q] = float("-inf")
    order = torch.sort(-cos, stable=True).indices[:k].tolist()
    return [(words[i], float(cos[i])) for i in order]


# =============================================================================================
# Exercise 7: smoothed_bow
# =============================================================================================


@mutant("excludes the word by dropping the first entry of its sorted row (assumes s_jj is the largest)")
def smoothed_bow(bow, similarity, k):
    # "N_k(j): the k largest entries of row j, never j itself whatever s_jj is"
    S = np.asarray(similarity, dtype=np.float64)
    V = S.shape[0]
    N = np.zeros((V, V))
    order = np.argsort(-S, axis=1, kind="stable")[:, 1:k + 1]
    r = np.arange(V)[:, None]
    N[r, order] = np.maximum(S[r, order], 0)
    return (bow + bow @ N).astype(np.float32)


@mutant("uses column j of the similarity (N = selection of S^T): wrong for a non-symmetric S")
def smoothed_bow(bow, similarity, k):
    # "row j holds word j's similarities s_j. (it need not be symmetric)"
    S = np.asarray(similarity, dtype=np.float64).T.copy()
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    N = np.zeros((V, V))
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    r = np.arange(V)[:, None]
    N[r, order] = np.maximum(S[r, order], 0)
    return (bow + bow @ N).astype(np.float32)


@mutant("np.argpartition for the k largest: ties not resolved to the lower index")
def smoothed_bow(bow, similarity, k):
    # "ties go to the lower index (a stable sort of the negated row)"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    if k == 0:
        return np.asarray(bow, dtype=np.float32).copy()
    np.fill_diagonal(S, -np.inf)
    kk = min(k, V - 1)
    order = np.argpartition(-S, kk - 1, axis=1)[:, :kk]
    N = np.zeros((V, V))
    r = np.arange(V)[:, None]
    N[r, order] = np.maximum(S[r, order], 0)
    return (bow + bow @ N).astype(np.float32)


@mutant("np.fill_diagonal on the caller's similarity matrix (input modified in place)")
def smoothed_bow(bow, similarity, k):
    # "similarity: (V, V) float array" -- an input; "a word is never its own neighbour" is the function's business
    S = similarity
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    N = np.zeros((V, V))
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    r = np.arange(V)[:, None]
    N[r, order] = np.maximum(S[r, order], 0)
    return (bow + bow @ N).astype(np.float32)


@mutant("neighbours chosen among the positive similarities by |s| (largest magnitude)")
def smoothed_bow(bow, similarity, k):
    # "N_k(j): the k largest entries of row j"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    A = np.abs(S)
    np.fill_diagonal(A, -np.inf)
    N = np.zeros((V, V))
    order = np.argsort(-A, axis=1, kind="stable")[:, :k]
    r = np.arange(V)[:, None]
    N[r, order] = np.maximum(S[r, order], 0)
    return (bow + bow @ N).astype(np.float32)


@mutant("returns float64")
def smoothed_bow(bow, similarity, k):
    # "returns (M, V) float32"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    N = np.zeros((V, V))
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    r = np.arange(V)[:, None]
    N[r, order] = np.maximum(S[r, order], 0)
    return np.asarray(bow, dtype=np.float64) @ (np.eye(V) + N)


@mutant("weights max(s, 0) of the neighbours replace the word's own count (B N, no identity)")
def smoothed_bow(bow, similarity, k):
    # "the word's own count stays"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    if k == 0:
        return np.asarray(bow, dtype=np.float32)
    np.fill_diagonal(S, -np.inf)
    N = np.zeros((V, V))
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    r = np.arange(V)[:, None]
    N[r, order] = np.maximum(S[r, order], 0)
    return (bow @ N).astype(np.float32)


@alternative("per-row Python loop with sorted(key=(-s, n)) and B (I + N)")
def smoothed_bow(bow, similarity, k):
    # "N_k(j): the k largest entries of row j, never j itself ...; ties go to the lower index"
    S = np.asarray(similarity, dtype=np.float64)
    V = S.shape[0]
    N = np.eye(V)
    for j in range(V):
        others = sorted((n for n in range(V) if n != j), key=lambda n: (-S[j, n], n))[:k]
        for n in others:
            N[j, n] += max(S[j, n], 0.0)
    return (np.asarray(bow, dtype=np.float64) @ N).astype(np.float32)


@alternative("stable argsort on a copy with the diagonal at -inf; result added with np.add.at into a float32 copy")
def smoothed_bow(bow, similarity, k):
    # "a stable sort of the negated row"; "k = 0 returns the counts unchanged"
    out = np.array(bow, dtype=np.float32, copy=True)
    if k <= 0:
        return out
    S = np.array(similarity, dtype=np.float64, copy=True)
    V = S.shape[0]
    S[np.arange(V), np.arange(V)] = -np.inf
    nbr = np.argsort(-S, axis=1, kind="mergesort")[:, : max(0, min(k, V - 1))]
    w = np.maximum(np.take_along_axis(S, nbr, axis=1), 0.0)          # (V, k)
    contrib = np.asarray(bow, dtype=np.float64)[:, :, None] * w[None]  # (M, V, k)
    acc = out.astype(np.float64)
    for c in range(nbr.shape[1]):
        np.add.at(acc.T, nbr[:, c], contrib[:, :, c].T)
    return acc.astype(np.float32)


@alternative("np.lexsort per row, N as a scipy.sparse matrix, B + B N")
def smoothed_bow(bow, similarity, k):
    # "B~ = B (I + N)"
    S = np.asarray(similarity, dtype=np.float64)
    V = S.shape[0]
    rows, cols, vals = [], [], []
    idx = np.arange(V)
    for j in range(V):
        cand = idx[idx != j]
        pick = cand[np.lexsort((cand, -S[j, cand]))][:k]
        rows += [j] * len(pick)
        cols += list(pick)
        vals += list(np.maximum(S[j, pick], 0.0))
    N = scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(V, V))
    B = np.asarray(bow, dtype=np.float64)
    return (B + np.asarray(N.T.dot(B.T).T)).astype(np.float32)


@alternative("torch stable sort (descending=True, stable=True) in float64")
def smoothed_bow(bow, similarity, k):
    # "ties go to the lower index (a stable sort of the negated row)"
    S = torch.as_tensor(np.asarray(similarity), dtype=torch.float64).clone()
    V = S.shape[0]
    B = torch.as_tensor(np.asarray(bow), dtype=torch.float64)
    if k == 0:
        return B.numpy().astype(np.float32)
    S.fill_diagonal_(float("-inf"))
    vals, order = torch.sort(S, dim=1, descending=True, stable=True)
    kk = min(k, V - 1)
    N = torch.zeros(V, V, dtype=torch.float64)
    N.scatter_(1, order[:, :kk], vals[:, :kk].clamp(min=0))
    return (B + B @ N).numpy().astype(np.float32)


# ---- round 2 (a second blind author, after the first round's fixes) ----


# ----------------------------------------------------------------------------------------------
# Exercise 1: cooccurrence_counts
# ----------------------------------------------------------------------------------------------

@mutant("no widening to int64: a * vocab_size + b wraps around for uint8/int16 ids")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Widen the ids to int64 first (.astype(np.int64)): in a small integer dtype such as uint8,
    # a * vocab_size + b wraps around"
    ids = np.asarray(token_ids)
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        a, b = a[keep], b[keep]
        flat += np.bincount(a * vocab_size + b, minlength=vocab_size * vocab_size)
        flat += np.bincount(b * vocab_size + a, minlength=vocab_size * vocab_size)
    return flat.reshape(vocab_size, vocab_size).astype(np.float32)


@mutant("C[a, b] += 1 with fancy indexing: a pair repeated at one offset is counted once")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "the pair adds 1 to C[x_i, x_j]" -- every pair, also when the same pair occurs twice
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        C[a[keep], b[keep]] += 1
        C[b[keep], a[keep]] += 1
    return C


@mutant("padding deleted before the windows are formed (word2vec's way): words around <pad> come closer")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Padding still occupies its position: distances count positions, padding included"
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for row in ids:
        kept = row[row != 0]
        for d in range(1, window + 1):
            if d >= len(kept):
                break
            np.add.at(C, (kept[:-d], kept[d:]), 1)
            np.add.at(C, (kept[d:], kept[:-d]), 1)
    return C


@mutant("drops pairs with <unk> (id 1) as well as with padding (id 0)")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "a pair counts only when neither of its two tokens is padding (id 0)" -- only id 0 is dropped
    ids = np.asarray(token_ids).astype(np.int64)
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a > 1) & (b > 1)
        a, b = a[keep], b[keep]
        flat += np.bincount(a * vocab_size + b, minlength=vocab_size * vocab_size)
        flat += np.bincount(b * vocab_size + a, minlength=vocab_size * vocab_size)
    return flat.reshape(vocab_size, vocab_size).astype(np.float32)


@mutant("offsets 1 .. window - 1: pairs at distance exactly `window` are missed")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "two positions i != j of the same row with |i - j| <= window form a pair"
    ids = np.asarray(token_ids).astype(np.int64)
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        a, b = a[keep], b[keep]
        flat += np.bincount(a * vocab_size + b, minlength=vocab_size * vocab_size)
        flat += np.bincount(b * vocab_size + a, minlength=vocab_size * vocab_size)
    return flat.reshape(vocab_size, vocab_size).astype(np.float32)


@mutant("each pair counted in one direction only (left word, right context): C is not symmetric")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Every pair is counted in both directions, so C is symmetric"
    ids = np.asarray(token_ids).astype(np.int64)
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        flat += np.bincount(a[keep] * vocab_size + b[keep], minlength=vocab_size * vocab_size)
    return flat.reshape(vocab_size, vocab_size).astype(np.float32)


@mutant("rows flattened into one stream: pairs cross from the end of one text into the next")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "pairs never cross rows (texts)"
    stream = np.asarray(token_ids).astype(np.int64).ravel()
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window + 1):
        a, b = stream[:-d], stream[d:]
        keep = (a != 0) & (b != 0)
        a, b = a[keep], b[keep]
        flat += np.bincount(a * vocab_size + b, minlength=vocab_size * vocab_size)
        flat += np.bincount(b * vocab_size + a, minlength=vocab_size * vocab_size)
    return flat.reshape(vocab_size, vocab_size).astype(np.float32)


@mutant("symmetrised as C + C.T - diag(C): a word next to itself adds 1 to its diagonal, not 2")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "a word next to itself ("bird bird") adds 2 to its diagonal"
    ids = np.asarray(token_ids).astype(np.int64)
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        flat += np.bincount(a[keep] * vocab_size + b[keep], minlength=vocab_size * vocab_size)
    upper = flat.reshape(vocab_size, vocab_size)
    return (upper + upper.T - np.diag(np.diag(upper))).astype(np.float32)


@mutant("pairs weighted by 1 / distance (GloVe's weighting) instead of 1")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "the pair adds 1 to C[x_i, x_j]"
    ids = np.asarray(token_ids).astype(np.int64)
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        a, b = a[keep], b[keep]
        w = np.full(len(a), 1.0 / d)
        flat += np.bincount(a * vocab_size + b, weights=w, minlength=vocab_size * vocab_size)
        flat += np.bincount(b * vocab_size + a, weights=w, minlength=vocab_size * vocab_size)
    return flat.reshape(vocab_size, vocab_size).astype(np.float32)


@mutant("a scipy.sparse.coo_matrix built from np.ones: float64, not float32")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "or a scipy.sparse matrix with dtype float32"
    ids = np.asarray(token_ids).astype(np.int64)
    rows, cols = [], []
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    r, c = np.concatenate(rows), np.concatenate(cols)
    return scipy.sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(vocab_size, vocab_size)).tocsr()


@alternative("np.add.at into a dense float32 matrix")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Add the pairs up with np.bincount ..., np.add.at, or scipy.sparse.coo_matrix"
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        np.add.at(C, (a[keep], b[keep]), 1)
        np.add.at(C, (b[keep], a[keep]), 1)
    return C


@alternative("sparse one-hot position matrices: C += P_a^T P_b per offset, returned as float32 CSR")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "returns ... a scipy.sparse matrix with dtype float32 (the checks call .toarray() on it)"
    ids = np.asarray(token_ids).astype(np.int64)
    C = scipy.sparse.csr_matrix((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        a, b = a[keep], b[keep]
        n = len(a)
        ones = np.ones(n, dtype=np.float32)
        Pa = scipy.sparse.csr_matrix((ones, (np.arange(n), a)), shape=(n, vocab_size))
        Pb = scipy.sparse.csr_matrix((ones, (np.arange(n), b)), shape=(n, vocab_size))
        C = C + Pa.T @ Pb + Pb.T @ Pa
    return scipy.sparse.csr_matrix(C, dtype=np.float32)


@alternative("rows padded with `window` zeros and flattened into one stream; upper pairs, then C + C.T")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "pairs never cross rows (texts)": `window` padding ids between rows keep them apart, and a pair
    # with padding never counts
    ids = np.asarray(token_ids).astype(np.int64)
    n = ids.shape[0]
    stream = np.concatenate([ids, np.zeros((n, window), dtype=np.int64)], axis=1).ravel()
    upper = np.zeros(vocab_size * vocab_size, dtype=np.float64)
    for d in range(1, window + 1):
        a, b = stream[:-d], stream[d:]
        keep = (a != 0) & (b != 0)
        upper += np.bincount(a[keep] * vocab_size + b[keep], minlength=vocab_size * vocab_size)
    upper = upper.reshape(vocab_size, vocab_size)
    return (upper + upper.T).astype(np.float32)


@alternative("one float32 scipy.sparse.coo_matrix with duplicate entries, returned without .tocsr()")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "or scipy.sparse.coo_matrix((values, (a, b)), shape=...)"; "a scipy.sparse matrix with dtype
    # float32 (the checks call .toarray() on it)" -- .toarray() sums the duplicates
    ids = np.asarray(token_ids).astype(np.int64)
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    r, c = np.concatenate(rows), np.concatenate(cols)
    return scipy.sparse.coo_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(vocab_size, vocab_size))


@alternative("a scipy.sparse.csr_array (sparse array API) of dtype float32")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "a scipy.sparse matrix with dtype float32 (the checks call .toarray() on it)"
    ids = np.asarray(token_ids).astype(np.int64)
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    r, c = np.concatenate(rows), np.concatenate(cols)
    return scipy.sparse.csr_array((np.ones(len(r), dtype=np.float32), (r, c)), shape=(vocab_size, vocab_size))


@alternative("np.unique(..., return_counts=True) on the flat pair keys")
def cooccurrence_counts(token_ids, vocab_size, window):
    # "Add the pairs up with np.bincount on a * vocab_size + b (then reshape)" -- any exact sum does
    ids = np.asarray(token_ids).astype(np.int64)
    flat = np.zeros(vocab_size * vocab_size, dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        a, b = a[keep], b[keep]
        keys, counts = np.unique(np.concatenate([a * vocab_size + b, b * vocab_size + a]), return_counts=True)
        flat[keys] += counts
    return flat.reshape(vocab_size, vocab_size)


# ----------------------------------------------------------------------------------------------
# Exercise 2: ppmi
# ----------------------------------------------------------------------------------------------

@mutant("log k subtracted after clipping at 0: shifted values can be negative")
def ppmi(counts, shift=1, alpha=0.75):
    # "shift is k: subtract log k (natural logarithm) before clipping"
    c = np.asarray(counts, dtype=np.float64)
    row, col_a = c.sum(axis=1), c.sum(axis=0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c * col_a.sum() / (row[:, None] * col_a[None, :]))
    out = np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0) - np.log(shift)
    return out.astype(np.float32)


@mutant("base-2 logarithm")
def ppmi(counts, shift=1, alpha=0.75):
    # "subtract log k (natural logarithm)"; PMI = log P(w, c) / (P(w) P(c)) with the same natural log
    c = np.asarray(counts, dtype=np.float64)
    row, col_a = c.sum(axis=1), c.sum(axis=0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log2(c * col_a.sum() / (row[:, None] * col_a[None, :])) - np.log2(shift)
    return np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0).astype(np.float32)


@mutant("smooths the word (row) counts instead of the context (column) counts")
def ppmi(counts, shift=1, alpha=0.75):
    # "replace P(c) by P_alpha(c) = #c^alpha / sum_c' #c'^alpha" -- contexts are the columns
    c = np.asarray(counts, dtype=np.float64)
    row_a, col = c.sum(axis=1) ** alpha, c.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c * row_a.sum() / (row_a[:, None] * col[None, :])) - np.log(shift)
    return np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0).astype(np.float32)


@mutant("smoothed context probability normalised by D instead of sum_c' #c'^alpha")
def ppmi(counts, shift=1, alpha=0.75):
    # "P_alpha(c) = #c^alpha / sum_{c'} #c'^alpha"
    c = np.asarray(counts, dtype=np.float64)
    D = c.sum()
    row, col_a = c.sum(axis=1), c.sum(axis=0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((c / D) / ((row[:, None] / D) * (col_a[None, :] / D))) - np.log(shift)
    return np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0).astype(np.float32)


@mutant("smoothing normaliser (sum_c' #c')^alpha instead of sum_c' (#c'^alpha)")
def ppmi(counts, shift=1, alpha=0.75):
    # "P_alpha(c) = #c^alpha / sum_{c'} #c'^alpha"
    c = np.asarray(counts, dtype=np.float64)
    row, col = c.sum(axis=1), c.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_alpha = col ** alpha / col.sum() ** alpha
        pmi = np.log((c / c.sum()) / ((row[:, None] / c.sum()) * p_alpha[None, :])) - np.log(shift)
    return np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0).astype(np.float32)


@mutant("np.maximum(pmi, 0) keeps the NaN of empty rows and columns (0 / 0)")
def ppmi(counts, shift=1, alpha=0.75):
    # "cells with count 0, and whole rows or columns of zeros, give 0, never NaN or inf"
    c = np.asarray(counts, dtype=np.float64)
    row, col_a = c.sum(axis=1), c.sum(axis=0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c * col_a.sum() / (row[:, None] * col_a[None, :])) - np.log(shift)
    return np.maximum(pmi, 0.0).astype(np.float32)


@mutant("computes in the input's dtype: float16/float32 sums and products overflow")
def ppmi(counts, shift=1, alpha=0.75):
    # "Compute in float64 and cast at the end."
    c = np.asarray(counts)
    row, col_a = c.sum(axis=1), c.sum(axis=0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pmi = np.log(c * col_a.sum() / (row[:, None] * col_a[None, :])) - np.log(shift)
        out = np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0), 0)
    return out.astype(np.float32)


@mutant("returns float64 (no cast at the end)")
def ppmi(counts, shift=1, alpha=0.75):
    # "returns (V, C) float32"
    c = np.asarray(counts, dtype=np.float64)
    row, col_a = c.sum(axis=1), c.sum(axis=0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c * col_a.sum() / (row[:, None] * col_a[None, :])) - np.log(shift)
    return np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0)


@mutant("row sums used for #c too (assumes a square, symmetric matrix)")
def ppmi(counts, shift=1, alpha=0.75):
    # "not necessarily square or symmetric (rows are words, columns are contexts)"
    c = np.asarray(counts, dtype=np.float64)
    row = c.sum(axis=1)
    col_a = row ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c * col_a.sum() / (row[:, None] * col_a[None, :])) - np.log(shift)
    return np.where((c > 0) & np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0).astype(np.float32)


@mutant("add-one smoothing of every count to avoid log 0")
def ppmi(counts, shift=1, alpha=0.75):
    # "cells with count 0 ... give 0"; PMI is computed from the counts themselves
    c = np.asarray(counts, dtype=np.float64) + 1.0
    row, col_a = c.sum(axis=1), c.sum(axis=0) ** alpha
    pmi = np.log(c * col_a.sum() / (row[:, None] * col_a[None, :])) - np.log(shift)
    return np.maximum(pmi, 0.0).astype(np.float32)


@alternative("log-domain: log #(w,c) + log sum #c'^a - log #w - a log #c, evaluated only where the count is positive")
def ppmi(counts, shift=1, alpha=0.75):
    # "or only take the logarithm where the count is positive"
    c = np.asarray(counts, dtype=np.float64)
    row, col = c.sum(axis=1), c.sum(axis=0)
    out = np.zeros(c.shape)
    w, x = np.nonzero(c > 0)
    log_total = np.log(np.sum(col ** alpha))
    values = np.log(c[w, x]) + log_total - np.log(row[w]) - alpha * np.log(col[x]) - np.log(shift)
    out[w, x] = np.maximum(values, 0.0)
    return out.astype(np.float32)


@alternative("np.nan_to_num after np.maximum, shift as a division by k inside the log")
def ppmi(counts, shift=1, alpha=0.75):
    # "compute inside with np.errstate(divide="ignore", invalid="ignore"): and replace what is not finite"
    c = np.asarray(counts).astype(np.float64)
    D = c.sum()
    p_wc = c / D if D > 0 else c
    p_w = c.sum(axis=1, keepdims=True) / D if D > 0 else c.sum(axis=1, keepdims=True)
    col_a = np.power(c.sum(axis=0, keepdims=True), alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_c = col_a / col_a.sum()
        pmi = np.log(p_wc / (p_w * p_c) / shift)
        out = np.nan_to_num(np.maximum(pmi, 0.0), nan=0.0, posinf=0.0, neginf=0.0)
    return out.astype(np.float32)


@alternative("numpy masked arrays: np.ma.log masks log 0 and 0/0, filled with 0")
def ppmi(counts, shift=1, alpha=0.75):
    # "cells with count 0, and whole rows or columns of zeros, give 0, never NaN or inf"
    c = np.ma.masked_equal(np.asarray(counts, dtype=np.float64), 0.0)
    row = c.sum(axis=1).filled(0.0)
    col_a = c.sum(axis=0).filled(0.0) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = c * col_a.sum() / np.outer(row, col_a)
        pmi = np.ma.log(ratio) - np.log(shift)
    return np.ma.maximum(pmi, 0.0).filled(0.0).astype(np.float32)


@alternative("row and column normalisation by division with np.divide(where=...), then clip")
def ppmi(counts, shift=1, alpha=0.75):
    # "only take the logarithm where the count is positive"
    c = np.asarray(counts, dtype=np.float64)
    row = c.sum(axis=1)
    col_a = c.sum(axis=0) ** alpha
    p_c = col_a / col_a.sum() if col_a.sum() > 0 else col_a
    cond = c / np.where(row > 0, row, 1.0)[:, None]          # P(c | w)
    ratio = np.ones_like(c)
    np.divide(cond, p_c[None, :], out=ratio, where=c > 0)
    log_ratio = np.zeros_like(c)
    np.log(ratio, out=log_ratio, where=c > 0)
    return np.where(c > 0, np.clip(log_ratio - np.log(shift), 0.0, None), 0.0).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Exercise 3: svd_embeddings
# ----------------------------------------------------------------------------------------------

@mutant("W = U_d Sigma_d (the 'correct in theory' weighting), not Sigma_d^(1/2)")
def svd_embeddings(matrix, dim):
    # "returns W = U_d Sigma_d^{1/2}"
    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    order = np.argsort(-s)
    return (U[:, order] * s[order]).astype(np.float32)


@mutant("keeps svds' increasing order of the singular values")
def svd_embeddings(matrix, dim):
    # "columns in order of decreasing singular value"; svds "returns them in increasing order of sigma, so reorder them"
    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    return (U * np.sqrt(s)).astype(np.float32)


@mutant("reverses U's columns but multiplies by the unreversed singular values")
def svd_embeddings(matrix, dim):
    # "W = U_d Sigma_d^{1/2} ... columns in order of decreasing singular value"
    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    return (U[:, ::-1] * np.sqrt(s)).astype(np.float32)


@mutant("right singular vectors V_d Sigma_d^(1/2) instead of U_d (rows are words: use U)")
def svd_embeddings(matrix, dim):
    # "W = U_d Sigma_d^{1/2} (row i is the vector of word i)", shape (n, dim)
    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    _, s, Vt = scipy.sparse.linalg.svds(M, k=dim)
    order = np.argsort(-s)
    return (Vt[order].T * np.sqrt(s[order])).astype(np.float32)


@mutant("computes the SVD in float32 (the input cast to float32 first)")
def svd_embeddings(matrix, dim):
    # "Compute in float64."
    M = matrix.astype(np.float32) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float32)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    order = np.argsort(-s)
    return (U[:, order] * np.sqrt(s[order])).astype(np.float32)


@mutant("returns float64 (no cast)")
def svd_embeddings(matrix, dim):
    # "returns W = U_d Sigma_d^{1/2}, (n, dim) float32"
    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    order = np.argsort(-s)
    return U[:, order] * np.sqrt(s[order])


@mutant("PCA instead of SVD: columns centred before the decomposition")
def svd_embeddings(matrix, dim):
    # "The singular value decomposition M = U Sigma V^T keeps the d strongest directions" -- of M itself
    M = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    M = M.astype(np.float64)
    M = M - M.mean(axis=0, keepdims=True)
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    return (U[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)


@mutant("rows of W normalised to unit length (for cosines) after U_d Sigma_d^(1/2)")
def svd_embeddings(matrix, dim):
    # "returns W = U_d Sigma_d^{1/2}" (the checks compare W W^T and the column norms ||W_:,j||^2 = sigma_j)
    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    U, s, _ = scipy.sparse.linalg.svds(M, k=dim)
    order = np.argsort(-s)
    W = U[:, order] * np.sqrt(s[order])
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return (W / np.where(norms > 0, norms, 1.0)).astype(np.float32)


@mutant("np.linalg.svd on np.asarray(matrix): a scipy.sparse input is not converted")
def svd_embeddings(matrix, dim):
    # "matrix: (n, m), a dense np.ndarray or a scipy.sparse matrix"; "np.linalg.svd of the full
    # matrix is also correct -- .toarray() a sparse input first"
    M = np.asarray(matrix, dtype=np.float64)
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    return (U[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)


@alternative("np.linalg.svd of the dense matrix (sparse input .toarray() first)")
def svd_embeddings(matrix, dim):
    # "np.linalg.svd of the full matrix is also correct -- .toarray() a sparse input first"
    M = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    U, s, _ = np.linalg.svd(M.astype(np.float64), full_matrices=False)
    return (U[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)


@alternative("eigendecomposition of M M^T: sigma = sqrt(lambda), W = U lambda^(1/4)")
def svd_embeddings(matrix, dim):
    # "W = U_d Sigma_d^{1/2}": the left singular vectors are the eigenvectors of M M^T, sigma^2 its eigenvalues
    M = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    M = M.astype(np.float64)
    lam, U = np.linalg.eigh(M @ M.T)
    top = np.argsort(-lam, kind="stable")[:dim]
    sigma = np.sqrt(np.clip(lam[top], 0.0, None))
    return (U[:, top] * np.sqrt(sigma)).astype(np.float32)


@alternative("svds of the transpose: the left singular vectors of M are the right ones of M^T")
def svd_embeddings(matrix, dim):
    # "Use scipy.sparse.linalg.svds(matrix, k=dim) ... it returns them in increasing order of sigma, so reorder them"
    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    _, s, Vt = scipy.sparse.linalg.svds(M.T, k=dim)
    order = np.argsort(s)[::-1]
    return np.ascontiguousarray(Vt[order].T * np.sqrt(s[order])).astype(np.float32)


@alternative("sklearn TruncatedSVD(algorithm='arpack'): (U Sigma) / sqrt(sigma), 0 where sigma = 0")
def svd_embeddings(matrix, dim):
    # "Use scipy.sparse.linalg.svds ..." -- any exact truncated SVD gives the same W W^T
    from sklearn.decomposition import TruncatedSVD

    M = matrix.astype(np.float64) if scipy.sparse.issparse(matrix) else np.asarray(matrix, dtype=np.float64)
    svd = TruncatedSVD(n_components=dim, algorithm="arpack", random_state=0, tol=0.0).fit(M)
    US = np.asarray(M @ svd.components_.T)
    sigma = svd.singular_values_
    scale = np.zeros_like(sigma)
    np.divide(1.0, np.sqrt(sigma), out=scale, where=sigma > 0)
    order = np.argsort(-sigma, kind="stable")
    return (US[:, order] * scale[order]).astype(np.float32)


@alternative("scipy.linalg.svd with the gesvd driver, signs fixed so each column's largest entry is positive")
def svd_embeddings(matrix, dim):
    # "any sign is accepted"
    import scipy.linalg

    M = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    U, s, _ = scipy.linalg.svd(M.astype(np.float64), full_matrices=False, lapack_driver="gesvd")
    W = U[:, :dim] * np.sqrt(s[:dim])
    signs = np.sign(W[np.argmax(np.abs(W), axis=0), np.arange(dim)])
    return (W * np.where(signs == 0, 1.0, signs)).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Exercise 4: noise_distribution
# ----------------------------------------------------------------------------------------------

@mutant("in-place .pow_() on counts.float(): float32 counts are changed for the caller")
def noise_distribution(counts, power=0.75):
    # "leaves counts as it was (careful: counts.float() is counts when it is float32 already, so an
    # in-place .pow_() on it would change the caller's counts)"
    zero = counts == 0
    p = counts.float().pow_(power)
    p[zero] = 0
    return p / p.sum()


@mutant("in-place .pow_() on counts.double(): float64 counts are changed for the caller")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,) ... and leaves counts as it was" -- whatever its dtype
    zero = counts == 0
    p = counts.double()
    p.pow_(power)
    p[zero] = 0
    return (p / p.sum()).float()


@mutant("0 ** 0 = 1: power 0 spreads probability over every id, the count-0 ones too")
def noise_distribution(counts, power=0.75):
    # "a word with count 0 gets probability 0, whatever the power"
    p = counts.double() ** power
    return (p / p.sum()).float()


@mutant("returns the counts' floating dtype (float64 counts give float64)")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,)"
    c = counts if counts.is_floating_point() else counts.float()
    p = torch.where(c > 0, c ** power, torch.zeros_like(c))
    return p / p.sum()


@mutant("computed in numpy and returned on the CPU", needs="cuda")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,) on the same device"
    c = counts.detach().cpu().numpy().astype(np.float64)
    p = np.where(c > 0, c, 0.0) ** power * (c > 0)
    return torch.from_numpy(p / p.sum()).float()


@mutant("unigram probabilities raised to the power, not renormalised: does not sum to 1")
def noise_distribution(counts, power=0.75):
    # "P_n(w) = #w^p / sum_w' #w'^p" ... "that sums to 1"
    c = counts.double()
    p = torch.where(c > 0, (c / c.sum()) ** power, torch.zeros_like(c))
    return p.float()


@mutant("counts clamped at 1 before the power: unseen ids get probability")
def noise_distribution(counts, power=0.75):
    # "a word with count 0 gets probability 0"
    p = counts.double().clamp(min=1.0) ** power
    return (p / p.sum()).float()


@mutant("normalised by (sum of counts)^p instead of the sum of counts^p")
def noise_distribution(counts, power=0.75):
    # "P_n(w) = #w^p / sum_{w'} #w'^p"
    c = counts.double()
    p = torch.where(c > 0, c ** power, torch.zeros_like(c)) / c.sum() ** power
    return p.float()


@mutant("softmax(power * log counts): power 0 gives 0 * -inf = NaN for unseen ids")
def noise_distribution(counts, power=0.75):
    # "a word with count 0 gets probability 0, whatever the power (careful: in torch 0 ** 0 == 1,
    # so power=0 must give a uniform distribution over the words that occur"
    return torch.softmax(power * torch.log(counts.double()), dim=0).float()


@alternative("softmax over power * log(count), with -inf logits for the count-0 ids")
def noise_distribution(counts, power=0.75):
    # "P_n(w) = #w^p / sum_w' #w'^p"; "a word with count 0 gets probability 0, whatever the power"
    c = counts.double()
    logits = torch.full_like(c, float("-inf"))
    seen = c > 0
    logits[seen] = power * torch.log(c[seen])
    return torch.softmax(logits, dim=0).to(torch.float32)


@alternative("unigram probabilities first, then the power and a renormalisation")
def noise_distribution(counts, power=0.75):
    # "P_n(w) = #w^p / sum #w'^p": (#w / N)^p / sum (#w' / N)^p is the same distribution
    c = counts.to(torch.float64)
    unigram = c / c.sum()
    p = torch.where(c > 0, unigram.pow(power), torch.zeros_like(unigram))
    return (p / p.sum()).float()


@alternative("numpy round trip, moved back with .to(counts.device)")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,) on the same device"
    c = counts.detach().cpu().numpy().astype(np.float64)
    p = np.zeros_like(c)
    p[c > 0] = c[c > 0] ** power
    return torch.from_numpy(p / p.sum()).to(device=counts.device, dtype=torch.float32)


@alternative("a float64 clone changed in place with a boolean mask")
def noise_distribution(counts, power=0.75):
    # "leaves counts as it was": in-place work on a copy is fine
    p = counts.detach().clone().to(torch.float64)
    seen = p > 0
    p[seen] = p[seen] ** power
    p[~seen] = 0.0
    p /= p.sum()
    return p.to(torch.float32)


@alternative("float32 arithmetic: torch.where(counts > 0, counts.float() ** power, 0)")
def noise_distribution(counts, power=0.75):
    # "returns a float32 tensor (V,) on the same device that sums to 1"
    c = counts.float()
    p = torch.where(c > 0, c ** power, torch.zeros((), device=c.device))
    return p / p.sum()


# ----------------------------------------------------------------------------------------------
# Exercise 5: sgns_loss
# ----------------------------------------------------------------------------------------------

@mutant("torch.log(torch.sigmoid(x)): -inf for very negative scores")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "torch.log(torch.sigmoid(x)) is not safe: in float32, torch.sigmoid(x) rounds to exactly 0 for very negative x"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = (u.unsqueeze(1) * W_out[negatives]).sum(-1)
    return (-torch.log(torch.sigmoid(pos)) - torch.log(torch.sigmoid(-neg)).sum(-1)).mean()


@mutant("the k negative terms averaged instead of summed")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "the negatives' terms are summed"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = (u.unsqueeze(1) * W_out[negatives]).sum(-1)
    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).mean(-1)).mean()


@mutant("summed over the batch instead of averaged")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "returns the mean over the batch of l(w, o)"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = (u.unsqueeze(1) * W_out[negatives]).sum(-1)
    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).sum()


@mutant("tables swapped: centre vectors from W_out, context and negative vectors from W_in")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "Centre vectors come from W_in, context and negative vectors from W_out."
    u = W_out[centre]
    pos = (u * W_in[context]).sum(-1)
    neg = (u.unsqueeze(1) * W_in[negatives]).sum(-1)
    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()


@mutant("scores clamped to [-6, 6] before logsigmoid (word2vec.c's MAX_EXP)")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "returns the mean over the batch of l(w, o) above"; "the hidden checks use scores far below that"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1).clamp(-6, 6)
    neg = (u.unsqueeze(1) * W_out[negatives]).sum(-1).clamp(-6, 6)
    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()


@mutant("log(sigmoid(x) + 1e-10): finite, but wrong for very negative scores")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "use torch.nn.functional.logsigmoid. torch.log(torch.sigmoid(x)) is not safe"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = (u.unsqueeze(1) * W_out[negatives]).sum(-1)
    eps = 1e-10
    return (-torch.log(torch.sigmoid(pos) + eps) - torch.log(torch.sigmoid(-neg) + eps).sum(-1)).mean()


@mutant("returns float32 whatever the weights' dtype")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "as a 0-dimensional tensor of the weights' dtype"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = (u.unsqueeze(1) * W_out[negatives]).sum(-1)
    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean().float()


@mutant("bmm(...).squeeze() drops the k axis when k = 1, so the 'sum over negatives' sums the batch")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "negatives: int64 (B, k), the k negative samples of each pair"; "the negatives' terms are summed"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.bmm(W_out[negatives], u.unsqueeze(-1)).squeeze()
    return (-F.logsigmoid(pos)).mean() - F.logsigmoid(-neg).sum(-1).mean()


@mutant("sign of the negative scores dropped: log sigma(u . v_n) instead of log sigma(-u . v_n)")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "l(w, o) = -log sigma(u_w^T v_o) - sum_i log sigma(-u_w^T v_{n_i})"
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = (u.unsqueeze(1) * W_out[negatives]).sum(-1)
    return (-F.logsigmoid(pos) - F.logsigmoid(neg).sum(-1)).mean()


@mutant("context and negative vectors read from W_out.detach(): no gradient into W_out")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "differentiable with respect to W_in and W_out (never .item(), .detach() or .data inside)"
    table = W_out.detach()
    u = W_in[centre]
    pos = (u * table[context]).sum(-1)
    neg = (u.unsqueeze(1) * table[negatives]).sum(-1)
    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()


@alternative("binary_cross_entropy_with_logits: targets 1 for the context, 0 for the negatives")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "l(w, o) = -log sigma(u.v_o) - sum log sigma(-u.v_n)": the logistic loss of 'true or noise?'
    u = W_in[centre]
    pos = (u * W_out[context]).sum(-1)
    neg = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    pos_term = F.binary_cross_entropy_with_logits(pos, torch.ones_like(pos), reduction="none")
    neg_term = F.binary_cross_entropy_with_logits(neg, torch.zeros_like(neg), reduction="none").sum(-1)
    return (pos_term + neg_term).mean()


@alternative("softplus: -log sigma(x) = softplus(-x)")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "l(w, o) = -log sigma(u.v_o) - sum log sigma(-u.v_n)"
    u = W_in[centre]
    pos = torch.sum(u * W_out[context], dim=1)
    neg = torch.bmm(W_out[negatives], u.unsqueeze(2)).squeeze(2)
    return (F.softplus(-pos) + F.softplus(neg).sum(dim=1)).mean()


@alternative("one (B, 1 + k) block of candidates with signs +1 / -1, logsigmoid summed per row")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "tell the true context o apart from k negative samples"
    candidates = torch.cat([context.unsqueeze(1), negatives], dim=1)
    scores = torch.einsum("bd,bcd->bc", F.embedding(centre, W_in), F.embedding(candidates, W_out))
    signs = torch.ones_like(scores)
    signs[:, 1:] = -1
    return -F.logsigmoid(signs * scores).sum(dim=1).sum() / centre.shape[0]


@alternative("float64 intermediate, cast back to the weights' dtype")
def sgns_loss(centre, context, negatives, W_in, W_out):
    # "as a 0-dimensional tensor of the weights' dtype, differentiable with respect to W_in and W_out"
    u = W_in[centre].double()
    v_o = W_out[context].double()
    v_n = W_out[negatives].double()
    pos = (u * v_o).sum(-1)
    neg = (v_n @ u.unsqueeze(-1)).squeeze(-1)
    loss = -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1))
    return loss.mean().to(W_in.dtype)


# ----------------------------------------------------------------------------------------------
# Exercise 6: nearest_neighbours
# ----------------------------------------------------------------------------------------------

@mutant("drops the first result instead of the query's row")
def nearest_neighbours(embeddings, words, query, k):
    # "the query itself is excluded -- by its row, not by taking the first result off the list
    # (another word may have an identical vector)"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    q = words.index(query)
    cos = np.zeros(len(E))
    np.divide(E @ E[q], norms * norms[q], out=cos, where=norms * norms[q] > 0)
    order = np.argsort(-cos, kind="stable")[1:k + 1]
    return [(words[i], float(cos[i])) for i in order]


@mutant("no guard for zero vectors: their cosine is NaN")
def nearest_neighbours(embeddings, words, query, k):
    # "a zero vector has cosine 0 with every word, never NaN"
    E = np.asarray(embeddings, dtype=np.float64)
    q = words.index(query)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = E @ E[q] / (np.linalg.norm(E, axis=1) * np.linalg.norm(E[q]))
    order = [i for i in np.argsort(-cos, kind="stable") if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("np.argsort(-cos) with the default (unstable) sort: ties not by lower index")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first (a stable sort of the negated cosines does this)"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    q = words.index(query)
    cos = np.zeros(len(E))
    np.divide(E @ E[q], norms * norms[q], out=cos, where=norms * norms[q] > 0)
    order = np.argsort(-cos)
    order = order[order != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("ascending argsort reversed: ties go to the higher index first")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    q = words.index(query)
    cos = np.zeros(len(E))
    np.divide(E @ E[q], norms * norms[q], out=cos, where=norms * norms[q] > 0)
    order = np.argsort(cos, kind="stable")[::-1]
    order = order[order != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("np.argpartition for the top k, then a stable sort: an arbitrary member of a tie at the k-th place")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    q = words.index(query)
    cos = np.zeros(len(E))
    np.divide(E @ E[q], norms * norms[q], out=cos, where=norms * norms[q] > 0)
    cos_wo = cos.copy()
    cos_wo[q] = -np.inf
    top = np.argpartition(-cos_wo, k - 1)[:k]
    top = top[np.argsort(-cos_wo[top], kind="stable")]
    return [(words[i], float(cos[i])) for i in top]


@mutant("cosines returned as 0-d torch tensors (torch.nn.functional.cosine_similarity)")
def nearest_neighbours(embeddings, words, query, k):
    # "cosine a number (a Python float or a numpy scalar such as np.float64, not a 0-d array or tensor)"
    E = torch.from_numpy(np.asarray(embeddings, dtype=np.float64))
    q = words.index(query)
    norms = E.norm(dim=1)
    denom = norms * norms[q]
    cos = torch.where(denom > 0, (E @ E[q]) / torch.where(denom > 0, denom, torch.ones_like(denom)),
                      torch.zeros_like(denom))
    order = [i for i in np.argsort(-cos.numpy(), kind="stable") if i != q][:k]
    return [(words[i], cos[i]) for i in order]


@mutant("a list of [word, cosine] lists instead of (word, cosine) tuples")
def nearest_neighbours(embeddings, words, query, k):
    # "returns a list of k tuples (word, cosine)"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    q = words.index(query)
    cos = np.zeros(len(E))
    np.divide(E @ E[q], norms * norms[q], out=cos, where=norms * norms[q] > 0)
    order = np.argsort(-cos, kind="stable")
    order = order[order != q][:k]
    return [[words[i], float(cos[i])] for i in order]


@mutant("returns a tuple of pairs instead of a list")
def nearest_neighbours(embeddings, words, query, k):
    # "returns a list of k tuples (word, cosine)"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    q = words.index(query)
    cos = np.zeros(len(E))
    np.divide(E @ E[q], norms * norms[q], out=cos, where=norms * norms[q] > 0)
    order = np.argsort(-cos, kind="stable")
    order = order[order != q][:k]
    return tuple((words[i], float(cos[i])) for i in order)


@mutant("ranked by the dot product, cosine reported: long vectors rank first")
def nearest_neighbours(embeddings, words, query, k):
    # "Two words are similar when their vectors point the same way: the cosine similarity ... ignores length"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    q = words.index(query)
    dots = E @ E[q]
    cos = np.zeros(len(E))
    np.divide(dots, norms * norms[q], out=cos, where=norms * norms[q] > 0)
    order = np.argsort(-dots, kind="stable")
    order = order[order != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("1e-8 added to the norms to avoid dividing by 0: wrong cosines for short vectors")
def nearest_neighbours(embeddings, words, query, k):
    # "cos(a, b) = a^T b / (||a|| ||b||)"; "a zero vector has cosine 0" (only a zero vector is special)
    E = np.asarray(embeddings, dtype=np.float64)
    unit = E / (np.linalg.norm(E, axis=1, keepdims=True) + 1e-8)
    q = words.index(query)
    cos = unit @ unit[q]
    order = np.argsort(-cos, kind="stable")
    order = order[order != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@alternative("rows normalised first (zero rows stay zero), then one matrix-vector product")
def nearest_neighbours(embeddings, words, query, k):
    # "cos(a, b) = a^T b / (||a|| ||b||)"; "a zero vector has cosine 0 with every word"
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    unit = np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)
    q = words.index(query)
    cos = unit @ unit[q]
    candidates = np.delete(np.arange(len(E)), q)
    best = candidates[np.argsort(-cos[candidates], kind="stable")[:k]]
    return [(words[i], float(cos[i])) for i in best]


@alternative("sklearn's cosine_similarity and np.lexsort (index as the secondary key)")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first"
    from sklearn.metrics.pairwise import cosine_similarity

    E = np.asarray(embeddings, dtype=np.float64)
    q = words.index(query)
    cos = cosine_similarity(E, E[q:q + 1])[:, 0]
    index = np.arange(len(E))
    order = np.lexsort((index, -cos))
    order = order[order != q][:k]
    return [(words[int(i)], cos[int(i)]) for i in order]


@alternative("Python's sorted(..., reverse=True), which keeps equal keys in their original order")
def nearest_neighbours(embeddings, words, query, k):
    # "ties (equal cosines) go to the lower row index first"
    import math

    q = words.index(query)
    rows = [list(map(float, row)) for row in np.asarray(embeddings)]
    nq = math.sqrt(sum(x * x for x in rows[q]))
    cosines = []
    for i, row in enumerate(rows):  # noqa: B007 (the blind author's code, kept as written)
        n = math.sqrt(sum(x * x for x in row))
        cosines.append(sum(a * b for a, b in zip(row, rows[q])) / (n * nq) if n > 0 and nq > 0 else 0.0)  # noqa: B905 (the blind author's code, kept as written)
    ranked = sorted((i for i in range(len(rows)) if i != q), key=lambda i: cosines[i], reverse=True)
    return [(words[i], cosines[i]) for i in ranked[:k]]


@alternative("computed in the embeddings' own dtype (float32 stays float32), cosines as np.float32 scalars")
def nearest_neighbours(embeddings, words, query, k):
    # "cosine a number (a Python float or a numpy scalar such as np.float64 ...), compared with the
    # reference to a relative tolerance of 10^-5"
    E = np.asarray(embeddings)
    q = words.index(query)
    norms = np.linalg.norm(E, axis=1)
    denom = norms * norms[q]
    cos = np.zeros(len(E), dtype=E.dtype)
    np.divide(E @ E[q], denom, out=cos, where=denom > 0)
    order = np.argsort(-cos, kind="stable")
    order = order[order != q][:k]
    return [(words[i], cos[i]) for i in order]


@alternative("torch on the CPU, cosines handed back with .item()")
def nearest_neighbours(embeddings, words, query, k):
    # "cosine a number (a Python float ...)"
    E = torch.as_tensor(np.asarray(embeddings), dtype=torch.float64)
    q = words.index(query)
    norms = E.norm(dim=1, keepdim=True)
    unit = torch.where(norms > 0, E / torch.where(norms > 0, norms, torch.ones_like(norms)), torch.zeros_like(E))
    cos = unit @ unit[q]
    keep = torch.tensor([i for i in range(len(E)) if i != q])
    order = keep[torch.sort(-cos[keep], stable=True).indices[:k]]
    return [(words[int(i)], cos[i].item()) for i in order]


@alternative("words taken from np.array(words)[order] (numpy str_, a subclass of str)")
def nearest_neighbours(embeddings, words, query, k):
    # "word is the entry of words (a str)"
    E = np.asarray(embeddings, dtype=np.float64)
    names = np.array(words)
    q = int(np.flatnonzero(names == query)[0])
    norms = np.linalg.norm(E, axis=1)
    cos = np.zeros(len(E))
    np.divide(E @ E[q], norms * norms[q], out=cos, where=norms * norms[q] > 0)
    order = np.argsort(-cos, kind="stable")
    order = order[order != q][:k]
    return list(zip(names[order], cos[order]))  # noqa: B905 (the blind author's code, kept as written)


# ----------------------------------------------------------------------------------------------
# Exercise 7: smoothed_bow
# ----------------------------------------------------------------------------------------------

@mutant("drops the first column of each sorted row, assuming a word is its own nearest neighbour")
def smoothed_bow(bow, similarity, k):
    # "N_k(j): the k largest entries of row j, never j itself whatever s_jj is"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    top = np.argsort(-S, axis=1, kind="stable")[:, 1:k + 1]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S[rows, top], 0.0)
    return (bow + bow @ N).astype(np.float32)


@mutant("neighbours found down the columns (argsort along axis 0): word j's neighbours are read from column j")
def smoothed_bow(bow, similarity, k):
    # "row j holds word j's similarities s_j. (it need not be symmetric)"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=0, kind="stable")[:k, :]           # (k, V): the k best rows of each column
    N = np.zeros((V, V))
    cols = np.arange(V)[None, :]
    N[cols, top] = np.maximum(S[top, cols], 0.0)
    return (bow + bow @ N).astype(np.float32)


@mutant("neighbours chosen from row j, weights read from s_nj (the column)")
def smoothed_bow(bow, similarity, k):
    # "N_jn = max(s_jn, 0) for n in N_k(j)"; "row j holds word j's similarities (it need not be symmetric)"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S.T[rows, top], 0.0)
    return (bow + bow @ N).astype(np.float32)


@mutant("ties go to the higher index (ascending argsort reversed)")
def smoothed_bow(bow, similarity, k):
    # "ties go to the lower index (a stable sort of the negated row)"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(S, axis=1, kind="stable")[:, ::-1][:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S[rows, top], 0.0)
    return (bow + bow @ N).astype(np.float32)


@mutant("negative similarities not clipped: they subtract from the neighbour's count")
def smoothed_bow(bow, similarity, k):
    # "negative similarities add nothing (weight max(s_jn, 0))"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = S[rows, top]
    return (bow + bow @ N).astype(np.float32)


@mutant("np.fill_diagonal on np.asarray(similarity): the caller's float64 matrix is changed")
def smoothed_bow(bow, similarity, k):
    # "leave both arrays as they were (a caller may reuse them: work on a copy, e.g. np.array(similarity),
    # before np.fill_diagonal)"
    S = np.asarray(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S[rows, top], 0.0)
    return (bow + bow @ N).astype(np.float32)


@mutant("returns B N: the word's own count is lost")
def smoothed_bow(bow, similarity, k):
    # "the word's own count stays"; "B~ = B (I + N)"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S[rows, top], 0.0)
    return (bow @ N).astype(np.float32) if k > 0 else bow.astype(np.float32)


@mutant("a word may be its own neighbour (the diagonal is not excluded)")
def smoothed_bow(bow, similarity, k):
    # "N_k(j): the k largest entries of row j, never j itself whatever s_jj is"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S[rows, top], 0.0)
    return (bow + bow @ N).astype(np.float32)


@mutant("the smoothing term uses word presence (bow > 0), not the counts")
def smoothed_bow(bow, similarity, k):
    # "b~ = b + sum_j b_j sum_n max(s_jn, 0) e_n" -- weighted by the count b_j
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S[rows, top], 0.0)
    return (bow + (bow > 0).astype(np.float64) @ N).astype(np.float32)


@mutant("np.argsort(-S, axis=1) with the default (unstable) sort: ties not by lower index")
def smoothed_bow(bow, similarity, k):
    # "ties go to the lower index (a stable sort of the negated row)"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=1)[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.maximum(S[rows, top], 0.0)
    return (bow + bow @ N).astype(np.float32)


@alternative("diagonal set to 0 instead of -inf: the word can only displace neighbours of weight 0, and adds 0 itself")
def smoothed_bow(bow, similarity, k):
    # "negative similarities add nothing (weight max(s_jn, 0))"; "never j itself"
    S = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(S, 0.0)
    V = S.shape[0]
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    N = np.zeros((V, V))
    rows = np.arange(V)[:, None]
    N[rows, top] = np.clip(S[rows, top], 0.0, None)
    np.fill_diagonal(N, 0.0)
    return (bow + bow @ N).astype(np.float32)


@alternative("a Python loop over the words with sorted() on (-s, n)")
def smoothed_bow(bow, similarity, k):
    # "N_k(j): the k largest entries of row j, never j itself ...; ties go to the lower index"
    S = np.asarray(similarity, dtype=np.float64)
    V = S.shape[0]
    N = np.zeros((V, V))
    for j in range(V):
        ranked = sorted((n for n in range(V) if n != j), key=lambda n: (-S[j, n], n))
        for n in ranked[:k]:
            N[j, n] = max(S[j, n], 0.0)
    return (np.asarray(bow, dtype=np.float64) @ (np.eye(V) + N)).astype(np.float32)


@alternative("np.take_along_axis / np.put_along_axis on a masked copy")
def smoothed_bow(bow, similarity, k):
    # "work on a copy, e.g. np.array(similarity), before np.fill_diagonal"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    masked = np.where(np.eye(V, dtype=bool), -np.inf, S)
    top = np.argsort(-masked, axis=1, kind="stable")[:, :k]
    N = np.zeros_like(S)
    np.put_along_axis(N, top, np.maximum(np.take_along_axis(S, top, axis=1), 0.0), axis=1)
    out = bow.astype(np.float64) + bow.astype(np.float64) @ N
    return out.astype(np.float32)


@alternative("only positive similarities are candidates (the others would add 0 anyway)")
def smoothed_bow(bow, similarity, k):
    # "negative similarities add nothing (weight max(s_jn, 0))"
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(V), order.shape[1])
    cols = order.ravel()
    w = S[rows, cols]
    keep = w > 0
    N = scipy.sparse.csr_matrix((w[keep], (rows[keep], cols[keep])), shape=(V, V))
    return np.asarray(bow + (scipy.sparse.csr_matrix(bow) @ N).toarray(), dtype=np.float32)


@alternative("k = 0 returns bow itself; otherwise a scipy.sparse N")
def smoothed_bow(bow, similarity, k):
    # "k = 0 returns the counts unchanged"
    if k == 0:
        return bow
    S = np.array(similarity, dtype=np.float64)
    V = S.shape[0]
    np.fill_diagonal(S, -np.inf)
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(V), k)
    N = scipy.sparse.coo_matrix((np.maximum(S[rows, top.ravel()], 0.0), (rows, top.ravel())), shape=(V, V)).tocsr()
    return (bow + N.T.dot(bow.T).T).astype(np.float32)
