"""docs/ODD.md describes the model as it is: its generated parts (parameter tables, daily schedule) equal what the
code generates now, and it covers the protocol's seven elements and eleven design concepts."""

import re
from pathlib import Path

from lockdown_sim import odd
from lockdown_sim.sim.schema import SCHEMA

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")


def test_the_generated_parts_match_the_code():
    assert odd.render(TEXT, odd._blocks()) == TEXT, "docs/ODD.md is out of date: run python -m lockdown_sim.odd"


def test_every_setting_has_a_unit_and_appears_in_the_parameter_tables():
    for section, fields in SCHEMA.items():
        for key in fields:
            if section != "mechanisms":
                assert f"{section}.{key}" in odd.UNITS, f"{section}.{key}: no unit in sim/odd.py UNITS"
            assert f"| `{key}` |" in TEXT, key


def test_the_schedule_follows_the_step_in_order():
    steps = [line for line in TEXT.split("BEGIN GENERATED: schedule")[1].split("END GENERATED")[0].splitlines()
             if line.strip().startswith("1.")]
    names = [re.search(r"`([^`]+)`", line).group(1) for line in steps]
    assert names.index("rules.update") < names.index("slot_sale.sell") < names.index("dispatch.dispatch") \
        < names.index("food.consume")


def test_the_seven_elements_and_eleven_design_concepts_are_there():
    for heading in ("## 1. Purpose and patterns", "## 2. Entities, state variables and scales",
                    "## 3. Process overview and scheduling", "## 4. Design concepts", "## 5. Initialization",
                    "## 6. Input data", "## 7. Submodels"):
        assert heading in TEXT, heading
    concepts = TEXT.split("## 4. Design concepts")[1].split("## 5.")[0]
    for concept in ("Basic principles", "Emergence", "Adaptation", "Objectives", "Learning", "Prediction", "Sensing",
                    "Interaction", "Stochasticity", "Collectives", "Observation"):
        assert f"**{concept}.**" in concepts, concept


def test_a_changed_value_makes_the_document_out_of_date():
    stale = TEXT.replace("| `reorder_days` | 7 |", "| `reorder_days` | 4 |")
    assert stale != TEXT and odd.render(stale, odd._blocks()) != stale
