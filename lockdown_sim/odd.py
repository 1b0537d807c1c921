"""The generated parts of docs/ODD.md: the parameter tables (from the scenario schema and the calibrated scenario)
and the daily schedule (from `LockdownSupplyModel.step`), so that the description cannot drift from the code.

    python -m lockdown_sim.odd            # rewrite the generated blocks of docs/ODD.md in place
    python -m lockdown_sim.odd --check    # exit 1 if they differ from the code (tests/test_odd.py does the same)
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from pathlib import Path

from lockdown_sim.sim.schema import SCHEMA

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
SCENARIO = "shanghai-2022"

# Units of every setting, by "section.key" (a new setting without one fails tests/test_odd.py).
UNITS: dict[str, str] = {
    "meta.name": "-", "meta.description": "-", "meta.horizon_days": "days", "meta.default_households": "households",
    "population.real_households": "households", "population.household_size_mean": "persons",
    "population.elderly_share": "share of households", "population.older_only_share": "share",
    "population.elderly_phone_share": "share", "population.proxy_share": "share",
    "population.supplier_tie_share": "share of households", "population.supplier_tie_km": "km",
    "population.retail_catering_share": "share of households", "population.catering_job_share": "share",
    "population.occupation_tie_factor": "factor", "population.no_contact_share": "share of households",
    "population.over80_alone_share": "share of households", "population.free_hours_mean": "hours a day",
    "population.free_hours_max": "hours a day",
    "stock.initial_days": "days of food", "stock.initial_days_spread": "relative spread",
    "stock.reorder_days": "days of food", "stock.reorder_spread": "relative spread",
    "stock.offer_margin_days": "days of food", "stock.target_days": "days of food", "stock.panic_days": "days of food",
    "city.west_share": "share of compounds", "city.compound_median_households": "households",
    "city.compound_sigma": "lognormal sigma", "city.compound_min_households": "households",
    "city.compound_max_households": "households", "city.cell_km": "km", "city.cells_per_compound": "cells",
    "city.bridge_spacing_km": "km",
    "compounds.old_share": "share of compounds", "compounds.old_size_factor": "factor",
    "compounds.old_elderly_factor": "factor", "compounds.old_phone_factor": "factor",
    "compounds.old_free_hours_factor": "factor",
    "timeline.start_date": "calendar date", "timeline.lockdown_day_east": "day", "timeline.lockdown_day_west": "day",
    "timeline.tier_system_day": "day",
    "timeline.reopen_day": "day", "timeline.tier_churn": "daily chance", "timeline.prevention_exit_share": "share",
    "timeline.tier_points": "millions of residents by tier, by day",
    "retail.open_share": "share of shops, by day", "retail.trips_per_week": "trips a week",
    "platform.real_sites": "sites", "platform.site_open_share": "share of sites, by day",
    "platform.staff_share": "share of staff, by day", "platform.site_orders_normal": "orders a day per site",
    "platform.service_radius_km": "km", "platform.riders_cross_river": "true/false",
    "platform.basket_days": "days of the household's food", "platform.openings": "share of slots, by minute after midnight",
    "platform.reaction_minutes_young": "minutes", "platform.reaction_minutes_older": "minutes",
    "platform.reaction_minutes_proxy": "minutes", "platform.reaction_minutes_volunteer": "minutes",
    "platform.group_min_orders": "household orders", "platform.group_lead_days": "days",
    "platform.group_capacity_share": "share of picking capacity", "platform.group_baskets_per_trip": "baskets",
    "platform.group_handover_minutes": "minutes",
    "couriers.real_riders_normal": "riders", "couriers.riders_working": "riders at work (real city), by day",
    "couriers.riders_late": "riders at work (real city)", "couriers.riders_late_day": "day",
    "couriers.rider_minutes_per_day": "minutes", "couriers.rider_handoff_minutes": "minutes",
    "couriers.rider_km_per_hour": "km/h", "couriers.rider_batch": "orders a trip",
    "couriers.rider_max_stops": "stops a day", "couriers.truck_capacity_sets": "sets",
    "couriers.truck_minutes_per_day": "minutes", "couriers.truck_km_per_hour": "km/h",
    "couriers.truck_load_minutes": "minutes", "couriers.truck_stop_minutes": "minutes",
    "local_suppliers.real_count": "suppliers", "local_suppliers.capacity_ratio": "share of the city's daily need",
    "local_suppliers.set_portions": "portions (person-days)", "local_suppliers.trucks_max": "trucks",
    "local_suppliers.kind_shares": "shares", "local_suppliers.moq_farm": "sets",
    "local_suppliers.moq_wholesaler": "sets", "local_suppliers.moq_supermarket": "sets",
    "local_suppliers.moq_restaurant": "sets", "local_suppliers.lead_time_days": "days",
    "local_suppliers.permit_delay_days": "days", "local_suppliers.late_cancel_days": "days",
    "group_buying.initial_member_share": "share of households", "group_buying.invite_rate": "daily hazard",
    "group_buying.no_contact_invite_factor": "factor", "group_buying.code_rate": "daily chance",
    "group_buying.code_post_share": "share of compounds", "group_buying.signup_prob": "chance",
    "group_buying.trust_boost": "chance", "group_buying.signup_window_days": "days",
    "group_buying.max_sets_per_household": "sets", "group_buying.leader_propensity": "daily chance",
    "group_buying.leader_tie_boost": "factor", "group_buying.leader_min_hours": "hours a day",
    "group_buying.leaders_per_100_households": "leaders per 100 households", "group_buying.offers_per_leader": "offers",
    "group_buying.group_members_max": "households", "group_buying.leader_retire_rate": "daily chance",
    "group_buying.remote_leader_factor": "factor", "group_buying.product_lines": "product lines",
    "packages.real_stores": "stores", "packages.open_share": "share of stores, by day",
    "packages.per_store_day": "packages a day per open store", "packages.package_portions": "portions (person-days)",
    "packages.delivery_km": "km", "packages.lead_days": "days", "packages.min_order": "packages",
    "leader_hours.search": "hours", "leader_hours.post": "hours", "leader_hours.per_signup_minutes": "minutes",
    "leader_hours.per_payment_minutes": "minutes", "leader_hours.receive": "hours",
    "leader_hours.learning_exponent": "exponent", "leader_hours.learning_floor": "share of hours",
    "coordination.min_leaders": "leaders", "coordination.min_deliveries": "deliveries",
    "coordination.rate": "daily chance", "coordination.hours_factor": "share of hours",
    "coordination.hours_per_day": "hours a day", "coordination.households_per_building": "households",
    "coordination.roster_per_building": "volunteers",
    "volunteers.rate": "daily chance", "volunteers.per_100_households": "volunteers per 100 households",
    "volunteers.hours": "hours a day", "volunteers.portions_per_hour": "portions an hour",
    "volunteers.staff_portions_per_100": "portions a day per 100 households", "volunteers.sealed_factor": "share",
    "volunteers.gate_spoil_days": "days",
    "outreach.canvass_per_volunteer": "doors a day",
    "gateway.launch_day": "day", "gateway.bass_p": "daily chance", "gateway.bass_q": "daily chance",
    "gateway.overhead_factor": "share of hours", "gateway.search_factor": "share of hours",
    "gateway.listed_share": "share of suppliers, by day", "gateway.market_potential": "share of leaders",
    "gateway.compound_weight": "weight",
    "relief.gift_packs": "packs per household so far, by day", "relief.gift_pack_portions": "portions",
    "relief.charity_reached": "share reached so far, by day", "relief.charity_pack_portions": "portions",
    "relief.vegetable_start_day": "day", "relief.vegetable_interval_days": "days",
    "relief.vegetable_package_portions": "portions", "relief.vegetable_lead_days": "days",
    "ties.decay_rate": "daily chance", "ties.strength_exponent": "exponent", "ties.member_ties_per_order": "ties",
    "ties.ties_to_share": "ties",
    "counterfactuals.platform_top_up": "true/false",
    "counterfactuals.top_up_portions": "portions per 1,000 households per day",
    "counterfactuals.leader_lottery": "true/false",
    "counterfactuals.lottery_leaders": "leaders per 1,000 households per day",
    "counterfactuals.moq_in_portions": "true/false",
}
BASES = ("calibrated", "derived", "FACTS", "assumption", "study")


def scenario_comments(text: str) -> dict[str, str]:
    """'section.key' -> the comment on its line in a scenario file (TOML; one key per line, as ours are written)."""
    out, section = {}, None
    for line in text.splitlines():
        head = re.match(r"\s*\[([a-z_]+)\]", line)
        if head:
            section = head.group(1)
            continue
        m = re.match(r"\s*([a-z_]+)\s*=.*?#\s*(.*)$", line)
        if section and m:
            out[f"{section}.{m.group(1)}"] = m.group(2).strip()
    return out


def basis(comment: str) -> str:
    """The first basis word a comment starts with (calibrated, derived, FACTS, assumption, study), or '-'."""
    for word in BASES:
        if comment.lower().startswith(word.lower()):
            return word
    return "-"


def _value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "; ".join(f"day {r['day']:g}: " + " / ".join(f"{r[k]:g}" for k in ("sealed", "control", "prevention"))
                         for r in value)
    if isinstance(value, list) and value and isinstance(value[0], list):
        return ", ".join(f"{a:g}: {b:g}" for a, b in value)
    if isinstance(value, list):
        return ", ".join(f"{v:g}" for v in value)
    return str(value)


def parameter_tables() -> str:
    """One Markdown table per scenario section: setting, value, plausible range, unit, basis, meaning."""
    from lockdown_sim.sim.scenario import BUILTIN_DIR, load_scenario

    cfg = load_scenario(SCENARIO)
    comments = scenario_comments((BUILTIN_DIR / f"{SCENARIO}.toml").read_text(encoding="utf-8"))
    lines = []
    for section, fields in SCHEMA.items():
        lines += [f"**[{section}]**", "", "| setting | value | plausible | unit | basis | meaning |",
                  "|---|---|---|---|---|---|"]
        for key, spec in fields.items():
            path = f"{section}.{key}"
            bounds = cfg.plausible.get(path)
            plausible = f"{bounds[0]:g} - {bounds[1]:g}" if bounds else "-"
            unit = "true/false" if section == "mechanisms" else UNITS[path]
            lines.append(f"| `{key}` | {_value(cfg[path])} | {plausible} | {unit} | {basis(comments.get(path, ''))} | "
                         f"{spec.doc} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- the day's schedule ---------------------------------------------------------------------------------------
def _first_line(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split()) if doc else ""


def _calls(func) -> list[tuple[str, str]]:
    """(receiver, method) of every call `self.x.m(...)`, `self.m(...)` or `v.m(...)` with v = self.x, in source order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    alias: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            tuples = [t for t in node.targets if isinstance(t, ast.Tuple)]
            value = node.value
            if names and isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self":
                alias[names[0]] = value.attr
            for tup in tuples:
                if isinstance(value, ast.Tuple):
                    for t, v in zip(tup.elts, value.elts):
                        if (isinstance(t, ast.Name) and isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name)
                                and v.value.id == "self"):
                            alias[t.id] = v.attr
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            owner = f.value
            if isinstance(owner, ast.Name) and owner.id == "self":
                found.append((node.lineno, node.col_offset, "self", f.attr))
            elif isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "self":
                found.append((node.lineno, node.col_offset, owner.attr, f.attr))
            elif isinstance(owner, ast.Name) and owner.id in alias:
                found.append((node.lineno, node.col_offset, alias[owner.id], f.attr))
    return [(r, m) for _, _, r, m in sorted(found)]


