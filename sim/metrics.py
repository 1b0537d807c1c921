"""What every run measures, once a day: the definitions (used for the DataCollector and the docs). The computation
from the mechanisms at the end of each day, and the DataCollector that keeps it, are in sim/daily_record.py (this
registry loads neither Mesa nor the compiled loops: the command line lists it at once). Portions are person-days of
food."""

from __future__ import annotations

from functools import partial

from lockdown_sim.sim.need_by_group import DEFINITIONS as GROUP_DEFINITIONS

# name -> exact definition. Order is the column order of the daily table.
DEFINITIONS: dict[str, str] = {
    "day": "day of the run, 0 = first lockdown day of the scenario",
    "delivery_ratio": "portions that reached homes today (carried in from gates + bought in shops) / portions needed today (sum of household sizes); above 1 on days bulk deliveries arrive",
    "cumulative_delivery_ratio": "portions that reached homes so far / portions needed so far",
    "need_met_share": "portions eaten today / portions needed today (bounded by 1; counts food already at home)",
    "elderly_unserved_share": "households with an older member that could not eat their full need today / all households with an older member",
    "elderly_left_unserved_share": "households with an older member that have had 3 or more days in a row with an empty stock so far / all households with an older member",
    "ever_ran_out_share": "households that have had at least one day with an empty stock (could not eat their full need) / all households",
    "courier_stops": "platform hand-overs at compound gates today: one per single order, one per van or tricycle load of a compound group order",
    "courier_utilization": "riders' time used today / courier_stop_capacity, in single stops of each site (a group delivery counts as the single stops its riders' time would have made); nan if no rider worked",
    "courier_stop_capacity": "stops the riders at work could have made today",
    "truck_trips": "local suppliers' truck runs (depot - gate - depot) today",
    "truck_stops": "hand-overs at compound gates by trucks today (one per group order with bulk delivery, one per household without)",
    "portions_delivered": "portions that reached homes today (the numerator of delivery_ratio)",
    "portions_needed": "portions households needed today (sum of household sizes; the denominator of delivery_ratio)",
    "portions_per_stop": "portions left at gates by the platform (single and group orders) and trucks today / (courier_stops + truck_stops); nan on days with no stop",
    "idle_local_capacity": "share of local suppliers' daily supply capacity that no order committed today (space of places left untapped)",
    "offers_seen_per_delivery_slot": "households that tried to book a platform slot today / platform slots offered today (space of flows; nan where the platform channel is closed)",
    "leaders": "group leaders active today",
    "leader_wanting_compounds": "compounds in which a member wanted to start leading today",
    "leader_capped_compounds": "compounds in which the upper bound on leaders turned a would-be leader away today",
    "leader_hours": "hours group leaders worked today",
    "ever_led_share": "households that have led a group at some point so far / all households",
    "coordinators": "compounds in which a leader has taken up coordinating the other leaders (a 'leader of leaders') so far (cumulative)",
    "roster_volunteers": "volunteers on coordinators' fixed rosters today (in a sealed compound they all carry from the gate)",
    "moq_success_rate": "offers that reached the supplier's minimum order / offers closed (reached or lapsed) so far; nan before the first close",
    "gateway_share": "share of active leaders who use a gateway (group-buying mini-program); nan with no leader",
    "gateway_portions_share": "portions trucks left at gates today from suppliers leaders reached through a gateway listing (when they first found them) / portions_group; how much group buying came to depend on the platform; nan on days without truck deliveries",
    "ties": "ties between households and leaders made by taking part in a delivered order, still standing",
    "ties_formed": "ties made so far (cumulative)",
    "member_ties": "ties between fellow participants of delivered orders (neighbours in a building), still standing",
    "contacts_brought_in": "members whose supplier contact (job, friend) is in their group's list of suppliers so far",
    "lockdown_ties": "standing ties that were made before reopening (after reopening they can only fade)",
    "platform_tried": "households that tried to book a platform slot today",
    "platform_slots": "platform delivery slots offered today (min of staff picking capacity and rider stops, open sites)",
    "platform_orders": "platform single-order slots won today",
    "platform_elderly_share": "share of today's platform orders won by households with an older member",
    "slot_sellout_minutes": "median minutes after an opening at which a sold-out site's last slot went; nan if none sold out",
    "platform_orders_first_ten_minutes": "platform slots won within ten minutes of the day's first opening",
    "platform_volunteer_orders": "platform slots won by volunteers for older residents whose needs they listed",
    "riders_working": "platform riders at work today",
    "portions_platform": "portions riders left at gates today for single platform orders",
    "portions_platform_group": "portions the platform left at gates today in compound group orders (booked the day before)",
    "platform_group_deliveries": "compound group orders the platform delivered today (each at least the platform's minimum of household orders)",
    "platform_group_orders": "compound group orders the platform has delivered so far (cumulative)",
    "platform_group_booked": "household orders booked today into compound group orders for a later day",
    "portions_group": "portions trucks left at gates today (group buying: local suppliers and the chain stores' packages)",
    "portions_packages": "portions the supermarket chains' stores left at gates today in standard packages (part of portions_group)",
    "packages_delivered": "standard packages (sets) the chain stores left at gates today",
    "chain_stores_open": "supermarket chains' stores open today (selling packages with mechanisms.chain_packages)",
    "package_compounds": "compounds a chain store's packages have reached so far (cumulative)",
    "group_sets_delivered": "sets of group orders left at gates today (chain stores' packages included)",
    "group_buyers": "households that have received food from a delivered group order so far (cumulative)",
    "signed_households": "households signed up to at least one open group-buying offer at the end of the day",
    "open_signups": "sign-ups in open group-buying offers at the end of the day (a household in several offers counts in each)",
    "portions_retail": "portions residents bought in shops today",
    "portions_relief": "portions residents' committees left at gates today: citizen gift packs, charity packs for residents aged 80+ living alone, district vegetable packages ordered earlier",
    "relief_portions": "portions residents' committees have left at gates so far (cumulative portions_relief)",
    "charity_reached_share": "share of residents aged 80+ living alone given a charity pack so far",
    "offers_posted": "group-buying offers posted today",
    "signups": "sign-ups accepted into offers today",
    "orders_confirmed": "offers that reached their minimum and were confirmed today",
    "orders_lapsed": "offers that lapsed today (minimum not met when the window closed)",
    "group_deliveries": "group orders delivered to gates today",
    "group_delivery_lag_days": "mean days from an order's confirmation (minimum met) to its delivery at the gate, over today's group deliveries; nan if none",
    "chat_member_share": "share of households in their compound chat group",
    "canvassed": "households without phone or proxy whose needs volunteers have listed (cumulative)",
    "canvassed_share": "canvassed / households without phone or proxy (older residents nobody orders for)",
    "volunteers": "resident volunteers",
    "food_at_gate": "portions waiting at gates at the end of the day",
    "spoiled_portions": "portions that spoiled at gates today",
    "sealed_share": "share of households in sealed compounds today",
    "control_share": "share of households in control-tier compounds today",
    "prevention_share": "share of households in prevention-tier compounds today",
} | GROUP_DEFINITIONS  # need met by group of households, delivery minutes by channel (sim/need_by_group.py)

