# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # 01 · The streetlight: retrieval with hand-made features
#
# *From the Streetlight to CLIP — notebook 1 of 7*
#
# The lecture tells the story of the streetlight effect: a policeman finds a drunk man searching
# for his keys under a streetlight; he lost them in the park, but searches here because "this is
# where the light is". Image–text retrieval began the same way: we measure what is easy to measure
# (the colours of pixels, the words of captions) and hope the answer is there. **Retrieval is a scoring function** $F: \mathcal{I} \times \mathcal{L} \to
# \mathbb{R}$ that scores every image against every caption; we rank by the score. In this notebook
# you build $F$ from hand-made features, measure it honestly, and watch it succeed exactly where
# the light is — colour — and fail where the keys were lost: objects and relations.
#
# **Learning objectives.** After this notebook you can
# 1. state retrieval as a score matrix $S_{ij} = F(I_i, L_j)$ and read Recall@K and median rank in both directions;
# 2. write a rule-based $F$ and see why its ties make it weak;
# 3. build colour-bin image features $\psi(I)$ with k-means and bag-of-words caption features $\omega(L)$;
# 4. fit the linear co-occurrence model $F(I, L) = \sum_{ij} a_i\,\theta_{ij}\,b_j$ and score a whole test set with one matrix product;
# 5. explain the streetlight effect with a measurement, not an anecdote.
#
# **Time:** about 75 minutes. **Runs** in well under two minutes on a laptop CPU.
#
# | exercise | what you write | points |
# |---|---|---|
# | 1 | `rule_scores`: the lecture's red rule | 3 |
# | 2 | `kmeans`: RGB colour bins | 4 |
# | 3 | `colour_histograms`: $\psi(I)$ | 3 |
# | 4 | `bag_of_words`: $\omega(L)$ | 3 |
# | 5 | `cooccurrence_theta`: $\theta_{ij} = \#(i,j) / (\#i + \#j)$ | 4 |
# | 6 | `score_matrix`: $S = A\,\theta\,B^\top$ | 3 |
# | | **total** | **20** |
#
# Each exercise is followed by a locked check cell. Run it: it tells you what differed and how.
# When your notebook is graded, hidden checks also compare your functions with the reference
# solution on random inputs and edge cases (each named in your feedback, e.g. "non-square 2x3
# images"), so make them correct for everything the exercise's text promises, not just the example.
#
# **Limits when graded.** The grader stops a cell after 5 minutes and a kernel that uses more
# than 4 GB of memory. Either costs only the exercise whose cell caused it: the grader restarts
# the kernel and goes on with the remaining exercises.

# %% [markdown] nbgrader={"grade": false, "grade_id": "setup_md", "locked": true, "schema_version": 3, "solution": false}
# ## 0. Setup
#
# One cell for imports, the random seed and the device. This notebook works with numpy on the CPU;
# the device matters from notebook 04 on.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
# %matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import utils
from utils import checks, metrics, plots, results, scenes
from utils.text import build_vocabulary, tokenize

utils.set_seed(0)
device = utils.get_device()
print(f"device: {device} | grading: {utils.is_grading()}")

# %% tags=["parameters"]
SEED = 0              # every random choice below derives from it
N_BINS = 16           # k: the number of colour bins (k-means centroids)
KMEANS_PIXELS = 20_000  # pixels sampled from training images to fit the bins
KMEANS_ITERS = 25     # k-means iterations
FEATURE_SIZE = 32     # images are averaged down to 32x32 before counting colours
TOP_K = 5             # results shown per query

# %% [markdown]
# ## 1. The data: Scenes
#
# The course's default data set is **Scenes**: procedurally drawn 64×64 images of 1–3 objects
# (birds, boats, guitars, …) in a colour, on a background (sky, field, water, jungle, night, …),
# each with five captions written by a small grammar. Captions use synonyms ("boat", "ship"),
# hypernyms ("an animal"), verb forms ("perches", "perching"), relations ("above") and sometimes
# leave things out — like people do. The set is generated on your machine the first time (about
# 10 s of CPU time on the course's 2-core test machine) and cached.
#
# `train` has 8,000 images and 40,000 captions; `test` has 1,000 images and 5,000 captions.
# `data.caption_image[j]` is the index of the image that caption `j` describes.

# %%
train = scenes.load_scenes("train")
test = scenes.load_scenes("test")
print(f"train: {len(train)} images, {len(train.captions)} captions | "
      f"test: {len(test)} images, {len(test.captions)} captions")
first = [int(np.flatnonzero(test.caption_image == i)[0]) for i in range(12)]
plots.image_grid(test.images[:12], [test.captions[j] for j in first], ncols=6,
                 title="Scenes test images with one of their five captions")
plt.show()

# %% [markdown]
# ## 2. Retrieval is a score matrix
#
# For $N$ images and $M$ captions, a retrieval model is any function that fills the
# **score matrix** $S \in \mathbb{R}^{N \times M}$, $S_{ij} = F(I_i, L_j)$. Two tasks read it:
#
# * **text → image**: for caption $j$, rank the images by column $S_{:,j}$; the right answer is image `caption_image[j]`;
# * **image → text**: for image $i$, rank the captions by row $S_{i,:}$; any of its five captions is right, so the rank of the *best* of them counts.
#
# **Recall@K** (R@K) is the percentage of queries whose right answer is among the top $K$;
# the **median rank** is the rank of the right answer for the middle query (1 is perfect; with
# ties, its expected rank).
# With 1,000 test images, a random scorer gets text→image R@10 ≈ 1 % and median rank ≈ 500.
#
# **Ties.** Hand-made scores are often exactly equal. `utils.metrics` orders tied candidates
# uniformly at random and reports the exact *expected* value over that random order, so a
# scorer that cannot tell candidates apart gets chance level — never lucky 100 %, never an
# unlucky 0 %.

# %% [markdown]
# ## 3. Exercise 1 — the lecture's rule (3 points)
#
# The lecture's first retrieval function looks at one colour and one word:
#
# $$F(I, L) = \begin{cases}1 & \text{if } \#\text{red pixels}(I) > 0 \text{ and } \#\text{"red"}(L) > 0\\ 0 & \text{otherwise.}\end{cases}$$
#
# **Definitions.** The lecture does not say what a red pixel is; the course's definition:
# * A pixel $(r, g, b)$ (uint8, 0–255) is **red** when $r \ge 120$, $r \ge 3g$ and $r \ge 3b$.
#   The red shades of Scenes objects pass (e.g. (214, 30, 30)); the orange, brown and pink ones
#   fail $r \ge 3g$ or $r \ge 3b$ (e.g. orange (247, 138, 20), pink (246, 128, 178)).
# * $\#\text{red pixels}(I) > 0$: one red pixel is enough, however large the image.
# * $\#\text{"red"}(L)$ is the number of tokens of `tokenize(L)` equal to `"red"` (the provided
#   tokenizer lowercases and strips punctuation at word edges, so `"Red."` and `"(red)"` count;
#   `"reddish"` and `"red-eyed"` are other words).
#
# **Pitfall.** uint8 arithmetic wraps around: `np.uint8(100) * 3 == 44`. Convert to a wider
# integer type (e.g. `images.astype(np.int32)`) before multiplying.
#
# **Write** `rule_scores(images, captions)`:
# * `images`: `np.ndarray` of shape `(N, H, W, 3)`, dtype `uint8`;
# * `captions`: list of `M` strings;
# * returns a `np.ndarray` of shape `(N, M)`, dtype `float32`, with entries 0.0 or 1.0.
#
# Count the red pixels of all images at once (no Python loop over pixels).

