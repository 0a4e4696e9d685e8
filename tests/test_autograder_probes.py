"""Probe records, their safe reading, comparison messages, and compare_with_solution's modes."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from autograder import probes, reference
from autograder.solution import SolutionNotFound, solution_function

SAMPLE = Path(__file__).parent / "fixtures" / "sample_course" / "solutions" / "01_sample"


def roundtrip(tmp_path: Path, value: object, **tol: float) -> probes.Probe:
    """Write a probe and read it back."""
    probes.write_probe(tmp_path, "k-0", value, tol.get("rtol", 1e-5), tol.get("atol", 1e-6), False)
    probe = probes.read_probe(tmp_path, "k-0")
    assert probe is not None
    return probe


def test_roundtrip_keeps_kinds_and_values(tmp_path: Path) -> None:
    value = {"a": np.arange(6, dtype=np.int32).reshape(2, 3), "b": [1, 2.5, True, None, "x"],
             "c": (torch.ones(2, dtype=torch.float16), np.float32(0.5))}
    probe = roundtrip(tmp_path, value)
    assert probes.compare(probe, probes.encode(value)) is None
    assert probe.tree["items"][2][1]["items"][0]["dtype"] == "torch.float16"


@pytest.mark.parametrize(("actual", "expected", "words"), [
    (np.zeros(3, np.float64), np.zeros(3, np.float32), "dtype float64, expected float32"),
    (np.zeros((3, 1), np.float32), np.zeros(3, np.float32), "shape (3, 1), expected (3,)"),
    (np.zeros(3), torch.zeros(3, dtype=torch.float64), "numpy.ndarray, expected a torch.Tensor"),
    (np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.0]), "differs in 1 of 3 entries"),
    (np.array([np.nan, 1.0]), np.array([0.0, 1.0]), "NaN"),
    ([1, 2], (1, 2), "a list, expected a tuple"),
    ({"a": 1}, {"b": 1}, "keys ['a'], expected ['b']"),
    (True, 1.0, "bool"),
    ("cat", "dog", "different string"),
    ([np.ones(2), np.ones(3)], [np.ones(2), np.ones(2)], "the result[1] has shape (3,)"),
])
def test_compare_says_what_differs(actual: object, expected: object, words: str) -> None:
    message = probes.compare(probes.encode(actual), probes.encode(expected))
    assert message is not None and words in message


def test_tolerances_come_from_the_expected_probe() -> None:
    expected = probes.encode(np.array([1.0]))
    assert probes.compare(probes.encode(np.array([1.001])), expected) is not None
    expected.rtol = 1e-2
    assert probes.compare(probes.encode(np.array([1.001])), expected) is None
    expected.exact = True
    assert "exact" in probes.compare(probes.encode(np.array([1.001])), expected)


@pytest.mark.parametrize(("actual", "expected"), [
    (np.str_("green"), "green"),
    ([np.str_("red"), np.str_("blue")], ["red", "blue"]),
    (np.float32(0.5), 0.5),
    (np.float64(0.25), 0.25),
    (np.int64(3), 3),
    (np.bool_(True), True),
])
def test_values_compare_as_the_texts_treat_them(actual: object, expected: object,
                                                tmp_path: Path) -> None:
    """A numpy word is a word and a numpy number a number: no points lost for the container type."""
    assert probes.compare(roundtrip(tmp_path, actual), probes.encode(expected)) is None
    assert probes.compare(probes.encode(expected), probes.encode(actual)) is None


def test_numpy_words_still_differ_by_value() -> None:
    message = probes.compare(probes.encode(np.str_("gray")), probes.encode("green"))
    assert message is not None and "different string" in message


class SneakyStr(str):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True


class SneakyArray(np.ndarray):
    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return True


@pytest.mark.parametrize("cheat", [AlwaysEqual(), SneakyStr("x"), np.zeros(3).view(SneakyArray),
                                   torch.nn.Parameter(torch.zeros(3)), np.zeros(2, dtype=object)])
def test_look_alikes_are_unsupported_and_never_equal(cheat: object, tmp_path: Path) -> None:
    probe = roundtrip(tmp_path, cheat)
    assert probe.tree["kind"] == "unsupported"
    message = probes.compare(probe, probes.encode(np.zeros(3)))
    assert message is not None and "unsupported" in message


def test_oversized_values_are_refused() -> None:
    big = np.zeros(probes.MAX_ARRAY_BYTES // 8 + 1)
    assert probes.encode(big).tree["kind"] == "unsupported"
    assert probes.encode(list(range(probes.MAX_ITEMS + 1))).tree["kind"] == "unsupported"


def test_reading_refuses_links_pickles_and_junk(tmp_path: Path) -> None:
    secret = tmp_path / "expected.json"
    probes.write_probe(tmp_path, "real-0", np.ones(2), 1e-5, 1e-6, False)
    secret.write_bytes((tmp_path / "real-0.json").read_bytes())
    (tmp_path / "link-0.json").symlink_to(secret)
    (tmp_path / "link-0.npz").symlink_to(tmp_path / "real-0.npz")
    assert probes.read_probe(tmp_path, "link-0") is None
    np.savez(tmp_path / "pickled-0.npz", a0=np.array([object()], dtype=object))
    (tmp_path / "pickled-0.json").write_text((tmp_path / "real-0.json").read_text())
    assert probes.read_probe(tmp_path, "pickled-0") is None
    (tmp_path / "junk-0.json").write_text("{not json")
    (tmp_path / "junk-0.npz").write_bytes(b"junk")
    assert probes.read_probe(tmp_path, "junk-0") is None
    assert probes.read_probe(tmp_path, "missing-0") is None


def test_solution_function_by_name_and_grade_id() -> None:
    by_name = solution_function("normalize_rows", SAMPLE / "sample.ipynb")
    by_grade_id = solution_function("recall_at_k", SAMPLE / "sample.ipynb")
    assert by_name(np.array([[3.0, 4.0]], dtype=np.float32)).tolist() == [[0.6000000238418579, 0.800000011920929]]
    assert by_grade_id(np.eye(3), 1) == 1.0
    with pytest.raises(SolutionNotFound):
        solution_function("no_such_exercise", SAMPLE / "sample.ipynb")


def test_local_mode_finds_the_solution_from_the_working_directory(
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(SAMPLE)
    monkeypatch.delenv(reference.MODE_ENV, raising=False)
    rng = np.random.default_rng(0)
    cases = {"a zero row": {"x": np.vstack([np.zeros((1, 3)), rng.normal(size=(3, 3))]).astype(np.float32)}}
    reference.compare_with_solution("normalize_rows", solution_function("normalize_rows"), cases)
    with pytest.raises(AssertionError, match='normalize_rows, hidden case "a zero row" .1 of 1.: .*NaN'):
        reference.compare_with_solution(
            "normalize_rows", lambda x: x / np.linalg.norm(x, axis=1, keepdims=True), cases)
    scores = {"scores": rng.normal(size=(60, 60)), "k": 5}
    reference.compare_with_solution("recall_at_k", solution_function("recall_at_k"), {"k=5": scores})
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == "", "warnings and tqdm bars must be captured"


def test_expect_and_record_modes_write_probes_and_compare_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(reference.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(reference.MODE_ENV, "record")
    reference.compare_with_solution("twice", lambda x: 2 * x, {"one": {"x": 1.0}, "two": {"x": 2.0}},
                                    rtol=0.1)
    reference.compare_with_solution("twice", lambda x: "wrong", {"three": {"x": 3.0}})
    keys = [reference.probe_key("twice", label) for label in ("one", "two", "three")]
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(keys)
    record = json.loads((tmp_path / f"{keys[0]}.json").read_text())
    assert record["rtol"] == 0.1 and record["label"] == "one"
    written = [probes.read_probe(tmp_path, key) for key in keys]
    assert [p.label for p in written] == ["one", "two", "three"]
    assert written[0].order < written[1].order < written[2].order
    monkeypatch.setenv(reference.MODE_ENV, "expect")
    with pytest.raises(ValueError, match="used twice"):
        reference.compare_with_solution("twice", lambda x: 2 * x, {"one": {"x": 1.0}})
    monkeypatch.setenv(reference.MODE_ENV, "bogus")
    with pytest.raises(ValueError, match="COURSE_PROBE_MODE"):
        reference.probe_mode()


@pytest.mark.parametrize("cases", [[{"x": 1.0}], {}, {"": {"x": 1.0}}, {"x" * 81: {"x": 1.0}},
                                   {"label": [1.0]}])
def test_hidden_cases_need_short_labels(cases: object) -> None:
    with pytest.raises(TypeError, match="label|dict"):
        reference.compare_with_solution("twice", lambda x: 2 * x, cases)


def test_run_says_how_to_exercise_an_implementation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLE)
    monkeypatch.delenv(reference.MODE_ENV, raising=False)
    twice_rows = {"rows": {"x": np.array([[3.0, 4.0]], np.float32), "scale": 2.0}}

    def scaled(fn, x, scale):
        return scale * fn(x)

    reference.compare_with_solution("normalize_rows", solution_function("normalize_rows"),
                                    twice_rows, run=scaled)
    with pytest.raises(AssertionError, match="differs"):
        reference.compare_with_solution("normalize_rows", lambda x: x, twice_rows, run=scaled)


def test_solution_extraction_runs_definitions_only(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import math\nSCALE = 3\nraise RuntimeError('data loading')"),
        nbformat.v4.new_code_cell("%matplotlib inline\ndef triple(x):\n    return SCALE * x",
                                  metadata={"nbgrader": {"solution": True, "grade": False,
                                                         "grade_id": "ex1", "locked": False}}),
    ])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert solution_function("ex1", path)(2) == 6
