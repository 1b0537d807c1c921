"""The documentation says what the code does: metric definitions and mechanism switches."""

import subprocess
import sys
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


def test_the_readme_python_snippet_pasted_into_a_script_ends(tmp_path):
    """mesa.batch_run's workers are spawned and import the script again: without a __main__ guard each would run
    the batch itself, fail, and the pool would start new ones for ever."""
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("From Python or a notebook:", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "mesa.batch_run" in snippet
    small = snippet.replace("households=20_000", "households=400").replace('"households": 2000', '"households": 200')
    script = tmp_path / "snippet.py"
    script.write_text(small.replace("max_steps=95", "max_steps=3")
                      + "\nif __name__ == '__main__':\n    print('rows', len(rows))\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "rows 18" in proc.stdout  # 3 modes x 2 seeds x 3 days


def test_the_licence_is_the_mit_licence_setup_cfg_names():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) 2026 the lockdown-supply-sim authors" in text
    assert "license = MIT" in (ROOT / "setup.cfg").read_text()
