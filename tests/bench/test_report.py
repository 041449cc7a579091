"""The bench's summary table: every target beside its figure, and each miss with its explanation."""

from bench.load import LoadResult
from bench.report import Check, ScenarioResult, format_summary, write_results


def _document(tmp_path, monkeypatch) -> str:
    monkeypatch.setattr("bench.report.RESULTS_DIR", tmp_path)
    monkeypatch.setattr("bench.report.RESULTS_FILE", tmp_path / "latest.json")
    monkeypatch.setattr("bench.report.SUMMARY_FILE", tmp_path / "summary.md")
    row = LoadResult(
        name="signature burst (POST)", path="/x/", clients=20, requests=20, errors=0, seconds=0.3,
        rps=66.7, p50_ms=170.0, p95_ms=280.5, p99_ms=290.0,
    )  # fmt: skip
    results = [
        ScenarioResult(
            name="signatures",
            measurements=[row],
            checks=[
                Check("every signature answered without error", True, "0 error(s)"),
                Check("p95 under 200 ms per signature", False, "280.5 ms", gap="queueing on two cores"),
            ],
            notes=["20 clients | released together"],
        )
    ]
    path = write_results(results, environment={"database": "postgres", "cpus": 2})
    assert path == tmp_path / "summary.md"
    assert (tmp_path / "latest.json").exists()
    return path.read_text()


def test_the_summary_lists_every_target_with_its_figure_and_whether_it_was_met(tmp_path, monkeypatch):
    summary = _document(tmp_path, monkeypatch)

    assert "| signatures | every signature answered without error | 0 error(s) | yes |" in summary
    assert "| signatures | p95 under 200 ms per signature | 280.5 ms | **no** |" in summary
    assert "| signatures | signature burst (POST) | 66.7 | 170.0 | 280.5 | 290.0 | 20 | 0 |" in summary


def test_a_missed_target_is_listed_with_its_explanation(tmp_path, monkeypatch):
    summary = _document(tmp_path, monkeypatch)

    missed = summary.split("## Targets missed", 1)[1].split("##", 1)[0]
    assert "p95 under 200 ms per signature: 280.5 ms. queueing on two cores" in missed
    assert "every signature answered" not in missed
    assert "20 clients \\| released together" in summary  # a pipe in a note does not break the table


def test_a_run_that_meets_every_target_has_no_missed_section():
    document = {
        "generated_at": "2026-12-03T00:00:00+00:00",
        "commit": "abc",
        "python": "3.11",
        "environment": {"cpus": 2},
        "scenarios": {
            "catalogue": {"checks": [{"label": "p95", "met": True, "figure": "30 ms"}], "measurements": [], "notes": []}
        },
    }

    assert "Targets missed" not in format_summary(document)