# %% nbgrader={"grade": false, "grade_id": "rule_scores", "locked": false, "schema_version": 3, "solution": true}
def rule_scores(images: np.ndarray, captions: list[str]) -> np.ndarray:
    """The red rule F(I, L) for every image x caption pair: (N, M) float32 of 0/1."""
    ### BEGIN SOLUTION
    rgb = images.astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red_pixels = ((r >= 120) & (r >= 3 * g) & (r >= 3 * b)).sum(axis=(1, 2))
    red_words = np.array([tokenize(c).count("red") for c in captions])
    return ((red_pixels[:, None] > 0) & (red_words[None, :] > 0)).astype(np.float32)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rule_scores", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# Three 2x2 images and four captions (N != M, so a transposed answer shows up as a wrong shape).
# Image 0 has a red pixel. Image 1 has a pixel that only LOOKS red if uint8 arithmetic wraps
# around (3 * 100 = 300 -> 44), and an orange one. Image 2 has a pixel exactly on the boundary,
# (120, 40, 40): r >= 120, r >= 3g and r >= 3b all hold with equality, so it IS red.
tiny = np.zeros((3, 2, 2, 3), dtype=np.uint8)
tiny[0, 0, 0] = (220, 30, 30)    # red
tiny[1, 0, 0] = (250, 100, 10)   # orange-ish: 250 < 3 * 100, not red
tiny[1, 1, 1] = (240, 120, 20)   # orange
tiny[2, 1, 0] = (120, 40, 40)    # on the boundary: red (>=, not >)
caps = ["A red bird.", "a blue boat", "RED, red and red", "a reddish sky"]
out = rule_scores(tiny, caps)
checks.check_array(out, kind="ndarray", shape=(3, 4), dtype=np.float32, name="rule_scores(tiny, caps)")
checks.check_equal(out[:2], np.array([[1, 0, 1, 0], [0, 0, 0, 0]], dtype=np.float32),
                   name="rule_scores(tiny, caps) for images 0 and 1",
                   hint="count words with tokenize (it lowercases and strips punctuation), and widen "
                        "uint8 before multiplying")
checks.check_equal(out[2], np.array([1, 0, 1, 0], dtype=np.float32),
                   name="the row of image 2, whose only pixel (120, 40, 40) is on the boundary",
                   hint="the definition uses >=, not >")