EXPANDED = {("community", "organise"), ("group_bookings", "deliver"), ("slot_sale", "sell"),
            ("group_bookings", "book")}  # steps shown with the verbs they call


def schedule(model=None) -> str:
    """The day as a numbered list of the mechanisms' verbs `LockdownSupplyModel.step` calls, in order, each with the
    first line of its docstring; the model's own helpers and the days of the mechanisms in EXPANDED are expanded one
    level."""
    from lockdown_sim.sim.model import LockdownSupplyModel

    if model is None:
        model = LockdownSupplyModel(scenario_file="toy", days=1, rng=1)
    lines = []

    def describe(host, prefix: str, receiver: str, method: str) -> str | None:
        owner = host if receiver == "self" else getattr(host, receiver, None)
        fn = getattr(type(owner), method, None) if owner is not None else None
        if fn is None or not callable(fn) or receiver.startswith("_"):
            return None
        module = getattr(inspect.getmodule(fn), "__name__", "")  # "" for a builtin's method (a list's append)
        if not module.startswith(("lockdown_sim.sim.", "lockdown_sim.agents.", "mesa.datacollection")):
            return None  # the project's own verbs (and the day's data collection), not library calls
        module = module.removeprefix("lockdown_sim.").replace(".", "/") + ".py"
        name = f"`{prefix or receiver}.{method}`" if receiver != "self" or prefix else f"`{method}`"
        return f"{name} ({module}): {_first_line(fn.__doc__) or '(no docstring)'}"

    def walk(host, func, depth: int, prefix: str = "") -> None:
        seen = set()
        for receiver, method in _calls(func):
            key = (receiver, method)
            if key in seen or method.startswith("__"):
                continue
            text = describe(host, prefix if receiver == "self" else "", receiver, method)
            if text is None:
                continue
            seen.add(key)
            lines.append(("   " * depth) + "1. " + text)
            if depth == 0 and ((receiver == "self" and method.startswith("_")) or key in EXPANDED):
                # the model's own helpers, and a mechanism's day made of other mechanisms' verbs
                owner = host if receiver == "self" else getattr(host, receiver)
                walk(owner, getattr(type(owner), method), depth + 1, "" if receiver == "self" else receiver)

    walk(model, LockdownSupplyModel.step, 0)
    return "\n".join(lines) + "\n"


# --- the document ---------------------------------------------------------------------------------------------
def _blocks() -> dict[str, str]:
    return {"schedule": schedule(), "parameters": parameter_tables()}


def render(text: str, blocks: dict[str, str]) -> str:
    """The document with each generated block replaced by its current content."""
    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"docs/ODD.md has no generated block '{name}'")
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = ODD.read_text(encoding="utf-8")
    new = render(text, _blocks())
    if "--check" in argv:
        if new != text:
            print("docs/ODD.md is out of date: run python -m lockdown_sim.odd", file=sys.stderr)
            return 1
        return 0
    ODD.write_text(new, encoding="utf-8")
    print(f"wrote {ODD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
