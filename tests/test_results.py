"""utils.results: record, read back, missing and corrupt files, the ladder."""

import json

import pytest

from utils import results


def test_record_and_load_roundtrip(tmp_path):
    path = tmp_path / "sub" / "ladder.json"
    results.record("01_streetlight", "colour bins", {"t2i_R@10": 12.5}, path)
    results.record("01_streetlight", "random", {"t2i_R@10": 1.0}, path)
    data = results.load(path)
    assert data == {"01_streetlight": {"colour bins": {"t2i_R@10": 12.5}, "random": {"t2i_R@10": 1.0}}}


def test_missing_file_is_empty(tmp_path):
    assert results.load(tmp_path / "nope.json") == {}


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"01": {"m": {"r": "high"}}}), "numbers"),
])
def test_corrupt_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "ladder.json"
    path.write_text(content)
    with pytest.raises(results.ResultsFileError, match=message):
        results.load(path)


def test_record_replaces_corrupt_file_and_keeps_a_backup(tmp_path):
    path = tmp_path / "ladder.json"
    path.write_text("{truncated")
    results.record("02", "stemmed", {"rsum": 3.0}, path)
    assert results.load(path) == {"02": {"stemmed": {"rsum": 3.0}}}
    assert (tmp_path / "ladder.json.corrupt").read_text() == "{truncated"


def test_record_rejects_non_finite(tmp_path):
    with pytest.raises(ValueError, match="finite"):
        results.record("01", "x", {"rsum": float("nan")}, tmp_path / "l.json")


def test_env_override_and_ladder_prefers_students_numbers(tmp_path, monkeypatch):
    path = tmp_path / "mine.json"
    monkeypatch.setenv("COURSE_RESULTS_FILE", str(path))
    assert results.results_path() == path
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps({"01_streetlight": {"colour bins": {"t2i_R@10": 10.0}},
                                     "06_clip": {"mini CLIP": {"t2i_R@10": 80.0}}}))
    monkeypatch.setattr(results, "REFERENCE_FILE", reference)
    results.record("01_streetlight", "colour bins", {"t2i_R@10": 11.0})
    rows = results.ladder("t2i_R@10")
    assert rows == [
        {"notebook": "01_streetlight", "method": "colour bins", "t2i_R@10": 11.0, "source": "you"},
        {"notebook": "06_clip", "method": "mini CLIP", "t2i_R@10": 80.0, "source": "solution"},
    ]


def test_readme_ladder_is_the_one_made_from_the_reference_results():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("series", root / "benchmarks" / "series.py")
    series = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(series)
    readme = (root / "README.md").read_text()
    block = readme.split("<!-- ladder:start -->\n")[1].split("<!-- ladder:end -->")[0]
    reference = results.load(results.REFERENCE_FILE)
    assert block == series.ladder_markdown(reference), (
        "the README's ladder is stale: run `python benchmarks/series.py --update-reference`")
    rows = [line for line in block.splitlines()[2:] if line.startswith("|")]
    assert rows and len(rows) == sum("t2i_R@10" in m for ms in reference.values() for m in ms.values())