METRIC_NAMES = tuple(DEFINITIONS)

HOUSEHOLDS = "share of households"
OLDER = "share of households with an older member"
# name -> unit. Counts (COUNTS below) are of the city the run simulates: a run of N households is the real city
# scaled by N / population.real_households (the run's `scale`), so its counts are that share of the real city's.
UNITS: dict[str, str] = {
    "day": "day of the run (0 = the scenario's timeline.start_date)",
    "delivery_ratio": "portions reaching homes / portions needed",
    "cumulative_delivery_ratio": "portions reaching homes / portions needed",
    "need_met_share": "share of need eaten",
    "elderly_unserved_share": OLDER,
    "elderly_left_unserved_share": OLDER,
    "ever_ran_out_share": HOUSEHOLDS,
    "courier_stops": "stops a day",
    "courier_utilization": "share of riders' time at work",
    "courier_stop_capacity": "stops a day",
    "truck_trips": "trips a day",
    "truck_stops": "hand-overs a day",
    "portions_delivered": "portions a day",
    "portions_needed": "portions a day",
    "portions_per_stop": "portions per hand-over",
    "idle_local_capacity": "share of local suppliers' daily capacity",
    "offers_seen_per_delivery_slot": "households trying per platform slot",
    "leaders": "leaders",
    "leader_wanting_compounds": "compounds",
    "leader_capped_compounds": "compounds",
    "leader_hours": "hours a day",
    "ever_led_share": HOUSEHOLDS,
    "coordinators": "compounds, so far",
    "roster_volunteers": "volunteers",
    "moq_success_rate": "share of offers closed",
    "gateway_share": "share of active leaders",
    "gateway_portions_share": "share of the portions trucks left at gates",
    "ties": "ties",
    "ties_formed": "ties, so far",
    "member_ties": "ties",
    "contacts_brought_in": "members, so far",
    "lockdown_ties": "ties",
    "platform_tried": "households a day",
    "platform_slots": "slots a day",
    "platform_orders": "orders a day",
    "platform_elderly_share": "share of the day's platform orders",
    "slot_sellout_minutes": "minutes after an opening",
    "platform_orders_first_ten_minutes": "orders a day",
    "platform_volunteer_orders": "orders a day",
    "riders_working": "riders",
    "portions_platform": "portions a day",
    "portions_platform_group": "portions a day",
    "platform_group_deliveries": "group orders a day",
    "platform_group_orders": "group orders, so far",
    "platform_group_booked": "household orders a day",
    "portions_group": "portions a day",
    "portions_packages": "portions a day",
    "packages_delivered": "packages a day",
    "chain_stores_open": "stores",
    "package_compounds": "compounds, so far",
    "group_sets_delivered": "sets a day",
    "group_buyers": "households, so far",
    "signed_households": "households",
    "open_signups": "sign-ups",
    "portions_retail": "portions a day",
    "portions_relief": "portions a day",
    "relief_portions": "portions, so far",
    "charity_reached_share": "share of residents aged 80+ living alone",
    "offers_posted": "offers a day",
    "signups": "sign-ups a day",
    "orders_confirmed": "offers a day",
    "orders_lapsed": "offers a day",
    "group_deliveries": "group orders a day",
    "group_delivery_lag_days": "days",
    "chat_member_share": HOUSEHOLDS,
    "canvassed": "households, so far",
    "canvassed_share": "share of households without phone or proxy",
    "volunteers": "volunteers",
    "food_at_gate": "portions",
    "spoiled_portions": "portions a day",
    "sealed_share": HOUSEHOLDS,
    "control_share": HOUSEHOLDS,
    "prevention_share": HOUSEHOLDS,
    "isolated_older_need_met_share": "share of the group's need eaten",
    "others_need_met_share": "share of the group's need eaten",
    "no_contact_need_met_share": "share of the group's need eaten",
    "contact_need_met_share": "share of the group's need eaten",
    "truck_minutes": "truck minutes a day",
    "rider_minutes_single": "rider minutes a day",
}
# metrics that count things of the city (and so grow with its size), as opposed to shares, ratios and times
COUNTS = frozenset((
    "courier_stops", "courier_stop_capacity", "truck_trips", "truck_stops", "portions_delivered", "portions_needed",
    "leaders", "leader_wanting_compounds", "leader_capped_compounds", "leader_hours", "coordinators",
    "roster_volunteers", "ties", "ties_formed", "member_ties", "contacts_brought_in", "lockdown_ties",
    "platform_tried", "platform_slots", "platform_orders", "platform_orders_first_ten_minutes",
    "platform_volunteer_orders", "riders_working", "portions_platform", "portions_platform_group",
    "platform_group_deliveries", "platform_group_orders", "platform_group_booked", "portions_group",
    "portions_packages", "packages_delivered", "chain_stores_open", "package_compounds", "group_sets_delivered",
    "group_buyers", "signed_households", "open_signups",
    "portions_retail", "portions_relief", "relief_portions", "offers_posted", "signups", "orders_confirmed",
    "orders_lapsed", "group_deliveries", "canvassed", "volunteers", "food_at_gate", "spoiled_portions",
    "truck_minutes", "rider_minutes_single"))

