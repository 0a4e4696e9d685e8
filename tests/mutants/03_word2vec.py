"""Notebook 03's mutants (wrong answers students write) and alternatives (right answers they write).

Graded through the real grader by tests/test_mutants.py: every mutant must lose points on its
exercise, every alternative must keep full marks (autograder/mutation.py explains the format).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch
import torch.nn.functional as F

from autograder.mutation import alternative, mutant

# ---------------------------------------------------------------- exercise 1: cooccurrence_counts


@mutant("counts each pair in one direction only (C is not symmetric)")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        np.add.at(C, (a[keep], b[keep]), 1)
    return C


@mutant("counts pairs with padding (id 0) too")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        np.add.at(C, (a, b), 1)
        np.add.at(C, (b, a), 1)
    return C


@mutant("window off by one: range(1, window)")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        np.add.at(C, (a[keep], b[keep]), 1)
        np.add.at(C, (b[keep], a[keep]), 1)
    return C


@mutant("flattens the rows into one stream: pairs cross from one text into the next")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64).ravel()
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:-d], ids[d:]
        keep = (a != 0) & (b != 0)
        np.add.at(C, (a[keep], b[keep]), 1)
        np.add.at(C, (b[keep], a[keep]), 1)
    return C


@mutant("removes padding first: blanked words no longer keep their position")
def cooccurrence_counts(token_ids, vocab_size, window):
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for row in np.asarray(token_ids).astype(np.int64):
        ids = row[row != 0]
        for d in range(1, window + 1):
            a, b = ids[:-d], ids[d:]
            np.add.at(C, (a, b), 1)
            np.add.at(C, (b, a), 1)
    return C


@mutant("only the pairs at distance exactly `window`")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    a, b = ids[:, :-window].ravel(), ids[:, window:].ravel()
    keep = (a != 0) & (b != 0)
    np.add.at(C, (a[keep], b[keep]), 1)
    np.add.at(C, (b[keep], a[keep]), 1)
    return C


@mutant("symmetrises with C + C.T - diag(C): a word next to itself counts once")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        np.add.at(C, (a[keep], b[keep]), 1)
    return C + C.T - np.diag(np.diag(C))


@mutant("returns int64 counts (np.bincount without a cast)")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    pairs = []
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        pairs += [a[keep] * vocab_size + b[keep], b[keep] * vocab_size + a[keep]]
    counts = np.bincount(np.concatenate(pairs), minlength=vocab_size * vocab_size)
    return counts.reshape(vocab_size, vocab_size)


@mutant("a scipy.sparse matrix of float64 counts")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    rows, cols = [], []
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return scipy.sparse.coo_matrix((np.ones(len(rows)), (rows, cols)),
                                   shape=(vocab_size, vocab_size)).tocsr()


@mutant("no widening: a * vocab_size + b in the ids' own dtype (uint8 wraps around)")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids)
    pairs = []
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        pairs += [a[keep] * vocab_size + b[keep], b[keep] * vocab_size + a[keep]]
    counts = np.bincount(np.concatenate(pairs).astype(np.int64), minlength=vocab_size * vocab_size)
    return counts.reshape(vocab_size, vocab_size).astype(np.float32)


@alternative("np.add.at into a dense float32 table")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids)
    C = np.zeros((vocab_size, vocab_size), dtype=np.float32)
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        np.add.at(C, (a[keep], b[keep]), 1.0)
        np.add.at(C, (b[keep], a[keep]), 1.0)
    return C


@alternative("a scipy.sparse CSR matrix of float32 counts (duplicates summed by tocsr)")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    rows, cols = [], []
    for d in range(1, window + 1):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a != 0) & (b != 0)
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return scipy.sparse.coo_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                   shape=(vocab_size, vocab_size)).tocsr()


@alternative("one-hot rows and shifted matrix products, float64 then cast")
def cooccurrence_counts(token_ids, vocab_size, window):
    ids = np.asarray(token_ids).astype(np.int64)
    onehot = np.eye(vocab_size)[ids]                       # (N, L, V)
    onehot[..., 0] = 0                                     # padding never counts
    C = np.zeros((vocab_size, vocab_size))
    for d in range(1, min(window, ids.shape[1] - 1) + 1):
        left = onehot[:, :-d].reshape(-1, vocab_size)
        right = onehot[:, d:].reshape(-1, vocab_size)
        C += left.T @ right + right.T @ left
    return C.astype(np.float32)


# ---------------------------------------------------------------- exercise 2: ppmi


@mutant("ignores alpha: P(c) without context-distribution smoothing")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    D = counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * D / (counts.sum(1, keepdims=True) * counts.sum(0, keepdims=True)))
    pmi = pmi - np.log(shift)
    return np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)


@mutant("smooths the word (row) distribution instead of the contexts")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    row = counts.sum(1, keepdims=True) ** alpha
    col = counts.sum(0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * row.sum() / (row * col)) - np.log(shift)
    return np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)


@mutant("smoothed context counts not renormalised: P_alpha(c) = #c^alpha / D")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    D = counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * D / (counts.sum(1, keepdims=True) * counts.sum(0, keepdims=True) ** alpha))
    pmi = pmi - np.log(shift)
    return np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)


@mutant("subtracts the shift k itself, not log k")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    row = counts.sum(1, keepdims=True)
    smoothed = counts.sum(0, keepdims=True) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * smoothed.sum() / (row * smoothed)) - shift
    return np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)


@mutant("clips at 0 before shifting (negative values come back)")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    row = counts.sum(1, keepdims=True)
    smoothed = counts.sum(0, keepdims=True) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * smoothed.sum() / (row * smoothed))
    return (np.where(counts > 0, np.maximum(pmi, 0), 0) - np.log(shift)).astype(np.float32)


@mutant("np.maximum(pmi, 0) keeps the NaN of empty rows and columns")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    row = counts.sum(1, keepdims=True)
    smoothed = counts.sum(0, keepdims=True) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * smoothed.sum() / (row * smoothed)) - np.log(shift)
    return np.maximum(pmi, 0).astype(np.float32)


@mutant("log base 2")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    row = counts.sum(1, keepdims=True)
    smoothed = counts.sum(0, keepdims=True) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log2(counts * smoothed.sum() / (row * smoothed)) - np.log2(shift)
    return np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)


@mutant("assumes symmetric counts: the context marginal from the row sums")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    row = counts.sum(1, keepdims=True)
    smoothed = row.T ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * smoothed.sum() / (row * smoothed)) - np.log(shift)
    return np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)


@mutant("returns float64")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts, dtype=np.float64)
    row = counts.sum(1, keepdims=True)
    smoothed = counts.sum(0, keepdims=True) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * smoothed.sum() / (row * smoothed)) - np.log(shift)
    return np.where(counts > 0, np.maximum(pmi, 0), 0)


@mutant("computes in the counts' own dtype (float16 sums overflow)")
def ppmi(counts, shift=1, alpha=0.75):
    counts = np.asarray(counts)
    counts = counts if counts.dtype.kind == "f" else counts.astype(np.float64)
    row = counts.sum(axis=1, keepdims=True)
    smoothed = counts.sum(axis=0, keepdims=True) ** alpha
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pmi = np.log(counts * smoothed.sum() / (row * smoothed)) - np.log(shift)
    return np.where(counts > 0, np.maximum(pmi, 0), 0).astype(np.float32)


@alternative("probabilities first, the logarithm only where the count is positive")
def ppmi(counts, shift=1, alpha=0.75):
    c = np.asarray(counts, dtype=np.float64)
    p_wc = c / c.sum()
    p_w = c.sum(axis=1) / c.sum()
    p_c = c.sum(axis=0) ** alpha
    p_c = p_c / p_c.sum()
    out = np.zeros_like(c)
    i, j = np.nonzero(c)
    out[i, j] = np.log(p_wc[i, j] / (p_w[i] * p_c[j])) - np.log(shift)
    return np.maximum(out, 0).astype(np.float32)


@alternative("float32 arithmetic, np.nan_to_num for the empty cells")
def ppmi(counts, shift=1, alpha=0.75):
    c = np.asarray(counts).astype(np.float32)
    total = c.sum()
    p_c = c.sum(0) ** np.float32(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c / total) - np.log(c.sum(1, keepdims=True) / total) - np.log(p_c / p_c.sum())
    pmi = np.nan_to_num(pmi - np.float32(np.log(shift)), nan=0.0, neginf=0.0, posinf=0.0)
    return np.maximum(pmi, 0).astype(np.float32)


# ---------------------------------------------------------------- exercise 3: svd_embeddings


@mutant("U Sigma (the 'correct' eig = 1) instead of U sqrt(Sigma)")
def svd_embeddings(matrix, dim):
    u, s, _ = scipy.sparse.linalg.svds(matrix.astype(np.float64), k=dim)
    order = np.argsort(-s)
    return (u[:, order] * s[order]).astype(np.float32)


@mutant("U alone (eig = 0)")
def svd_embeddings(matrix, dim):
    u, s, _ = scipy.sparse.linalg.svds(matrix.astype(np.float64), k=dim)
    return u[:, np.argsort(-s)].astype(np.float32)


@mutant("svds' increasing order kept")
def svd_embeddings(matrix, dim):
    u, s, _ = scipy.sparse.linalg.svds(matrix.astype(np.float64), k=dim)
    order = np.argsort(s)
    return (u[:, order] * np.sqrt(s[order])).astype(np.float32)


@mutant("the smallest singular values of a full SVD")
def svd_embeddings(matrix, dim):
    dense = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    u, s, _ = np.linalg.svd(dense.astype(np.float64), full_matrices=False)
    return (u[:, -dim:] * np.sqrt(s[-dim:])).astype(np.float32)


@mutant("np.linalg.svd straight on the input: fails on scipy.sparse")
def svd_embeddings(matrix, dim):
    u, s, _ = np.linalg.svd(matrix, full_matrices=False)
    return (u[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)


@mutant("V sqrt(Sigma): the context vectors (rows of Vt)")
def svd_embeddings(matrix, dim):
    dense = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    _, s, vt = np.linalg.svd(dense.astype(np.float64), full_matrices=False)
    return (vt[:dim].T * np.sqrt(s[:dim])).astype(np.float32)


@mutant("returns float64")
def svd_embeddings(matrix, dim):
    u, s, _ = scipy.sparse.linalg.svds(matrix.astype(np.float64), k=dim)
    order = np.argsort(-s)
    return u[:, order] * np.sqrt(s[order])


@mutant("svds on the float32 matrix (no float64)")
def svd_embeddings(matrix, dim):
    u, s, _ = scipy.sparse.linalg.svds(matrix.astype(np.float32), k=dim, random_state=0)
    order = np.argsort(-s)
    return (u[:, order] * np.sqrt(s[order])).astype(np.float32)


@alternative("full np.linalg.svd of the dense matrix")
def svd_embeddings(matrix, dim):
    dense = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    u, s, _ = np.linalg.svd(dense.astype(np.float64), full_matrices=False)
    return (u[:, :dim] * np.sqrt(s[:dim])).astype(np.float32)


@alternative("eigenvectors of M M^T: U, with sigma^(1/2) = eigenvalue^(1/4)")
def svd_embeddings(matrix, dim):
    dense = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    m = dense.astype(np.float64)
    values, vectors = np.linalg.eigh(m @ m.T)
    top = np.argsort(-values)[:dim]
    return (vectors[:, top] * np.maximum(values[top], 0) ** 0.25).astype(np.float32)


@alternative("torch.linalg.svd in float64")
def svd_embeddings(matrix, dim):
    dense = matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)
    u, s, _ = torch.linalg.svd(torch.from_numpy(dense.astype(np.float64)), full_matrices=False)
    return (u[:, :dim] * s[:dim].sqrt()).numpy().astype(np.float32)


# ---------------------------------------------------------------- exercise 4: noise_distribution


@mutant("0 ** 0 == 1: with power 0 every id gets mass, zero counts too")
def noise_distribution(counts, power=0.75):
    weights = counts.to(torch.float64) ** power
    return (weights / weights.sum()).to(torch.float32)


@mutant("not normalised")
def noise_distribution(counts, power=0.75):
    counts = counts.to(torch.float64)
    return torch.where(counts > 0, counts ** power, torch.zeros_like(counts)).to(torch.float32)


@mutant("divides by the sum of the raw counts")
def noise_distribution(counts, power=0.75):
    counts = counts.to(torch.float64)
    weights = torch.where(counts > 0, counts ** power, torch.zeros_like(counts))
    return (weights / counts.sum()).to(torch.float32)


@mutant("power ignored: the plain unigram distribution")
def noise_distribution(counts, power=0.75):
    counts = counts.to(torch.float64)
    return (counts / counts.sum()).to(torch.float32)


@mutant("keeps float64 for float64 counts")
def noise_distribution(counts, power=0.75):
    counts = counts if counts.is_floating_point() else counts.to(torch.float32)
    weights = torch.where(counts > 0, counts ** power, torch.zeros_like(counts))
    return weights / weights.sum()


@mutant("returns a numpy array")
def noise_distribution(counts, power=0.75):
    c = counts.cpu().numpy().astype(np.float64)
    weights = np.where(c > 0, c ** power, 0.0)
    return (weights / weights.sum()).astype(np.float32)


@mutant("pow_ in place on counts.float(): float32 counts of the caller are changed")
def noise_distribution(counts, power=0.75):
    weights = counts.float()
    zero = weights == 0
    weights.pow_(power)
    weights[zero] = 0.0
    return weights / weights.sum()


@mutant("the result moved to the CPU", needs="cuda")
def noise_distribution(counts, power=0.75):
    counts = counts.to(torch.float64).cpu()
    weights = torch.where(counts > 0, counts.pow(power), torch.zeros_like(counts))
    return (weights / weights.sum()).to(torch.float32)


@alternative("normalise, raise to the power, normalise again; masked_fill")
def noise_distribution(counts, power=0.75):
    p = counts.double() / counts.double().sum()
    weights = p.pow(power).masked_fill(counts == 0, 0.0)
    return (weights / weights.sum()).float()


@alternative("through numpy and back to the counts' device")
def noise_distribution(counts, power=0.75):
    c = counts.detach().cpu().numpy().astype(np.float64)
    weights = np.zeros_like(c)
    weights[c > 0] = c[c > 0] ** power
    return torch.from_numpy((weights / weights.sum()).astype(np.float32)).to(counts.device)


# ---------------------------------------------------------------- exercise 5: sgns_loss


@mutant("mean over the negatives instead of their sum")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]
    positive = (u * W_out[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).mean(-1)).mean()


@mutant("sum over the batch instead of the mean")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]
    positive = (u * W_out[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).sum()


@mutant("sign error: log sigma(+u.v_n) for the negatives")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]
    positive = (u * W_out[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(positive) + F.logsigmoid(negative).sum(-1)).mean()


@mutant("log(sigmoid(x)): -inf for very negative scores")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]
    positive = (u * W_out[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(torch.log(torch.sigmoid(positive)) + torch.log(torch.sigmoid(-negative)).sum(-1)).mean()


@mutant("one table for everything: contexts and negatives from W_in")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]
    positive = (u * W_in[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_in[negatives])
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()


@mutant("the tables swapped: centre vectors from W_out, contexts from W_in")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_out[centre]
    positive = (u * W_in[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_in[negatives])
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()


@mutant("W_out.detach(): no gradient reaches the context vectors")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]
    out = W_out.detach()
    positive = (u * out[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, out[negatives])
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()


@mutant("returns loss.item(), a Python float")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]
    positive = (u * W_out[context]).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_out[negatives])
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean().item()


@mutant("computes in float32 whatever the weights' dtype")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre].float()
    positive = (u * W_out[context].float()).sum(-1)
    negative = torch.einsum("bd,bkd->bk", u, W_out[negatives].float())
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()


@alternative("binary cross-entropy with logits on [positive, negatives] scores")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = W_in[centre]                                                   # (B, d)
    targets = torch.cat([context[:, None], negatives], dim=1)          # (B, 1 + k)
    scores = torch.bmm(W_out[targets], u[:, :, None]).squeeze(-1)      # (B, 1 + k)
    labels = torch.zeros_like(scores)
    labels[:, 0] = 1
    return F.binary_cross_entropy_with_logits(scores, labels, reduction="sum") / len(centre)


@alternative("softplus(-x) = -log sigma(x), F.embedding lookups")
def sgns_loss(centre, context, negatives, W_in, W_out):
    u = F.embedding(centre, W_in)
    v = F.embedding(context, W_out)
    n = F.embedding(negatives, W_out)
    positive = F.softplus(-(u * v).sum(dim=1))
    negative = F.softplus((n * u[:, None, :]).sum(dim=2)).sum(dim=1)
    return (positive + negative).mean()


# ---------------------------------------------------------------- exercise 6: nearest_neighbours


@mutant("the query is not excluded (it comes first)")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    cos = unit @ unit[words.index(query)]
    return [(words[i], float(cos[i])) for i in np.argsort(-cos, kind="stable")[:k]]


@mutant("dot product instead of cosine")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    q = words.index(query)
    dots = E @ E[q]
    order = [i for i in np.argsort(-dots, kind="stable") if i != q][:k]
    return [(words[i], float(dots[i])) for i in order]


@mutant("drops the first result instead of the query's own row")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    cos = unit @ unit[words.index(query)]
    return [(words[i], float(cos[i])) for i in np.argsort(-cos, kind="stable")[1:k + 1]]


@mutant("ties go to the higher index (a reversed ascending sort)")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    q = words.index(query)
    cos = unit @ unit[q]
    order = [i for i in np.argsort(cos, kind="stable")[::-1] if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("divides by zero norms: NaN cosines for zero vectors")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = E / np.linalg.norm(E, axis=1, keepdims=True)
    q = words.index(query)
    cos = unit @ unit[q]
    order = [i for i in np.argsort(-cos, kind="stable") if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("returns the words only, without their cosines")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    q = words.index(query)
    cos = unit @ unit[q]
    return [words[i] for i in np.argsort(-cos, kind="stable") if i != q][:k]


@mutant("smallest Euclidean distance instead of largest cosine")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    q = words.index(query)
    distance = np.linalg.norm(E - E[q], axis=1)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    cos = unit @ unit[q]
    order = [i for i in np.argsort(distance, kind="stable") if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@alternative("scikit-learn's cosine_similarity, sorted by (-cosine, index)")
def nearest_neighbours(embeddings, words, query, k):
    from sklearn.metrics.pairwise import cosine_similarity

    q = words.index(query)
    cos = cosine_similarity(np.asarray(embeddings, dtype=np.float64), np.asarray(embeddings, dtype=np.float64)[[q]])[:, 0]
    ranked = sorted((i for i in range(len(words)) if i != q), key=lambda i: (-cos[i], i))
    return [(words[i], float(cos[i])) for i in ranked[:k]]


@alternative("torch: a stable descending sort, the query masked with -inf")
def nearest_neighbours(embeddings, words, query, k):
    E = torch.as_tensor(np.asarray(embeddings), dtype=torch.float64)
    unit = E / E.norm(dim=1, keepdim=True).clamp_min(1e-300)
    q = words.index(query)
    cos = unit @ unit[q]
    masked = cos.clone()
    masked[q] = -float("inf")
    order = torch.sort(masked, descending=True, stable=True).indices[:k]
    return [(words[int(i)], float(cos[i])) for i in order]


@mutant("np.argsort's default (unstable) sort of the negated cosines: ties in any order")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    q = words.index(query)
    cos = unit @ unit[q]
    order = [i for i in np.argsort(-cos) if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("np.argpartition for the top k + 1, then an unstable sort of those")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    q = words.index(query)
    cos = unit @ unit[q]
    top = np.argpartition(-cos, k)[:k + 1]
    order = [i for i in top[np.argsort(-cos[top])] if i != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@mutant("torch.topk: ties in any order")
def nearest_neighbours(embeddings, words, query, k):
    E = torch.as_tensor(np.asarray(embeddings), dtype=torch.float64)
    unit = E / E.norm(dim=1, keepdim=True).clamp_min(1e-300)
    q = words.index(query)
    cos = unit @ unit[q]
    order = [int(i) for i in torch.topk(cos, k + 1).indices if int(i) != q][:k]
    return [(words[i], float(cos[i])) for i in order]


@alternative("words as numpy.str_ (indexing np.asarray(words)), cosines as np.float64")
def nearest_neighbours(embeddings, words, query, k):
    E = np.asarray(embeddings, dtype=np.float64)
    vocabulary = np.asarray(words)
    q = int(np.flatnonzero(vocabulary == query)[0])
    norms = np.linalg.norm(E, axis=1)
    cos = (E @ E[q]) / np.where(norms > 0, norms, 1.0) / max(norms[q], 1e-300)
    order = np.argsort(-cos, kind="stable")
    order = order[order != q][:k]
    return list(zip(vocabulary[order], cos[order], strict=True))


# ---------------------------------------------------------------- exercise 7: smoothed_bow


@mutant("a word counts as its own neighbour (diagonal not excluded)")
def smoothed_bow(bow, similarity, k):
    s = np.asarray(similarity, dtype=np.float64)
    nearest = np.argsort(-s, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    return (bow + bow @ spread).astype(np.float32)


@mutant("negative similarities not clipped at 0")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(-s, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = s[rows, nearest]
    return (bow + bow @ spread).astype(np.float32)


@mutant("column j instead of row j (the similarity transposed)")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64).T
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(-s, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    return (bow + bow @ spread).astype(np.float32)


@mutant("replaces the counts by the neighbours' (B N, without B)")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(-s, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    return (bow @ spread).astype(np.float32)


@mutant("ties go to the higher index")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(s, axis=1, kind="stable")[:, ::-1][:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    return (bow + bow @ spread).astype(np.float32)


@mutant("takes the k + 1 largest and drops the first, assuming it is the word itself")
def smoothed_bow(bow, similarity, k):
    s = np.asarray(similarity, dtype=np.float64)
    nearest = np.argsort(-s, axis=1, kind="stable")[:, 1:k + 1]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    return (bow + bow @ spread).astype(np.float32)


@mutant("the top k as [:, -k:] of an ascending sort: k = 0 selects every word")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(s, axis=1, kind="stable")[:, -k:]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    return (bow + bow @ spread).astype(np.float32)


@mutant("returns float64")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(-s, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    return bow.astype(np.float64) + bow.astype(np.float64) @ spread


@mutant("np.fill_diagonal on the caller's similarity matrix (modified in place)")
def smoothed_bow(bow, similarity, k):
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    rows = np.arange(len(similarity))[:, None]
    spread = np.zeros(similarity.shape)
    spread[rows, nearest] = np.maximum(similarity[rows, nearest], 0.0)
    bow = np.asarray(bow, dtype=np.float64)
    return (bow + bow @ spread).astype(np.float32)


@alternative("Python loops over words, sorted by (-similarity, index)")
def smoothed_bow(bow, similarity, k):
    s = np.asarray(similarity, dtype=np.float64)
    out = np.asarray(bow, dtype=np.float64).copy()
    for j in range(s.shape[0]):
        others = sorted((n for n in range(s.shape[1]) if n != j), key=lambda n: (-s[j, n], n))
        for n in others[:k]:
            out[:, n] += bow[:, j] * max(s[j, n], 0.0)
    return out.astype(np.float32)


@alternative("np.lexsort per row, float32 arithmetic")
def smoothed_bow(bow, similarity, k):
    s = np.asarray(similarity, dtype=np.float32)
    V = s.shape[0]
    spread = np.eye(V, dtype=np.float32)
    for j in range(V):
        candidates = np.array([n for n in range(V) if n != j], dtype=np.int64)
        ranked = candidates[np.lexsort((candidates, -s[j, candidates]))][:k]
        spread[j, ranked] += np.maximum(s[j, ranked], 0)
    return np.asarray(bow, dtype=np.float32) @ spread


@mutant("np.argsort's default (unstable) sort of the negated row: ties in any order")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(-s, axis=1)[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    bow = np.asarray(bow, dtype=np.float64)
    return (bow + bow @ spread).astype(np.float32)


@mutant("np.argsort(kind='heapsort') of the negated row: ties in any order")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    nearest = np.argsort(-s, axis=1, kind="heapsort")[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    bow = np.asarray(bow, dtype=np.float64)
    return (bow + bow @ spread).astype(np.float32)


@mutant("np.argpartition: the k largest of each row, ties in any order")
def smoothed_bow(bow, similarity, k):
    s = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(s, -np.inf)
    if k == 0:
        return np.asarray(bow, dtype=np.float32).copy()
    nearest = np.argpartition(-s, k - 1, axis=1)[:, :k]
    rows = np.arange(len(s))[:, None]
    spread = np.zeros_like(s)
    spread[rows, nearest] = np.maximum(s[rows, nearest], 0.0)
    bow = np.asarray(bow, dtype=np.float64)
    return (bow + bow @ spread).astype(np.float32)


@mutant("torch.topk of each row: ties in any order")
def smoothed_bow(bow, similarity, k):
    s = torch.tensor(np.asarray(similarity, dtype=np.float64))
    s.fill_diagonal_(-float("inf"))
    nearest = torch.topk(s, k, dim=1).indices
    spread = torch.zeros_like(s).scatter(1, nearest, s.gather(1, nearest).clamp_min(0.0))
    b = torch.tensor(np.asarray(bow, dtype=np.float64))
    return (b + b @ spread).numpy().astype(np.float32)

