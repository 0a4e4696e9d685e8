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