def _read(model, name: str):
    return model.today[name]


def reporters() -> dict:
    """Model reporters for Mesa's DataCollector: one per metric, reading the day's record."""
    return {name: partial(_read, name=name) for name in METRIC_NAMES}


def definitions_markdown() -> str:
    """docs/metrics.md: the exact definition and unit of every daily metric (kept in sync by a test)."""
    lines = [
        "# Daily metrics",
        "",
        "Collected every day by Mesa's `DataCollector` as model reporters (`model.datacollector."
        "get_model_vars_dataframe()`, the rows of `mesa.batch_run`). Portions are person-days of food. Generated "
        "from `sim/metrics.py` and `sim/outcomes.py` by `python -m lockdown_sim.sim.outcomes > docs/metrics.md`.",
        "",
        "## Daily tables in files",
        "",
        "`lockdown-sim run`'s `daily.parquet` and `daily.csv`, and every run file of a results directory "
        "(`runs/<run_id>.parquet`, read by `lockdown-sim results` and `lockdown_sim.analysis.results."
        "load_results`), hold one row a day with the run's identity in front: `scenario`, `ordering` (the mode: "
        "platform, group_buying or hybrid), `seed`, `households` (simulated), `date` (the calendar day: the "
        "scenario's `timeline.start_date` plus `day`; day 0 of shanghai-2022 is 28 March 2022); a results "
        "directory's files also have `run_id`, `point`, `point_label`, `replicate` and the parameters the "
        "experiment varies.",
        "",
        "**Counts are in one unit per file.** Every daily table (`daily.parquet`, `daily.csv`, `runs/*.parquet`) "
        "counts in the units of the simulated city: a run of N households is the real city scaled by N / "
        "`population.real_households` (the run's `scale`, recorded in `run.json` and in each Parquet file's "
        "metadata, key `lockdown_sim`: `counts`, `scale`, and each column's `unit`), so divide a count by `scale` "
        "for the real city. The end-of-run outcomes (below) are shares, ratios and rates per 1,000 households, "
        "the same at any scale. The calibration table (`lockdown-sim calibration`: `calibration.csv`, "
        "`calibration.md`) is in the real city's units: its counts are divided by the scale, and the file says so.",
        "",
        "| metric | unit | count | definition |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{name}` | {UNITS[name]} | {'yes' if name in COUNTS else ''} | {text} |"
              for name, text in DEFINITIONS.items()]
    return "\n".join(lines) + "\n"
