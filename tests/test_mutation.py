"""The mutation harness itself (autograder/mutation.py): variants, packing, splicing, verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import mutation
from autograder.course import Course

SAMPLE = Path(__file__).parent / "fixtures" / "sample_course"
NOTEBOOK = SAMPLE / "solutions" / "01_sample" / "sample.ipynb"

VARIANTS = '''
from autograder.mutation import alternative, mutant


@mutant("first class")
class Thing:
    x = 1


@mutant("second class", check="test_cosine_scores")
class Thing:
    x = 2


class Box:
    @alternative("nested in a namespace")
    def normalize_rows(x):
        return x
'''


def test_each_variant_keeps_its_own_source_classes_included(tmp_path: Path) -> None:
    path = tmp_path / "variants.py"
    path.write_text(VARIANTS)
    variants = mutation.load_variants(path)
    assert [(v.kind, v.name, v.label) for v in variants] == [
        ("mutant", "Thing", "first class"), ("mutant", "Thing", "second class"),
        ("alternative", "normalize_rows", "nested in a namespace")]
    assert "x = 1" in variants[0].source and "x = 2" in variants[1].source
    assert variants[1].check == "test_cosine_scores"
    assert variants[2].source.startswith("def normalize_rows(x):")
    assert "@" not in "".join(v.source for v in variants)


def test_blind_variants_are_found_beside_the_own_ones_and_marked(tmp_path: Path) -> None:
    (tmp_path / "tests" / "mutants" / "blind").mkdir(parents=True)
    own = tmp_path / "tests" / "mutants" / "01_x.py"
    own.write_text(VARIANTS)
    assert mutation.variant_files(tmp_path, "01_x") == [own]
    blind = tmp_path / "tests" / "mutants" / "blind" / "01_x.py"
    blind.write_text(VARIANTS)
    assert mutation.variant_files(tmp_path, "01_x") == [own, blind]
    assert not any(v.blind for v in mutation.load_variants(own))
    assert all(v.blind for v in mutation.load_variants(blind))


def test_layout_finds_what_each_check_depends_on() -> None:
    shape = mutation.layout(NOTEBOOK)
    assert shape.tests == ["test_normalize_rows", "test_cosine_scores", "test_recall_at_k"]
    assert shape.defined_in["cosine_scores"] == "cosine_scores"
    assert shape.uses["test_cosine_scores"] == {"cosine_scores"}
    assert shape.following["recall_at_k"] == "test_recall_at_k"


def test_variants_of_one_function_never_share_a_submission() -> None:
    shape = mutation.layout(NOTEBOOK)
    make = [mutation.Variant(kind, name, f"{name} {i}", f"def {name}(x):\n    return x")
            for kind in ("mutant", "alternative") for name in ("normalize_rows", "recall_at_k")
            for i in range(2)]
    batches = mutation.plan(make, shape)
    assert len(batches) == 4  # two rounds of mutants, two of alternatives
    for batch in batches:
        assert len({v.name for v in batch}) == len(batch) == 2
        assert len({v.kind for v in batch}) == 1
    assert all(v.check == f"test_{v.name}" for v in make if v.kind == "mutant")


def test_mutants_share_a_submission_unless_one_touches_the_others_check() -> None:
    # test_f checks f, test_g checks g, test_h checks h, which calls f and g (a composed stemmer)
    shape = mutation.Layout(
        solutions={}, defined_in={"f": "f", "g": "g", "h": "h"},
        tests=["test_f", "test_g", "test_h"],
        uses={"test_f": {"f"}, "test_g": {"g"}, "test_h": {"h", "f", "g"}},
        following={"f": "test_f", "g": "test_g", "h": "test_h"})
    f, g, h = (mutation.Variant("mutant", n, n, f"def {n}(): pass") for n in "fgh")
    batches = mutation.plan([f, g, h], shape)
    assert [[v.name for v in b] for b in batches] == [["f", "g"], ["h"]]
    assert f.affected == {"test_f", "test_h"} and h.affected == {"test_h"}


def test_splice_replaces_one_definition_and_keeps_the_rest() -> None:
    cell = "import math\n\n\n@cache\ndef f(x):\n    return 1\n\n\ndef g(x):\n    return 2\n"
    variant = mutation.Variant("mutant", "f", "f", "def f(x):\n    return 3")
    assert mutation.splice(cell, variant) == ("import math\n\n\ndef f(x):\n    return 3\n\n\n"
                                              "def g(x):\n    return 2")
    with pytest.raises(ValueError, match="not defined"):
        mutation.splice(cell, mutation.Variant("mutant", "h", "h", "def h(): pass"))


WRONG_VERDICTS = '''
import numpy as np

from autograder.mutation import alternative, mutant


@mutant("not a mutant at all: a correct implementation")
def normalize_rows(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(norms > 0, x / np.where(norms > 0, norms, 1), 0.0).astype(x.dtype)


@alternative("not an alternative: wrong")
def recall_at_k(scores, k):
    return 1.0
'''


@pytest.mark.slow
def test_the_sample_course_passes_and_wrong_verdicts_are_caught(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE / "solutions", tmp_path / "root" / "solutions")
    course = Course(tmp_path / "root", tmp_path / "work")
    good = mutation.run(course, "01_sample", [SAMPLE / "tests" / "mutants" / "01_sample.py"])
    assert good.ok and good.counts("mutant") == (4, 4) and good.counts("alternative") == (3, 3), \
        good.table()
    assert "no blind variants" in good.summary()
    (tmp_path / "blind").mkdir()
    (tmp_path / "blind" / "01_sample.py").write_text(WRONG_VERDICTS)
    bad = mutation.run(course, "01_sample", [SAMPLE / "tests" / "mutants" / "01_sample.py",
                                             tmp_path / "blind" / "01_sample.py"])
    assert not bad.ok and bad.counts("mutant", blind=True) == (0, 1) \
        and bad.counts("alternative", blind=True) == (0, 1)
    assert bad.counts("mutant", blind=False) == (4, 4) and bad.counts("mutant") == (4, 5)
    table = bad.table()
    assert "SURVIVED" in table and "LOST POINTS" in table and "kept full marks on" in table
    assert "own: 4/4 mutants killed (100%)" in table and "blind: 0/1 mutants killed (0%)" in table
    assert "blind mutant" in table and "blind alternative" in table


def test_a_mutant_only_a_gpu_can_tell_apart_is_listed_not_graded_on_a_cpu(tmp_path: Path) -> None:
    path = tmp_path / "variants.py"
    path.write_text('from autograder.mutation import mutant\n\n\n'
                    '@mutant("moves the result to the CPU", needs="cuda")\n'
                    'def normalize_rows(x):\n    return x.cpu()\n')
    (variant,) = mutation.load_variants(path)
    assert variant.needs == "cuda"
    report = mutation.Report("01_x", [], "", 1, 0.0, [variant], "cpu")
    assert report.ok and report.counts("mutant") == (0, 0)
    assert "1 not graded on cpu (they differ only on cuda" in report.summary()
    assert "not graded" in report.table() and "mutants --device cuda" in report.table()
    path.write_text('from autograder.mutation import mutant\n\n\n'
                    '@mutant("on a TPU", needs="tpu")\ndef f(x):\n    return x\n')
    with pytest.raises(ValueError, match="needs= names a grading device"):
        mutation.load_variants(path)