print("Exercise 1: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution

rng = np.random.default_rng(101)
words = ["a", "red", "Red.", "blue", "bird", "reddish", "boat", "RED!", "sky", "red-eyed", "(red)"]


def random_case(n: int, m: int, h: int, w: int) -> dict:
    """Mostly dark random images (some have no red pixel) and random captions."""
    imgs = rng.integers(0, 256, size=(n, h, w, 3)).astype(np.uint8)
    imgs[rng.random((n, h, w)) < 0.9] //= 4
    capts = [" ".join(rng.choice(words, size=rng.integers(1, 6))) for _ in range(m)]
    return {"images": imgs, "captions": capts}


boundary = np.zeros((6, 1, 1, 3), dtype=np.uint8)
boundary[:, 0, 0] = [(120, 40, 40), (119, 39, 39), (150, 50, 10), (150, 51, 10), (150, 10, 50),
                     (200, 90, 10)]  # red, dim, r = 3g, r < 3g, r = 3b, wraps around in uint8
one_red = np.zeros((2, 16, 16, 3), dtype=np.uint8)
one_red[0, 9, 4] = (200, 20, 20)  # 1 red pixel of 256 (0.4 %): still a red image
cases = {
    "random images, 5 images x 7 captions": random_case(5, 7, 4, 4),
    "non-square 3x5 images, 9 images x 3 captions": random_case(9, 3, 3, 5),
    "one image, one caption": random_case(1, 1, 2, 2),
    "boundary pixels r = 120, r = 3g, r = 3b and uint8 wrap-around": {
        "images": boundary, "captions": ["red", "a red-eyed bird", "Red!"]},
    "captions with hyphens, brackets and an empty caption": {
        "images": boundary[:2], "captions": ["red-eyed", "(red)", "", "a RED. bird", "reddish red"]},
    "one red pixel in a 16x16 image is enough (#red pixels > 0)": {"images": one_red, "captions": ["red", "blue"]},
}
compare_with_solution("rule_scores", rule_scores, cases, exact=True)
### END HIDDEN TESTS

# %% [markdown]
# How does the rule do on the test set? Every image with a red pixel ties with every other such
# image for every caption that says "red" — and every caption without "red" ties with all images
# at 0. Keep that in mind when you read the numbers at the end.

# %%
with utils.skip_until_done():
    t0 = time.perf_counter()
    S_rule = rule_scores(test.images, test.captions)
    print(f"rule scores {S_rule.shape} in {time.perf_counter() - t0:.2f} s; "
          f"{(S_rule.max(axis=1) > 0).mean():.0%} of test images contain a red pixel; "
          f"{(S_rule.max(axis=0) > 0).mean():.0%} of test captions say 'red'")

# %% [markdown]
# ## 4. Exercise 2 — colour bins with k-means (4 points)
#
# One colour, one word is too little. The lecture's next step scores "RGB bins" against colour
# word counts: cut RGB space into $k$ **colour bins** and describe an image by how much of it falls
# into each bin. Its slide on features for vision says "RGB" and "kNN bins" without more detail;
# the course reads that as bins around $k$ centroids, each pixel going to its nearest one, and
# learns the centroids with **k-means** on pixels sampled from training images: each pixel belongs
# to its nearest centroid, and each centroid moves to the mean of its pixels.
#
# **Write** `kmeans(pixels, k, n_iter, seed)` exactly as follows (the checks compare your output
# with the reference implementation, so the details matter):
# 1. `pixels`: `np.ndarray` `(n, 3)` float32 (RGB in [0, 1]). Computing in float64 is the safer
#    choice: float32 rounding can break a near-tie differently from the reference. The checks'
#    inputs have no near-ties, so float32 arithmetic passes them too (measured).
# 2. **Initialisation:** `rng = np.random.default_rng(seed)`; the initial centroids are
#    `pixels[rng.choice(n, size=k, replace=False)]`.
# 3. **Repeat `n_iter` times** (`n_iter` may be 0):
#    * *assign* every pixel to the centroid with the smallest squared Euclidean distance (ties go to the lowest centroid index — `np.argmin` does this);
#    * *update* every centroid that received pixels to the mean of its pixels;
#    * **empty-cluster rule:** a centroid that received no pixel is moved onto the pixel that is
#      currently worst served — the pixel with the largest distance to its assigned centroid
#      (squared or not: the order is the same; measured before the update; ties → lowest pixel
#      index). Handle empty clusters in increasing index order — the lowest-numbered empty
#      centroid gets the worst pixel, the next one the second worst — and never give the same
#      pixel to two empty clusters.
# 4. **Return** `(centroids, labels)`: centroids `(k, 3)` float32 and `labels` `(n,)` int64, the
#    assignment of every pixel to the **final** centroids.
#
# Vectorise the assignment step: the distances from all pixels to all centroids are one
# `(n, k)` array ($\|x - c\|^2 = \|x\|^2 - 2x\cdot c + \|c\|^2$, or broadcasting). In float64
# both formulas give the same labels on the checks' inputs: exact ties there come only from equal
# centroids (duplicate pixels), which both formulas break alike.

# %% nbgrader={"grade": false, "grade_id": "kmeans", "locked": false, "schema_version": 3, "solution": true}
def kmeans(pixels: np.ndarray, k: int, n_iter: int = 25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k-means on (n, 3) pixels: returns ((k, 3) float32 centroids, (n,) int64 labels)."""
    ### BEGIN SOLUTION
    x = pixels.astype(np.float64)
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), size=k, replace=False)]

    def assign(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        return labels, d[np.arange(len(x)), labels]

    for _ in range(n_iter):
        labels, dist = assign(centroids)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros((k, 3))
        np.add.at(sums, labels, x)
        updated = centroids.copy()
        filled = counts > 0
        updated[filled] = sums[filled] / counts[filled, None]
        worst_first = np.argsort(-dist, kind="stable")
        for j, pixel in zip(np.flatnonzero(~filled), worst_first, strict=False):
            updated[j] = x[pixel]
        centroids = updated
    labels, _ = assign(centroids)
    return centroids.astype(np.float32), labels.astype(np.int64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_kmeans", "locked": true, "points": 4, "schema_version": 3, "solution": false}
# Two obvious clusters: k-means must find their means, whatever the initialisation.
two = np.array([[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [1.0, 1.0, 1.0], [0.9, 1.0, 1.0]], dtype=np.float32)
c, lab = kmeans(two, k=2, n_iter=10, seed=0)
checks.check_array(c, kind="ndarray", shape=(2, 3), dtype=np.float32, name="centroids")
checks.check_array(lab, kind="ndarray", shape=(4,), dtype=np.int64, name="labels")
order = np.argsort(c[:, 0])
checks.check_close(c[order], np.array([[0.05, 0, 0], [0.95, 1, 1]], dtype=np.float32), name="sorted centroids")
checks.check_equal(lab[[0, 2]] != lab[[1, 3]], np.array([False, False]), name="pixels 0,1 and 2,3 share a label")
# Empty clusters, one step by hand: five identical grey pixels and one red one, k=3, seed=1.
# The initial centroids are pixels 2, 1 and 4 — the same grey — so every pixel joins centroid 0
# (ties go to the lowest index) and centroids 1 and 2 get nothing. Centroid 0 moves to the mean
# of all six; the empty-cluster rule moves centroid 1 onto the worst-served pixel (the red one)
# and centroid 2 onto the next one (pixel 0: distance 0, ties go to the lowest pixel index).
dup = np.array([[0.2, 0.2, 0.2]] * 5 + [[0.9, 0.1, 0.1]], dtype=np.float32)
c, lab = kmeans(dup, k=3, n_iter=1, seed=1)
checks.check_close(c, np.array([[1.9 / 6, 1.1 / 6, 1.1 / 6], [0.9, 0.1, 0.1], [0.2, 0.2, 0.2]], dtype=np.float32),
                   rtol=1e-5, name="centroids after one step with two empty clusters",
                   hint="measure each pixel's distance to its centroid BEFORE the update")
checks.check_equal(lab, np.array([2, 2, 2, 2, 2, 1]), name="labels for the final centroids")
print("Exercise 2: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution

rng = np.random.default_rng(202)
centres = rng.random((5, 3))
blobs = (centres[rng.integers(0, 5, 300)] + 0.03 * rng.normal(size=(300, 3))).astype(np.float32)
# Four colours on a 1/16 grid, repeated: float32 sums and means of identical pixels are exact, so
# the zero distances that decide the worst-served ties are exact zeros in float32 too.
palette = np.random.default_rng(0)
few = np.repeat(palette.integers(0, 17, (4, 3)) / 16, [9, 5, 3, 1], axis=0).astype(np.float32)
few = few[palette.permutation(len(few))]
cases = {
    "five blobs": {"pixels": blobs, "k": 5, "n_iter": 20, "seed": 3},
    "uniform pixels, k = 7": {"pixels": rng.random((200, 3)).astype(np.float32), "k": 7, "n_iter": 8, "seed": 11},
    "duplicate pixels": {"pixels": np.repeat(rng.random((3, 3)), [20, 1, 1], axis=0).astype(np.float32),
                         "k": 3, "n_iter": 6, "seed": 0},
    "empty clusters: worst pixel measured before the update": {"pixels": few, "k": 6, "n_iter": 2, "seed": 0},
    "several empty clusters in one step, k = 7": {"pixels": few, "k": 7, "n_iter": 3, "seed": 2},
    "n_iter = 0: labels for the initial centroids": {"pixels": blobs[:40], "k": 4, "n_iter": 0, "seed": 5},
}
compare_with_solution("kmeans", kmeans, cases, rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# Fit the bins on pixels sampled from the training images. Each centroid is a colour: the
# swatches below are the $k$ "words" of our visual vocabulary.

# %%
with utils.skip_until_done():
    rng = np.random.default_rng(SEED)
    train_small = train.resized(FEATURE_SIZE)                      # (8000, 32, 32, 3) uint8
    all_pixels = train_small.reshape(-1, 3)
    sample = all_pixels[rng.choice(len(all_pixels), size=KMEANS_PIXELS, replace=False)]
    t0 = time.perf_counter()
    centroids, _ = kmeans(sample.astype(np.float32) / 255.0, k=N_BINS, n_iter=KMEANS_ITERS, seed=SEED)
    print(f"k-means on {KMEANS_PIXELS} pixels, k={N_BINS}: {time.perf_counter() - t0:.2f} s")

    fig, ax = plt.subplots(figsize=(10, 1.4))
    ax.imshow(centroids[None, :, :], aspect="auto")
    ax.set_xticks(range(N_BINS), [str(i) for i in range(N_BINS)])
    ax.set_yticks([])
    ax.set_xlabel("colour bin i")
    ax.set_title(f"The {N_BINS} colour bins (k-means centroids of training pixels)")
    plt.show()

# %% [markdown]
# ## 5. Exercise 3 — colour-bin features $\psi(I)$ (3 points)
#
# An image's feature vector $a = \psi(I) \in \mathbb{R}^k$ is its **normalised histogram over the
# bins**: $a_i$ is the fraction of its pixels whose nearest centroid is $i$.
#
# **Write** `colour_histograms(images, centroids, chunk=200)`:
# * `images`: `(N, H, W, 3)` uint8; use pixel values `images / 255` (RGB in [0, 1]);
# * `centroids`: `(k, 3)` float32;
# * nearest centroid by squared Euclidean distance, ties → lowest index (as in `kmeans`); float32
#   or float64 distances both do (the checks' inputs have no near-ties between different centroids);
# * `chunk`: how many images to process at a time; the result must not depend on it;
# * returns `(N, k)` float32 whose rows sum to 1.
#
# 8,000 images × 1,024 pixels × 16 bins is 131 million distances: process the images in chunks so
# memory stays small, and count with `np.bincount` or a one-hot sum. **Memory is part of the
# contract:** on 2,000 images of 32×32 pixels with 16 bins your function may allocate at most
# 256 MB at its peak (the check measures it). What float64 chunks cost, measured with that
# check's tool: 200 images at a time peak at 83 MB with $(n, k)$ distance arrays (the expansion
# formula $\|x\|^2 - 2x\cdot c + \|c\|^2$, or the squared differences summed one channel at a
# time) and at 131 MB with the $(n, k, 3)$ broadcast `x[:, None, :] - c[None]`; 500 at a time at
# 207 MB and 328 MB (the broadcast then fails the check); 1,000 at a time at 414 MB and 656 MB.
# Without chunks, the 8,000 training images below would need about 8 times the last pair — 3 to
# 5 GB — and the grader stops a kernel above 4 GB.

# %% nbgrader={"grade": false, "grade_id": "colour_histograms", "locked": false, "schema_version": 3, "solution": true}
def colour_histograms(images: np.ndarray, centroids: np.ndarray, chunk: int = 200) -> np.ndarray:
    """psi(I): each image's normalised histogram over the colour bins, (N, k) float32."""
    ### BEGIN SOLUTION
    n, k = len(images), len(centroids)
    c = centroids.astype(np.float64)
    out = np.zeros((n, k), dtype=np.float32)
    for start in range(0, n, chunk):
        x = images[start:start + chunk].reshape(-1, 3).astype(np.float64) / 255.0
        d = sum((x[:, ch, None] - c[None, :, ch]) ** 2 for ch in range(3))  # (pixels, k), channel by channel
        labels = d.argmin(axis=1).reshape(len(images[start:start + chunk]), -1)
        rows = np.arange(len(labels))[:, None] * k + labels
        counts = np.bincount(rows.ravel(), minlength=len(labels) * k).reshape(-1, k)
        out[start:start + chunk] = counts / labels.shape[1]
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_colour_histograms", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# A 2x3 image (not square!) with four black pixels and two white ones, and bins black / grey-ish / white.
img = np.zeros((1, 2, 3, 3), dtype=np.uint8)
img[0, 1, 1:] = 255
bins = np.array([[0, 0, 0], [0.4, 0.4, 0.4], [1, 1, 1]], dtype=np.float32)
h = colour_histograms(img, bins)
checks.check_array(h, kind="ndarray", shape=(1, 3), dtype=np.float32, name="colour_histograms(img, bins)")
checks.check_close(h, np.array([[4 / 6, 0.0, 2 / 6]], dtype=np.float32), name="histogram of the 2x3 image",
                   hint="divide by the number of pixels, H * W")
many = colour_histograms(np.random.default_rng(0).integers(0, 256, (7, 5, 4, 3)).astype(np.uint8), bins)
checks.check_close(many.sum(axis=1), np.ones(7, dtype=np.float32), rtol=1e-5, name="row sums of 7 random 5x4 images")
# Memory is part of the contract: 2,000 images of 32x32 pixels may use at most 256 MB at the peak
# (the 8,000 training images below then stay well under the grader's 4 GB limit).
big = np.random.default_rng(1).integers(0, 256, (2000, 32, 32, 3)).astype(np.uint8)
checks.check_peak_memory(lambda: colour_histograms(big, np.random.default_rng(2).random((16, 3)).astype(np.float32)),
                         limit_mb=256, name="colour_histograms on 2,000 32x32 images with 16 bins")
del big
print("Exercise 3: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution

rng = np.random.default_rng(303)
cases = {
    "random 16x16 images, 5 bins": {"images": rng.integers(0, 256, (6, 16, 16, 3)).astype(np.uint8),
                                    "centroids": rng.random((5, 3)).astype(np.float32)},
    "non-square 2x3 images": {"images": rng.integers(0, 256, (4, 2, 3, 3)).astype(np.uint8),
                              "centroids": rng.random((6, 3)).astype(np.float32)},
    "more bins than pixels per image": {"images": rng.integers(0, 256, (3, 2, 2, 3)).astype(np.uint8),
                                        "centroids": rng.random((12, 3)).astype(np.float32)},
    "equal centroids: ties go to the lowest index": {"images": np.full((2, 4, 4, 3), 128, np.uint8),
                                                     "centroids": np.array([[0.5, 0.5, 0.5]] * 2, np.float32)},
    "one bin": {"images": rng.integers(0, 256, (2, 3, 3, 3)).astype(np.uint8),
                "centroids": rng.random((1, 3)).astype(np.float32)},
    "1,203 images: more than one chunk": {"images": rng.integers(0, 256, (1203, 2, 2, 3)).astype(np.uint8),
                                          "centroids": rng.random((4, 3)).astype(np.float32)},
    "chunk = 7 on 30 images: the result does not depend on the chunk": {
        "images": rng.integers(0, 256, (30, 3, 4, 3)).astype(np.uint8), "centroids": rng.random((5, 3)).astype(np.float32),
        "chunk": 7},
}
compare_with_solution("colour_histograms", colour_histograms, cases, rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %%
with utils.skip_until_done():
    t0 = time.perf_counter()
    A_train_images = colour_histograms(train_small, centroids)
    A_test = colour_histograms(test.resized(FEATURE_SIZE), centroids)
    print(f"psi for {len(A_train_images) + len(A_test)} images in {time.perf_counter() - t0:.2f} s")

# %% [markdown]
# ## 6. Exercise 4 — bag-of-words features $\omega(L)$ (3 points)
#
# A caption's feature vector $b = \omega(L) \in \mathbb{R}^V$ counts how often each vocabulary
# word occurs in it: word order is thrown away (a *bag* of words). The vocabulary is built from
# the training captions (`build_vocabulary`, every word seen at least twice); stemming —
# "perches" vs "perch" — is notebook 02's job.
#
# **Write** `bag_of_words(captions, vocabulary)`:
# * `captions`: list of `M` strings; tokenize each with the provided `tokenize` (any whitespace —
#   spaces, tabs, newlines — separates words);
# * `vocabulary`: list of `V` distinct words; column `j` counts the tokens equal to `vocabulary[j]`
#   (an exact match: tokens are lowercase, so a vocabulary word with a capital letter counts nothing);
# * tokens not in the vocabulary are ignored;
# * returns `(M, V)` float32 counts (an empty list of captions gives shape `(0, V)`).
#
# Look words up in a `dict` (word → column), not with `list.index` or `in` on the list (that is
# $O(V)$ per token). A hidden check passes `vocabulary` as a list that counts how often it is
# searched or read: the count must not grow with the number of tokens.

# %% nbgrader={"grade": false, "grade_id": "bag_of_words", "locked": false, "schema_version": 3, "solution": true}
def bag_of_words(captions: list[str], vocabulary: list[str]) -> np.ndarray:
    """omega(L): word counts of each caption over the vocabulary, (M, V) float32."""
    ### BEGIN SOLUTION
    column = {word: j for j, word in enumerate(vocabulary)}
    out = np.zeros((len(captions), len(vocabulary)), dtype=np.float32)
    for i, caption in enumerate(captions):
        for token in tokenize(caption):
            j = column.get(token)
            if j is not None:
                out[i, j] += 1
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_bag_of_words", "locked": true, "points": 3, "schema_version": 3, "solution": false}
vocab = ["red", "bird", "a", "boat"]
bow = bag_of_words(["A red bird, a RED boat.", "two owls"], vocab)
checks.check_array(bow, kind="ndarray", shape=(2, 4), dtype=np.float32, name="bag_of_words(captions, vocab)")
checks.check_equal(bow, np.array([[2, 1, 2, 1], [0, 0, 0, 0]], dtype=np.float32),
                   name='bag_of_words(["A red bird, a RED boat.", "two owls"])',
                   hint="split captions with the provided tokenize (lowercase, punctuation stripped at word edges)")
hyphens = bag_of_words(["A hot-air balloon isn't red."], ["hot-air", "hot", "air", "isn't", "red"])
checks.check_equal(hyphens, np.array([[1, 0, 0, 1, 1]], dtype=np.float32),
                   name='bag_of_words(["A hot-air balloon isn\'t red."], ...)',
                   hint="tokenize keeps hyphens and apostrophes inside words: use it, not your own split")
print("Exercise 4: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution

rng = np.random.default_rng(404)
pool = ["a", "the", "red", "Bird", "bird.", "boat", "perches", "in", "jungle!", "two", "owls,"]
cases = {
    "random captions": {"captions": [" ".join(rng.choice(pool, size=rng.integers(0, 9))) for _ in range(12)],
                        "vocabulary": ["bird", "red", "the", "jungle", "owls", "zebra"]},
    "empty and blank captions, repeated words": {"captions": ["", "   ", "Red red RED red."], "vocabulary": ["red"]},
    "tokenize's rules: hyphens, apostrophes, digits": {
        "captions": ["A hot-air balloon isn't red.", "2 birds, 3 owls", "red-eyed 2nd bird's nest"],
        "vocabulary": ["hot-air", "hot", "air", "isn't", "isn", "2", "3", "red-eyed", "red", "eyed", "2nd",
                       "bird's", "bird"]},
    "no captions": {"captions": [], "vocabulary": ["red", "bird"]},
    "tabs and newlines separate words, as in tokenize": {
        "captions": ["a red\tbird", "two\nowls on\r\nthe boat", "red\t\tred"],
        "vocabulary": ["red", "bird", "owls", "boat", "a", "two"]},
    "vocabulary words are matched exactly (a capitalised word counts nothing)": {
        "captions": ["Red bird", "a RED boat"], "vocabulary": ["Red", "bird", "Boat"]},
}
compare_with_solution("bag_of_words", bag_of_words, cases, exact=True)


class CountingList(list):
    """A list that counts the calls that search or read it (index, count, in, iteration, [i])."""

    def __init__(self, items):
        super().__init__(items)
        self.calls = 0

    def index(self, *args):
        self.calls += 1
        return super().index(*args)

    def count(self, *args):
        self.calls += 1
        return super().count(*args)

    def __contains__(self, item):
        self.calls += 1
        return super().__contains__(item)

    def __iter__(self):
        self.calls += 1
        return super().__iter__()

    def __getitem__(self, index):
        self.calls += 1
        return super().__getitem__(index)


def vocabulary_reads(fn, few, many, vocabulary):
    """Whether `fn` reads the vocabulary list as often for `many` tokens as for `few` (a dict lookup)."""
    counts = []
    for caption in (few, many):
        words = CountingList(vocabulary)
        fn([caption], words)
        counts.append(words.calls)
    return counts[0] == counts[1]


compare_with_solution("bag_of_words", bag_of_words, {
    "dict lookups: the vocabulary list is not searched once per token": {
        "few": "a red bird", "many": " ".join(["a red bird on the boat"] * 40),
        "vocabulary": ["bird", "red", "the", "boat", "owls"]}}, run=vocabulary_reads, exact=True)
### END HIDDEN TESTS

# %%
with utils.skip_until_done():
    vocabulary = build_vocabulary(train.captions, min_count=2)
    B_train = bag_of_words(train.captions, vocabulary)
    B_test = bag_of_words(test.captions, vocabulary)
    print(f"vocabulary: {len(vocabulary)} words; B_train {B_train.shape}, B_test {B_test.shape}")
    print("most frequent:", ", ".join(vocabulary[:20]))

# %% [markdown]
# ## 7. Exercise 5 — the linear co-occurrence model (4 points)
#
# The lecture's model scores an image–caption pair by how often their features occurred
# *together* in the training pairs:
#
# $$F(I, L) = \sum_{i=1}^{k}\sum_{j=1}^{V} a_i\,\theta_{ij}\,b_j, \qquad a = \psi(I),\; b = \omega(L).$$
#
# With $P$ training pairs $(a^{(p)}, b^{(p)})$ stacked as rows of $A \in \mathbb{R}^{P\times k}$ and
# $B \in \mathbb{R}^{P\times V}$:
#
# * $\#(i,j) = \sum_p a^{(p)}_i\, b^{(p)}_j$ — how much bin $i$ and word $j$ co-occur (that is $A^\top B$);
# * $\#i = \sum_p a^{(p)}_i$ and $\#j = \sum_p b^{(p)}_j$ — how common each is on its own;
# * $\theta_{ij} = \dfrac{\#(i,j)}{\#i + \#j}$, and $\theta_{ij} = 0$ where $\#i + \#j = 0$.
#
# The lecture states it with counts: *Times (blue, “a”) co-occurred in training data divided by
# sum of times blue occurred in visual training data and “a” occurred in language training data.* Our
# image features are fractions, not counts, so the course generalises a count to a sum of products
# — with 0/1 features it is the lecture's count. The denominator punishes features that are common
# everywhere (the sky-blue bin, the word "a").
#
# **Worked example** ($P = 3$ pairs, $k = 2$ bins, $V = 3$ words "red", "blue", "bird"):
#
# $$A = \begin{pmatrix}1 & 0\\ 0.5 & 0.5\\ 0 & 1\end{pmatrix},\quad
#   B = \begin{pmatrix}1 & 0 & 1\\ 0 & 1 & 1\\ 0 & 1 & 0\end{pmatrix}\quad\Rightarrow\quad
#   \#(i,j) = A^\top B = \begin{pmatrix}1 & 0.5 & 1.5\\ 0 & 1.5 & 0.5\end{pmatrix},\;
#   \#i = (1.5,\ 1.5),\; \#j = (1,\ 2,\ 2),$$
#
# $$\theta = \begin{pmatrix}1/2.5 & 0.5/3.5 & 1.5/3.5\\ 0/2.5 & 1.5/3.5 & 0.5/3.5\end{pmatrix}
#          = \begin{pmatrix}0.4 & 0.1429 & 0.4286\\ 0 & 0.4286 & 0.1429\end{pmatrix}.$$
#
# Bin 0 ("reddish") goes with "red", bin 1 with "blue"; "bird" leans to bin 0 only because the
# one red thing in this tiny data set happened to be a bird. Co-occurrence cannot tell the two apart.
#
# **Write** `cooccurrence_theta(A, B)`: `A` `(P, k)`, `B` `(P, V)`, non-negative, of any real dtype
# (integer counts too, uint8 included: convert them to a float type *before* multiplying — integer
# products wrap around, as in exercise 1) → `(k, V)` float32. $\theta_{ij} = 0$ where
# $\#i + \#j = 0$, and exactly the formula everywhere else — no small epsilon added to the
# denominator and no threshold below which it counts as 0: features may be of any scale (the
# checks include features of about $10^{-12}$; float32 arithmetic is precise enough there, its
# products lose precision only for features below about $10^{-19}$).
#
# No loops: a hidden check counts the Python lines one call of your function runs, and there must
# be as many for $k = 3$ bins and $V = 4$ words as for $k = 30$ and $V = 40$.

# %% nbgrader={"grade": false, "grade_id": "cooccurrence_theta", "locked": false, "schema_version": 3, "solution": true}
def cooccurrence_theta(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """theta_ij = #(i,j) / (#i + #j) over paired rows of A (P, k) and B (P, V); (k, V) float32."""
    ### BEGIN SOLUTION
    A = A.astype(np.float32)
    B = B.astype(np.float32)
    joint = A.T @ B
    denominator = A.sum(axis=0)[:, None] + B.sum(axis=0)[None, :]
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, joint / safe, 0.0).astype(np.float32)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cooccurrence_theta", "locked": true, "points": 4, "schema_version": 3, "solution": false}
A_ex = np.array([[1, 0], [0.5, 0.5], [0, 1]], dtype=np.float32)
B_ex = np.array([[1, 0, 1], [0, 1, 1], [0, 1, 0]], dtype=np.float32)
theta_ex = cooccurrence_theta(A_ex, B_ex)
checks.check_array(theta_ex, kind="ndarray", shape=(2, 3), dtype=np.float32, name="theta")
checks.check_close(theta_ex, np.array([[0.4, 0.5 / 3.5, 1.5 / 3.5], [0.0, 1.5 / 3.5, 0.5 / 3.5]], dtype=np.float32),
                   rtol=1e-5, name="theta of the worked example")
# a bin and a word that never occur: theta must be 0 there, not NaN
theta0 = cooccurrence_theta(np.array([[1.0, 0.0]], np.float32), np.array([[1.0, 0.0]], np.float32))
checks.check_close(theta0, np.array([[0.5, 0.0], [0.0, 0.0]], dtype=np.float32), name="theta with unused features")
# "any real dtype": integer counts work too
theta_int = cooccurrence_theta(np.array([[2, 0], [1, 1]]), np.array([[1, 0, 1], [0, 1, 1]]))
checks.check_array(theta_int, kind="ndarray", shape=(2, 3), dtype=np.float32, name="theta of integer A and B")
theta_u8 = cooccurrence_theta(np.array([[200]], np.uint8), np.array([[2]], np.uint8))
checks.check_close(theta_u8, np.array([[400 / 202]], dtype=np.float32), rtol=1e-5, name="theta of uint8 counts (200 * 2 = 400)",
                   hint="convert to a float type before multiplying: the uint8 product 200 * 2 wraps around to 144")
print("Exercise 5: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution

rng = np.random.default_rng(505)
cases = {
    "float32 histograms and word counts": {"A": rng.random((40, 6)).astype(np.float32),
                                           "B": rng.integers(0, 3, (40, 9)).astype(np.float32)},
    "float64 A, int64 B": {"A": rng.random((5, 3)), "B": rng.integers(0, 2, (5, 4))},
    "integer A and B": {"A": rng.integers(0, 4, (7, 3)), "B": rng.integers(0, 3, (7, 5))},
    "all zeros: theta is 0, not NaN": {"A": np.zeros((4, 2), np.float32), "B": np.zeros((4, 3), np.float32)},
    "one unused bin and one unused word": {"A": np.array([[1, 0, 2], [3, 0, 1]], np.float32),
                                           "B": np.array([[0, 1], [0, 2]], np.float32)},
    "tiny features (scale 1e-3): the exact formula, no epsilon": {
        "A": (1e-3 * rng.random((2, 4))).astype(np.float32), "B": (1e-3 * rng.random((2, 5))).astype(np.float32)},
    "uint8 counts: converted before the product (no wrap-around)": {
        "A": rng.integers(0, 256, (6, 3)).astype(np.uint8), "B": rng.integers(0, 256, (6, 4)).astype(np.uint8)},
}
compare_with_solution("cooccurrence_theta", cooccurrence_theta, cases, rtol=1e-5, atol=1e-12)
# theta scales with the features, so the tiny case is compared relatively (atol = 0)
compare_with_solution("cooccurrence_theta", cooccurrence_theta, {
    "features of scale 1e-12: no epsilon, no threshold on the denominator": {
        "A": 1e-12 * rng.random((3, 4)), "B": 1e-12 * rng.random((3, 5))}}, rtol=1e-5, atol=0.0)


def lines_run(fn, A, B):
    """How many Python lines of `fn`'s cell one call fn(A, B) runs (a loop runs its body again and again)."""
    import sys

    source = getattr(getattr(fn, "__code__", None), "co_filename", None)
    lines = 0

    def count(frame, event, arg):
        nonlocal lines
        if event == "line":
            lines += 1
        return count

    def enter(frame, event, arg):
        return count if frame.f_code.co_filename == source else None

    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        fn(A, B)
    finally:
        sys.settrace(previous)
    return lines


def no_loops(fn, small, large, seed):
    """Whether fn runs as many Python lines for (k, V) = large as for small (no loop over bins or words)."""
    g = np.random.default_rng(seed)
    runs = [lines_run(fn, g.random((5, k)).astype(np.float32), g.integers(0, 3, (5, v)).astype(np.float32))
            for k, v in (small, large)]
    return runs[0] == runs[1]


compare_with_solution("cooccurrence_theta", cooccurrence_theta, {
    "no loops: the Python lines one call runs do not grow with k and V": {
        "small": (3, 4), "large": (30, 40), "seed": 5}}, run=no_loops, exact=True)
### END HIDDEN TESTS

# %% [markdown]
# Fit $\theta$ on the 40,000 training pairs: every caption is paired with the colour histogram
# of its own image (`caption_image` says which).

# %%
with utils.skip_until_done():
    A_train = A_train_images[train.caption_image]        # (40000, k): one row per training pair
    theta = cooccurrence_theta(A_train, B_train)
    print(f"theta: {theta.shape}")
    show = [w for w in ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black",
                        "white", "grey", "sky", "water", "night", "bird", "boat", "guitar", "above")
            if w in vocabulary]
    cols = [vocabulary.index(w) for w in show]
    fig = plots.similarity_heatmap(theta[:, cols], row_labels=[f"bin {i}" for i in range(N_BINS)],
                                   col_labels=show, title="θ: colour bins × selected words",
                                   xlabel="word j", ylabel="colour bin i")
    ax = fig.axes[0]
    for i, colour in enumerate(centroids):  # paint each row label with its bin's colour
        ax.add_patch(plt.Rectangle((-1.6, i - 0.5), 0.9, 1.0, color=colour, clip_on=False))
    plt.show()

# %% [markdown]
# Read the heatmap row by row (a bin) and column by column (a word). Scene words ("sky",
# "water", "night") light up their background colours. The colour words of small objects
# ("red", "pink") barely stand out, and "bird", "boat", "guitar", "above" are spread thinly over
# the background bins. θ can only learn what the features can see; section 9 measures it.

# %% [markdown]
# ## 8. Exercise 6 — the score matrix (3 points)
#
# Scoring every test image against every test caption is one product of three matrices:
#
# $$S = A\,\theta\,B^\top, \qquad S_{nm} = \sum_{ij} A_{ni}\,\theta_{ij}\,B_{mj}.$$
#
# **Write** `score_matrix(A, theta, B)`: `A` `(N, k)`, `theta` `(k, V)`, `B` `(M, V)`, of any real
# dtype → `(N, M)` float32. Cast every input to float32 (or a wider float type, casting the
# result back) **before** multiplying: integer inputs, even uint8 ones, must not be multiplied as
# integers (uint8 products wrap around, as in exercise 1; the checks include uint8 inputs).
#
# **Which order?** The product is associative, so the order changes only the cost and the float32
# rounding (either order passes the checks). $(A\theta)B^\top$ costs $NkV + NVM$ multiply-adds,
# $A(\theta B^\top)$ costs $kVM + NkM$. With $k = 16$ bins, about 240 words, $N$ = 1,000 test images
# and $M$ = 5,000 test captions, the second is about 12 times cheaper: multiply $\theta B^\top$
# first (section 9 times both orders).
#
# **Why float32?** numpy sends float matrix products to BLAS (optimised, multi-threaded); integer
# products run in a plain loop. The next cell measures the difference on this machine.

# %%
rng = np.random.default_rng(SEED)
X = rng.integers(0, 3, (400, 400))
timings = {}
for name, dtype in (("int64", np.int64), ("float32", np.float32)):
    Xd = X.astype(dtype)
    t0 = time.perf_counter()
    for _ in range(3):
        Xd @ Xd
    timings[name] = (time.perf_counter() - t0) / 3
print(f"400x400 matrix product: int64 {1000 * timings['int64']:.1f} ms, "
      f"float32 {1000 * timings['float32']:.2f} ms ({timings['int64'] / timings['float32']:.0f}x)")

# %% nbgrader={"grade": false, "grade_id": "score_matrix", "locked": false, "schema_version": 3, "solution": true}
def score_matrix(A: np.ndarray, theta: np.ndarray, B: np.ndarray) -> np.ndarray:
    """S = A theta B^T for all images x captions, (N, M) float32."""
    ### BEGIN SOLUTION
    A = A.astype(np.float32)
    theta = theta.astype(np.float32)
    B = B.astype(np.float32)
    return A @ (theta @ B.T)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_score_matrix", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# The worked example of exercise 5 (theta written out, so this check does not need exercise 5),
# scored against four captions: N = 3 images, M = 4 captions.
A_ex = np.array([[1, 0], [0.5, 0.5], [0, 1]], dtype=np.float32)
B_ex = np.array([[1, 0, 1], [0, 1, 1], [0, 1, 0], [1, 1, 0]], dtype=np.float32)
theta_ex = np.array([[0.4, 0.5 / 3.5, 1.5 / 3.5], [0.0, 1.5 / 3.5, 0.5 / 3.5]], dtype=np.float32)
S_ex = score_matrix(A_ex, theta_ex, B_ex)
checks.check_array(S_ex, kind="ndarray", shape=(3, 4), dtype=np.float32, name="score_matrix(A, theta, B)")
checks.check_close(S_ex, (A_ex.astype(np.float64) @ theta_ex @ B_ex.T).astype(np.float32), rtol=1e-5,
                   name="S for the worked example")
checks.check_value(float(S_ex[0, 0]), 0.4 + 1.5 / 3.5, rtol=1e-5, name="S[0, 0] (red bin, 'red bird')")
S_int = score_matrix(np.ones((2, 2), np.int64), np.ones((2, 3), np.int64), np.ones((4, 3), np.int64))
checks.check_dtype(S_int, np.float32, name="score_matrix of integer inputs")
S_u8 = score_matrix(np.full((1, 1), 200, np.uint8), np.full((1, 1), 2, np.uint8), np.ones((1, 1), np.uint8))
checks.check_close(S_u8, np.array([[400.0]], dtype=np.float32), name="score_matrix of uint8 inputs (200 * 2 = 400)",
                   hint="cast to float32 before multiplying: the uint8 product 200 * 2 wraps around to 144")
print("Exercise 6: visible checks passed.")
### BEGIN HIDDEN TESTS
from autograder.reference import compare_with_solution

rng = np.random.default_rng(606)
cases = {
    "float32, 7 images x 9 captions": {"A": rng.random((7, 4)).astype(np.float32),
                                       "theta": rng.random((4, 6)).astype(np.float32),
                                       "B": rng.integers(0, 3, (9, 6)).astype(np.float32)},
    "integer A and B, float64 theta": {"A": rng.integers(0, 5, (3, 2)), "theta": rng.random((2, 5)),
                                       "B": rng.integers(0, 2, (4, 5))},
    "one image, one caption": {"A": rng.random((1, 3)).astype(np.float32), "theta": rng.random((3, 2)).astype(np.float32),
                               "B": rng.random((1, 2)).astype(np.float32)},
    "uint8 inputs: cast to float32 before multiplying (no wrap-around)": {
        "A": rng.integers(0, 256, (3, 4)).astype(np.uint8), "theta": rng.integers(0, 256, (4, 5)).astype(np.uint8),
        "B": rng.integers(0, 256, (6, 5)).astype(np.uint8)},
}
compare_with_solution("score_matrix", score_matrix, cases, rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Results: three scorers side by side
#
# We compare the rule, the colour-bin co-occurrence model and a random scorer on the 1,000 test
# images and 5,000 test captions, in both directions.

# %%
with utils.skip_until_done():
    t0 = time.perf_counter()
    S_colour = score_matrix(A_test, theta, B_test)
    print(f"colour-bin scores {S_colour.shape} in {time.perf_counter() - t0:.2f} s")
    (N, k), (V, M) = A_test.shape, B_test.T.shape
    A32, theta32, B32 = (m.astype(np.float32) for m in (A_test, theta, B_test))
    for order, multiply, cost in (("(A theta) B^T", lambda: (A32 @ theta32) @ B32.T, N * k * V + N * V * M),
                                  ("A (theta B^T)", lambda: A32 @ (theta32 @ B32.T), k * V * M + N * k * M)):
        t0 = time.perf_counter()
        for _ in range(3):
            multiply()
        print(f"  {order}: {cost / 1e6:,.0f} million multiply-adds, {1000 * (time.perf_counter() - t0) / 3:.0f} ms")
    S_random = np.random.default_rng(SEED).random(S_colour.shape).astype(np.float32)
    scorers = {"random": S_random, "red rule": S_rule, "colour bins": S_colour}
    table = {name: metrics.retrieval_metrics(S, test.caption_image) for name, S in scorers.items()}
    display(metrics.metrics_table(table, keys=("t2i_R@1", "t2i_R@5", "t2i_R@10", "t2i_medr",
                                               "i2t_R@1", "i2t_R@5", "i2t_R@10", "i2t_medr", "rsum")))

# %% [markdown]
# ### The streetlight effect, measured
#
# Where does the colour-bin model find its keys? Two lenses.
#
# **Lens 1 — whole captions, grouped by the words they use** (`scenes.query_groups`, each test
# caption in exactly one group): **relation** — names two objects and a relation ("a bird
# above a boat"); **colour** — names an object and a colour; **object** — names an object but no
# colour; **scene** — names no object at all ("a starry night"). For each group, text→image R@10:
# how often the *exact* image is in the top 10.

# %%
with utils.skip_until_done():
    groups = scenes.query_groups(test.captions)
    t2i_hits = {name: metrics.text_to_image_ranks(S, test.caption_image).recall(10) for name, S in scorers.items()}
    by_group = {name: {g: 100 * float(hits[mask].mean()) for g, mask in groups.items() if mask.any()}
                for name, hits in t2i_hits.items()}
    print("captions per group: " + ", ".join(f"{g} {int(mask.sum())}" for g, mask in groups.items()))
    plots.group_bars(by_group, title="Text→image R@10 by caption group (Scenes test)",
                     ylabel="R@10 (%)", chance=100 * 10 / len(test))

# %% [markdown]
# Finding the exact image is hard even for a perfect colour detector: 160 of the 1,000 test images
# show a red object (printed below), so "a red bird" has well over a hundred candidates. **Lens 2 asks a
# fairer question: single-word queries.** Score every test image against a caption made of one
# word ("jungle", "red", "owl") and count how many of the top 10 images actually show it — a
# scene, an object of that colour, an object of that class — against the base rate of a random
# pick.

# %%
with utils.skip_until_done():
    attributes = scenes.image_attributes(test)
    WORD_KINDS = {"scene words": "scene", "colour words": "colour", "object words": "object"}
    red_boxes = [(x1 - x0) * (y1 - y0) / (64 * 64) for objects in test.objects for o in objects
                 if o.colour == "red" for x0, y0, x1, y1 in [o.box]]
    print(f"test images showing a red object: {int(attributes['colour']['red'].sum())} of {len(test)}; "
          f"a red object's bounding box covers {100 * np.mean(red_boxes):.1f} % of its 64x64 image on average")


    def single_word_precision(A_images: np.ndarray, theta: np.ndarray) -> dict[str, float]:
        """Precision@10 (%) of one-word queries, averaged per word kind."""
        out = {}
        for label, kind in WORD_KINDS.items():
            words = [w for w in attributes[kind] if w in vocabulary]
            S_words = score_matrix(A_images, theta, bag_of_words(words, vocabulary))   # (1000, n_words)
            top10 = np.argsort(-S_words, axis=0, kind="stable")[:10]                    # (10, n_words)
            shown = np.stack([attributes[kind][w] for w in words], axis=1)             # (1000, n_words)
            out[label] = 100 * float(np.take_along_axis(shown, top10, axis=0).mean())
        return out


    base_rate = {label: 100 * float(np.mean([m.mean() for w, m in attributes[kind].items() if w in vocabulary]))
                 for label, kind in WORD_KINDS.items()}
    precision = {"colour bins": single_word_precision(A_test, theta), "random pick (base rate)": base_rate}
    for label in WORD_KINDS:
        print(f"{label:>13}: precision@10 {precision['colour bins'][label]:5.1f} %   base rate {base_rate[label]:5.1f} %")
    plots.group_bars(precision, title="Single-word queries: how many of the top 10 images show the word?",
                     ylabel="precision@10 (%)")

# %% [markdown]
# **What the two figures say.**
#
# * **Scenes are right under the light.** A background is a large region of one colour, so a
#   scene word's bins dominate the histogram: single-word scene queries are perfect here
#   (precision@10 100 % against a base rate of 14.3 %), and scene captions have the best
#   text→image R@10 of the four groups (8.3 %).
# * **Objects are found only through their backgrounds.** Object words beat the base rate
#   (17.2 % against 8.2 %) because objects live in typical scenes — fish in water, planes in the
#   sky. The model learned the scene, not the shape.
# * **The colours of objects are barely lit.** A red object's bounding box covers 8.7 % of the
#   image on average, the object itself less. With area-normalised histograms, a big background bin
#   has a huge $\#i$ and co-occurs with every word, and $\theta_{ij} = \#(i,j)/(\#i+\#j)$ gives the
#   small red bin only a small edge for "red": colour queries are only a little above the base rate
#   (21.8 % against 14.8 %).
# * **Relations are lost in the dark.** A histogram has no positions: "a bird above a boat" and
#   "a boat above a bird" get exactly the same score, and the relation group sits at chance
#   (R@10 0.9 %, chance 1 %).
#
# That is the streetlight effect: the model is good at exactly what its features make easy to see.

# %% [markdown]
# ### Moving the light (optional, not graded)
#
# Where the light falls is a design decision. $\theta_{ij} = \#(i,j)/(\#i + \#j)$ adds two
# counts of different units: $\#i$ sums *fractions of images*, $\#j$ counts *words in captions*. Feed
# it raw pixel counts instead of fractions ($a \cdot 32^2$) and $\#i$ dwarfs $\#j$, so
# $\theta_{ij} \approx \#(i,j)/\#i$: the share of bin-$i$ pixels whose caption says word $j$.
# A small red bin that almost only appears with "red" now stands out. Same features, same
# formula, different scale — and a different streetlight:

# %%
with utils.skip_until_done():
    pixels_per_image = FEATURE_SIZE ** 2
    theta_counts = cooccurrence_theta(A_train * pixels_per_image, B_train)
    precision["colour bins, pixel counts"] = single_word_precision(A_test * pixels_per_image, theta_counts)
    for label in WORD_KINDS:
        print(f"{label:>13}: fractions {precision['colour bins'][label]:5.1f} %   "
              f"pixel counts {precision['colour bins, pixel counts'][label]:5.1f} %   base rate {base_rate[label]:5.1f} %")
    plots.group_bars({k: precision[k] for k in ("colour bins", "colour bins, pixel counts", "random pick (base rate)")},
                     title="Single-word precision@10: histogram fractions vs pixel counts",
                     ylabel="precision@10 (%)")

# %% [markdown]
# Measured above: with pixel counts, colour-word precision@10 rises from 21.8 % to 41.8 % (base
# rate 14.8 %), object words move from 17.2 % to 19.4 %, and scene words stay at 100 %. The light
# moved towards the colours of objects without leaving the scenes.

# %% [markdown]
# ### Looking at results
#
# A colour query, its top-5 images under the colour-bin model (the right image framed in green,
# the others in red), and that query's image with its top-5 captions. Notice that long captions
# win the second ranking: $S$ *sums* over words, so every extra word adds score.

# %%
with utils.skip_until_done():
    query = next(j for j, c in enumerate(test.captions) if "red" in tokenize(c))
    top = np.argsort(-S_colour[:, query], kind="stable")[:TOP_K]
    plots.query_results(test.captions[query], [test.images[i] for i in top], S_colour[top, query],
                        [i == test.caption_image[query] for i in top],
                        title=f'Colour bins: top-{TOP_K} images for "{test.captions[query]}"')

    image = int(test.caption_image[query])
    top = np.argsort(-S_colour[image], kind="stable")[:TOP_K]
    plots.query_results(test.images[image], [test.captions[j] for j in top], S_colour[image, top],
                        [test.caption_image[j] == image for j in top],
                        title=f"Colour bins: top-{TOP_K} captions for test image {image}")

# %% [markdown]
# ### Record your rung of the ladder
#
# Your test metrics are saved with `utils.results`; notebook 07 reads them back to draw the ladder
# you climb through the series (where a rung is missing, the solutions' own numbers stand in).

# %%
with utils.skip_until_done():
    for name, m in table.items():
        results.record("01_streetlight", name, m)
    print(f"recorded {list(table)} in {results.results_path()}")

# %% [markdown]
# ## What to remember
#
# * Retrieval is a score matrix $S = F(\text{images}, \text{captions})$; Recall@K and median rank read it both ways, with ties counted at chance.
# * A rule on one colour and one word ties almost everything: it can only split the test set in two (text→image R@10 1.3 %, random scores 0.9 %).
# * Colour bins + bag of words + co-occurrence $\theta_{ij} = \#(i,j)/(\#i+\#j)$ is a real, trainable linear model (text→image R@10 5.1 %), scored for a whole test set with one float32 product $A\theta B^\top$ — $\theta B^\top$ first: 99 million multiply-adds instead of 1,184 million.
# * It works **where the light is**: large colour regions — scenes (single-word precision@10 100 %) — and, more weakly, the colours of objects (21.8 % against a base rate of 14.8 %). Objects are found only through their typical backgrounds (17.2 % against 8.2 %), and relations not at all (R@10 0.9 %, chance 1 %) — not for lack of data, but because its features cannot see shapes or positions.
# * Next: notebook 02 looks harder at the words (tokens, stems, vocabulary size); notebooks 03–07 change what the features can see.

# %% [markdown]
# ## Sources
#
# * The lecture (`multimodal_lecture.txt`): the streetlight effect, lines 421–423; retrieval with text and image queries, lines 427–455; $F: \mathcal{I} \times \mathcal{L} \to \mathbb{R}$, the red rule and the RGB-bin model, lines 457–484; $\psi$, $\omega$ and $F_{(\psi, \omega)}$, lines 486–504; bag of words, lines 506–562; "RGB" / "kNN bins", lines 564–567; the linear model $\sum a_i \theta_{ij} b_j$ and its (blue, "a") co-occurrence weight, lines 600–630.
# * The course's own choices, not the lecture's: the red-pixel definition, k-means (Lloyd's algorithm) with its initialisation, tie and empty-cluster rules, fractions as image features, the co-occurrence of real-valued features as a sum of products, the tie rule of `utils.metrics`.
# * Scenes (`utils/scenes/`): the colour shades quoted in exercise 1 are `utils/scenes/vocabulary.py`'s `COLOURS`; the data set's sizes and the counts and percentages in the text come from this notebook's run.
# * numpy 2.4.6 (installed, run here): uint8 products wrap around (`np.uint8(100) * 3 == 44`); float matrix products go to BLAS (OpenBLAS 0.3.31 here), integer ones do not — the timings printed in sections 8 and 9 are measured on the machine that runs the notebook.
# * The memory figures of exercise 3 were measured with `utils.checks.check_peak_memory`'s tool (`tracemalloc`) on 2,000 random 32×32 images with 16 bins.
