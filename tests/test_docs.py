"""The documentation says what the code does: metric definitions and mechanism switches."""

from pathlib import Path

from analysis.summary import metrics_page
from sim.schema import MECHANISMS

ROOT = Path(__file__).resolve().parent.parent


def test_metric_definitions_page_is_current():
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics_page()


def test_readme_names_every_mechanism_switch_and_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    for name in MECHANISMS:
        assert f"`{name}`" in readme, name
    assert "make run" in readme and "make test" in readme
    assert "docs/metrics.md" in readme
