"""Notebook 06: the encoder block is graded with a reference attention, so one bug costs one exercise.

The block calls the student's `attention`. Its graded check puts PyTorch's attention in that
name's place while it runs (visible part and hidden cases) and puts the student's back after the
cell, so a wrong `attention` loses exercise 1's points only, a wrong block still loses exercise
4's, and the feedback shows none of the hidden code. Graded through the real grader.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder import mutation, sandbox
from autograder.batch import grade_class
from autograder.course import Course
from autograder.grade import GradeOptions
from autograder.release import generate

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "06_transformers"

WRONG_ATTENTION = '''def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)  # no scaling by sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights'''

UNFINISHED_ATTENTION = '''def attention(q, k, v, mask=None):
    raise NotImplementedError()'''

WRONG_BLOCK = '''class EncoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.n_heads = n_heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, pad_mask=None):  # post-norm: LayerNorm after each residual
        n, length, d = x.shape
        q, k, v = (t.reshape(n, length, self.n_heads, -1).transpose(1, 2) for t in self.qkv(x).split(d, dim=-1))
        mask = None if pad_mask is None else pad_mask[:, None, None, :]
        merged, weights = attention(q, k, v, mask)
        x = self.norm1(x + self.out(merged.transpose(1, 2).reshape(n, length, d)))
        return self.norm2(x + self.mlp(x)), weights'''

# student -> the variants in the submission, and the points each check must get (None: less than full)
SUBMISSIONS: dict[str, tuple[list[tuple[str, str]], dict[str, float | None]]] = {
    "wrong_attention": ([("attention", WRONG_ATTENTION)],
                        {"test_attention": None, "test_EncoderBlock": 6.0}),
    "unfinished_attention": ([("attention", UNFINISHED_ATTENTION)],
                             {"test_attention": None, "test_EncoderBlock": 6.0}),
    "wrong_block": ([("EncoderBlock", WRONG_BLOCK)],
                    {"test_attention": 4.0, "test_EncoderBlock": None}),
    "both_wrong": ([("attention", WRONG_ATTENTION), ("EncoderBlock", WRONG_BLOCK)],
                   {"test_attention": None, "test_EncoderBlock": None}),
}


@pytest.fixture(scope="module")
def graded(course_cache: Path) -> tuple[Course, dict[str, Any]]:
    """Grade the submissions above (every other exercise solved), checks only."""
    course = Course(ROOT, course_cache)
    notebook = course.solution_notebooks(ASSIGNMENT)[0]
    shape = mutation.layout(notebook)
    work = Course(ROOT, course.work / "block-grading", course.caches)
    shutil.rmtree(work.work, ignore_errors=True)
    work.work.mkdir(parents=True)
    folder = work.work / "class"
    temp = generate(course, [ASSIGNMENT], work.work)
    try:
        release = temp / "release" / ASSIGNMENT / notebook.name
        for student, (variants, _) in SUBMISSIONS.items():
            batch = [mutation.Variant("mutant", name, student, source, cell=shape.defined_in[name])
                     for name, source in variants]
            target = folder / student / ASSIGNMENT / notebook.name
            target.parent.mkdir(parents=True)
            nbformat.write(mutation.submission(release, shape, batch), target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    options = GradeOptions(checks_only=True, sandboxed=sandbox.bwrap() is not None)
    results = grade_class(work, folder, ASSIGNMENT, options, workers=2, force=True).results
    return work, {r["student"]: r for r in results}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(SUBMISSIONS))
def test_an_attention_bug_costs_exercise_1_only(graded: tuple[Course, dict[str, Any]], student: str) -> None:
    _, results = graded
    checks = {name.rsplit("/", 1)[-1]: c for name, c in results[student]["checks"].items()}
    for check, points in SUBMISSIONS[student][1].items():
        got = checks[check]
        if points is None:
            assert got["points"] < got["max"], f"{student}: {check} kept full marks"
        else:
            assert got["points"] == points, f"{student}: {check} got {got['points']}: {got.get('note', '')}"
    others = {c: v for c, v in checks.items() if c not in SUBMISSIONS[student][1]}
    assert all(v["points"] == v["max"] for v in others.values()), f"{student}: {others}"


@pytest.mark.slow
def test_the_block_feedback_shows_no_hidden_code(graded: tuple[Course, dict[str, Any]]) -> None:
    course, _ = graded
    pages = {p.parts[-3]: html.unescape(re.sub(r"<[^>]*>", "", p.read_text()))
             for p in (course.work / "feedback").glob(f"*/{ASSIGNMENT}/*.html")}
    assert set(pages) == set(SUBMISSIONS)
    for student, text in pages.items():
        for secret in ("BEGIN HIDDEN TESTS", "reference_attention", "restore_attention", "post_run_cell",
                       "torch.cat([v, eye]", "block_case(", "from autograder.reference import"):
            assert secret not in text, f"{student}'s feedback shows {secret!r}"
    assert "vs nn.TransformerEncoderLayer" in pages["wrong_block"]  # a visible check's message
