"""What a scenario may contain: every field's type, hard bounds and meaning, and the checks that enforce them.

Hard bounds say what the model can run with; plausible bounds (the scenario's own [plausible] table) say
what the evidence supports. A value outside hard bounds is an error naming the field and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass

from lockdown_sim.sim.errors import ScenarioError


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _fmt(v) -> str:
    return repr(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)


@dataclass(frozen=True)
class Num:
    """A number in [lo, hi]; `whole` asks for an integer; `day` also bounds it by the horizon."""

    lo: float
    hi: float
    doc: str
    whole: bool = False
    day: bool = False

    def allowed(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} from {_fmt(self.lo)} to {_fmt(self.hi)}"

    def check(self, path: str, v, horizon: int | None):
        if not _is_number(v) or (isinstance(v, float) and not math.isfinite(v)):
            raise ScenarioError(f"{path}: {_fmt(v)} is not {self.allowed()}")
        if self.whole and not float(v).is_integer():
            raise ScenarioError(f"{path}: {_fmt(v)} is not {self.allowed()}")
        if not self.lo <= v <= self.hi:
            raise ScenarioError(f"{path}: {_fmt(v)} is out of range; allowed: {self.allowed()}")
        if self.day and horizon is not None and v > horizon:
            raise ScenarioError(f"{path}: day {_fmt(v)} is beyond the horizon; allowed: a day from 0 to {horizon}")
        return int(v) if self.whole else float(v)


@dataclass(frozen=True)
class Flag:
    doc: str

    def allowed(self) -> str:
        return "true or false"

    def check(self, path, v, horizon):
        if not isinstance(v, bool):
            raise ScenarioError(f"{path}: {_fmt(v)} is not true or false")
        return v


@dataclass(frozen=True)
class Text:
    doc: str

    def allowed(self) -> str:
        return "a text string"

    def check(self, path, v, horizon):
        if not isinstance(v, str):
            raise ScenarioError(f"{path}: {_fmt(v)} is not a text string")
        return v


@dataclass(frozen=True)
class Date:
    """A calendar date, written as a TOML date (2022-03-28) or as text ("2022-03-28"); kept as ISO text."""

    doc: str

    def allowed(self) -> str:
        return "a calendar date, e.g. 2022-03-28"

    def check(self, path, v, horizon):
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v.isoformat()
        try:
            return dt.date.fromisoformat(v).isoformat()
        except (TypeError, ValueError):
            raise ScenarioError(f"{path}: {_fmt(v)} is not allowed; allowed: {self.allowed()}") from None


@dataclass(frozen=True)
class Span:
    """A range [a, b] that draws are made from, with lo <= a <= b <= hi."""

    lo: float
    hi: float
    doc: str
    whole: bool = False

    def allowed(self) -> str:
        kind = "whole numbers" if self.whole else "numbers"
        return f"[a, b] with {_fmt(self.lo)} <= a <= b <= {_fmt(self.hi)} ({kind})"

    def check(self, path, v, horizon):
        ok = isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v)
        ok = ok and v[0] <= v[1] and self.lo <= v[0] and v[1] <= self.hi
        ok = ok and (not self.whole or all(float(x).is_integer() for x in v))
        if not ok:
            raise ScenarioError(f"{path}: {_fmt(v)} is not allowed; allowed: {self.allowed()}")
        return [int(x) for x in v] if self.whole else [float(x) for x in v]


@dataclass(frozen=True)
class Shares:
    """n non-negative numbers that sum to 1."""

    n: int
    doc: str

    def allowed(self) -> str:
        return f"a list of {self.n} non-negative numbers summing to 1"

    def check(self, path, v, horizon):
        ok = isinstance(v, list) and len(v) == self.n and all(_is_number(x) and x >= 0 for x in v)
        if not ok or abs(sum(v) - 1.0) > 1e-6:
            raise ScenarioError(f"{path}: {_fmt(v)} is not allowed; allowed: {self.allowed()}")
        return [float(x) for x in v]


@dataclass(frozen=True)
class Points:
    """A list of [x, value] pairs; x is a day (bounded by the horizon) unless x_hi says otherwise."""

    lo: float
    hi: float
    doc: str
    x_hi: float | None = None  # None: x is a day from 0 to the horizon
    x_name: str = "day"

    def allowed(self) -> str:
        x_range = "0..horizon" if self.x_hi is None else f"0..{_fmt(self.x_hi)}"
        return f"a list of [{self.x_name}, value] pairs, {self.x_name} in {x_range} ascending, value from {_fmt(self.lo)} to {_fmt(self.hi)}"

    def check(self, path, v, horizon):
        if not isinstance(v, list) or not v:
            raise ScenarioError(f"{path}: {_fmt(v)} is not allowed; allowed: {self.allowed()}")
        last = -math.inf
        out = []
        for i, pt in enumerate(v):
            if not (isinstance(pt, list) and len(pt) == 2 and all(_is_number(x) for x in pt)):
                raise ScenarioError(f"{path}[{i}]: {_fmt(pt)} is not allowed; allowed: {self.allowed()}")
            x, y = pt
            x_hi = horizon if self.x_hi is None else self.x_hi
            if x < 0 or (x_hi is not None and x > x_hi):
                what = "beyond the horizon" if self.x_hi is None else "out of range"
                raise ScenarioError(f"{path}[{i}]: {self.x_name} {_fmt(x)} is {what}; allowed: {self.x_name} from 0 to {_fmt(x_hi)}")
            if x < last:
                raise ScenarioError(f"{path}[{i}]: {self.x_name}s must ascend; allowed: {self.allowed()}")
            if not self.lo <= y <= self.hi:
                raise ScenarioError(f"{path}[{i}]: value {_fmt(y)} is out of range; allowed: a value from {_fmt(self.lo)} to {_fmt(self.hi)}")
            last = x
            out.append([float(x), float(y)])
        return out


@dataclass(frozen=True)
class TierPoints:
    """Residents by tier on given days: a list of {day, sealed, control, prevention} tables."""

    doc: str

    def allowed(self) -> str:
        return "a list of {day, sealed, control, prevention} tables, days ascending within the horizon, counts >= 0 and not all 0"

    def check(self, path, v, horizon):
        if not isinstance(v, list) or not v:
            raise ScenarioError(f"{path}: {_fmt(v)} is not allowed; allowed: {self.allowed()}")
        keys = {"day", "sealed", "control", "prevention"}
        out, last = [], -1
        for i, row in enumerate(v):
            if not isinstance(row, dict) or set(row) != keys:
                raise ScenarioError(f"{path}[{i}]: {_fmt(row)} is not allowed; allowed: {self.allowed()}")
            if not all(_is_number(row[k]) and row[k] >= 0 for k in keys):
                raise ScenarioError(f"{path}[{i}]: counts must be numbers >= 0; allowed: {self.allowed()}")
            if row["day"] > (horizon if horizon is not None else math.inf):
                raise ScenarioError(f"{path}[{i}].day: day {_fmt(row['day'])} is beyond the horizon; allowed: a day from 0 to {horizon}")
            if row["day"] < last or row["sealed"] + row["control"] + row["prevention"] <= 0:
                raise ScenarioError(f"{path}[{i}]: not allowed; allowed: {self.allowed()}")
            last = row["day"]
            out.append({k: float(row[k]) for k in keys})
        return out


UNIT = (0.0, 1.0)
_D = 3650  # longest horizon, days

SCHEMA: dict[str, dict] = {
    "meta": {
        "name": Text("scenario name"),
        "description": Text("one line on what the scenario represents"),
        "horizon_days": Num(1, _D, "days simulated (one step is one day)", whole=True),
        "default_households": Num(10, 20_000_000, "households in a run when none are asked for", whole=True),
    },
    "population": {
        "real_households": Num(10, 50_000_000, "households in the real city; the run is scaled from it", whole=True),
        "household_size_mean": Num(1.0, 8.0, "mean persons per household"),
        "elderly_share": Num(*UNIT, "share of households with a member aged 60+"),
        "older_only_share": Num(*UNIT, "of those, share with nobody younger at home"),
        "elderly_phone_share": Num(*UNIT, "share of older-only households able to order on a smartphone"),
        "proxy_share": Num(*UNIT, "share of older-only households without phone skill with a remote proxy"),
        "supplier_tie_share": Num(*UNIT, "share of households with a tie to a local supplier"),
        "supplier_tie_km": Num(0.1, 1000.0, "distance decay of supplier ties: km over which their likelihood falls by e"),
        "retail_catering_share": Num(*UNIT, "share of households with a member working in retail or catering"),
        "catering_job_share": Num(*UNIT, "of those, the share whose job is in catering"),
        "occupation_tie_factor": Num(1.0, 1000.0, "how much likelier a household with a retail or catering job is to know a supplier"),
        "no_contact_share": Num(*UNIT, "share of households with no neighbour contact before the lockdown"),
        "over80_alone_share": Num(*UNIT, "households of one resident aged 80+, as a share of all households"),
        "free_hours_mean": Num(0.0, 16.0, "mean free hours a day for group work"),
        "free_hours_max": Num(0.0, 24.0, "cap on free hours a day"),
    },
    "stock": {
        "initial_days": Num(0.0, 60.0, "mean days of food at home on day 0"),
        "initial_days_spread": Num(*UNIT, "relative spread of initial stock"),
        "reorder_days": Num(0.0, 60.0, "days of stock below which a household looks for food (mean over households)"),
        "reorder_spread": Num(*UNIT, "relative spread of households' reorder levels"),
        "offer_margin_days": Num(0.0, 60.0, "extra days of stock at which a household still takes up a group offer it sees"),
        "target_days": Num(0.5, 60.0, "days of stock a household orders up to"),
        "panic_days": Num(0.0, 60.0, "days of stock bought before a district is locked"),
    },
    "city": {
        "west_share": Num(0.05, 0.95, "share of households west of the river"),
        "compound_median_households": Num(1, 20_000, "median compound size in households"),
        "compound_sigma": Num(0.0, 3.0, "lognormal sigma of compound size"),
        "compound_min_households": Num(1, 100_000, "smallest compound", whole=True),
        "compound_max_households": Num(1, 1_000_000, "largest compound", whole=True),
        "cell_km": Num(0.01, 10.0, "side of a grid cell in km"),
        "cells_per_compound": Num(1.0, 20.0, "land cells per compound"),
        "bridge_spacing_km": Num(0.1, 100.0, "distance between river crossings in km"),
    },
    "compounds": {
        "old_share": Num(0.0, 0.99, "share of compounds that are old (older public housing, lane houses)"),
        "old_size_factor": Num(0.05, 20.0, "old compounds' median households / the city-wide median"),
        "old_elderly_factor": Num(0.0, 20.0, "chance of an older member in an old compound / in a commercial one"),
        "old_phone_factor": Num(0.0, 10.0, "older-only households' phone skill in old compounds / city-wide"),
        "old_free_hours_factor": Num(0.0, 10.0, "households' free hours in old compounds / city-wide"),
    },
    "timeline": {
        "start_date": Date("the calendar date of day 0 (dates in daily tables and figures are start_date + day)"),
        "lockdown_day_east": Num(0, _D, "day the east district is locked", whole=True, day=True),
        "lockdown_day_west": Num(0, _D, "day the west district is locked", whole=True, day=True),
        "tier_system_day": Num(0, _D, "day the three-tier system starts", whole=True, day=True),
        "reopen_day": Num(0, _D, "day the city reopens", whole=True, day=True),
        "tier_churn": Num(*UNIT, "daily chance a compound's outbreak draw is renewed"),
        "prevention_exit_share": Num(*UNIT, "share of prevention-tier compounds letting residents out"),
        "tier_points": TierPoints("residents by tier on given days"),
    },
    "retail": {
        "open_share": Points(0.0, 1.0, "share of food shops open to walk-in shoppers over days"),
        "trips_per_week": Num(0.0, 14.0, "shopping trips a week when residents may go out"),
    },
    "platform": {
        "real_sites": Num(0, 1_000_000, "platform warehouses and stores in the real city", whole=True),
        "site_open_share": Points(0.0, 1.0, "share of platform sites open over days"),
        "staff_share": Points(0.0, 1.0, "share of site staff at work over days"),
        "site_orders_normal": Num(0, 1_000_000, "orders a site can pick a day with full staff"),
        "service_radius_km": Num(0.1, 100.0, "delivery radius of a site in km"),
        "riders_cross_river": Flag("riders deliver across the river (through a crossing) as well as on their own bank"),
        "basket_days": Num(0.1, 60.0, "the most one platform order holds, in days of its household's food (it holds what the household lacks, up to this)"),
        "openings": Points(0.0, 1.0, "slot openings: [minute after midnight, share of slots]", x_hi=1439, x_name="minute"),
        "reaction_minutes_young": Num(0.01, 600.0, "mean delay of a practised user after slots open"),
        "reaction_minutes_older": Num(0.01, 600.0, "mean delay of an older user with a phone"),
        "reaction_minutes_proxy": Num(0.01, 600.0, "mean delay of a remote proxy"),
        "reaction_minutes_volunteer": Num(0.01, 600.0, "mean delay of a volunteer ordering for a listed older resident"),
        "group_min_orders": Num(1, 100_000, "household orders a compound group order needs to go ahead", whole=True),
        "group_lead_days": Num(1, 60, "days from booking a compound group order to its delivery", whole=True),
        "group_capacity_share": Num(*UNIT, "share of a site's picking capacity sold as compound group orders"),
        "group_baskets_per_trip": Num(1, 10_000, "household baskets in one van or tricycle load of a group order", whole=True),
        "group_handover_minutes": Num(0.0, 600.0, "minutes to hand one load of a group order over at the gate"),
    },
    "couriers": {
        "real_riders_normal": Num(0, 10_000_000, "riders before the lockdown", whole=True),
        "riders_working": Points(0.0, 10_000_000.0, "riders at work over days (real city)"),
        "riders_late": Num(0, 10_000_000, "riders at work from riders_late_day to reopening (real city): the riders curve's points on those days give way to it"),
        "riders_late_day": Num(0, 3650, "first day of riders_late (a day after reopening leaves the curve as it is)", whole=True),
        "rider_minutes_per_day": Num(1.0, 1440.0, "working minutes of a rider"),
        "rider_handoff_minutes": Num(0.1, 120.0, "minutes per stop at a gate"),
        "rider_km_per_hour": Num(0.1, 200.0, "rider speed"),
        "rider_batch": Num(1, 100, "orders per rider trip", whole=True),
        "rider_max_stops": Num(1, 10_000, "ceiling on rider stops a day", whole=True),
        "truck_capacity_sets": Num(1, 100_000, "sets one truck carries", whole=True),
        "truck_minutes_per_day": Num(1.0, 1440.0, "working minutes of a truck"),
        "truck_km_per_hour": Num(0.1, 200.0, "truck speed"),
        "truck_load_minutes": Num(0.0, 600.0, "loading minutes per trip"),
        "truck_stop_minutes": Num(0.0, 600.0, "minutes per hand-over at a gate"),
    },
    "local_suppliers": {
        "real_count": Num(0, 10_000_000, "local suppliers in the real city", whole=True),
        "capacity_ratio": Num(0.001, 100.0, "their daily stock / city daily need (above 0: ties are drawn by it)"),
        "set_portions": Num(0.1, 100.0, "person-days of food in one set"),
        "trucks_max": Num(1, 1000, "trucks per supplier are 1..trucks_max", whole=True),
        "kind_shares": Shares(4, "shares of farm, wholesaler, supermarket, restaurant"),
        "moq_farm": Span(1, 100_000, "minimum order of a farm, sets", whole=True),
        "moq_wholesaler": Span(1, 100_000, "minimum order of a wholesaler, sets", whole=True),
        "moq_supermarket": Span(1, 100_000, "minimum order of a supermarket, sets", whole=True),
        "moq_restaurant": Span(1, 100_000, "minimum order of a restaurant, sets", whole=True),
        "lead_time_days": Span(0, 60, "days from a filled order to dispatch", whole=True),
        "permit_delay_days": Span(0, 365, "days from applying for a vehicle pass to holding one", whole=True),
        "late_cancel_days": Num(0, 365, "days late after which an undispatched order is cancelled", whole=True),
    },
    "group_buying": {
        "initial_member_share": Num(*UNIT, "share of households in a compound chat group on day 0"),
        "invite_rate": Num(0.0, 50.0, "daily invitation hazard at full membership"),
        "no_contact_invite_factor": Num(*UNIT, "invitation factor for households with no neighbour contact"),
        "code_rate": Num(*UNIT, "daily chance a non-member scans a posted code"),
        "code_post_share": Num(*UNIT, "share of compounds with codes posted on day 0"),
        "signup_prob": Num(*UNIT, "chance a member in need signs up to an offer it sees"),
        "trust_boost": Num(*UNIT, "extra sign-up chance with a tie to the leader"),
        "signup_window_days": Num(1, 60, "days an offer gathers sign-ups", whole=True),
        "max_sets_per_household": Num(1, 1000, "most sets one household takes in an offer", whole=True),
        "leader_propensity": Num(*UNIT, "daily chance a willing member in need starts leading"),
        "leader_tie_boost": Num(0.0, 100.0, "multiplier for members with a supplier tie"),
        "leader_min_hours": Num(0.0, 24.0, "free hours a leader needs"),
        "leaders_per_100_households": Num(0.0, 100.0, "upper bound on leaders per 100 households (reported when it binds)"),
        "offers_per_leader": Num(1, 100, "offers one leader keeps open", whole=True),
        "group_members_max": Num(10, 100_000, "households per compound chat group (a compound has one group per this many)", whole=True),
        "remote_leader_factor": Num(0.0, 100.0, "how readily a remote proxy steps up to lead its parents' group, relative to a resident (remote_leaders)"),
        "product_lines": Num(1, 100, "product lines a building's groups buy apart (with leader_scale: at most one leader per building and line)", whole=True),
        "leader_retire_rate": Num(*UNIT, "daily chance a leader stops after reopening"),
    },
    "leader_hours": {
        "search": Num(0.0, 24.0, "hours to find a supplier"),
        "post": Num(0.0, 24.0, "hours to post an offer"),
        "per_signup_minutes": Num(0.0, 600.0, "minutes per sign-up"),
        "per_payment_minutes": Num(0.0, 600.0, "minutes per payment collected"),
        "receive": Num(0.0, 24.0, "hours at the gate per delivery"),
        "learning_exponent": Num(0.0, 2.0, "hours per order fall as (1 + orders received) ** -exponent"),
        "learning_floor": Num(0.0, 1.0, "hours per order never fall below this share of a first-time leader's"),
    },
    "coordination": {
        "min_leaders": Num(2, 1000, "active leaders a compound needs before one coordinates the others", whole=True),
        "min_deliveries": Num(0, 10_000, "orders a leader has received before it can coordinate", whole=True),
        "rate": Num(*UNIT, "daily chance an eligible leader takes up coordinating"),
        "hours_factor": Num(*UNIT, "share of every leader's hours per order left in a coordinated compound"),
        "hours_per_day": Num(0.0, 24.0, "hours a day a coordinator gives to rules, schedules and the roster"),
        "households_per_building": Num(1.0, 10_000.0, "households per building (for the roster)"),
        "roster_per_building": Num(0.0, 100.0, "volunteers per building on a coordinator's fixed roster"),
    },
    "volunteers": {
        "rate": Num(*UNIT, "daily chance a member with free time volunteers"),
        "per_100_households": Num(0.0, 100.0, "ceiling on volunteers per 100 households"),
        "hours": Num(0.0, 24.0, "hours a volunteer gives a day"),
        "portions_per_hour": Num(0.0, 10_000.0, "portions carried to doors per volunteer hour"),
        "staff_portions_per_100": Num(0.0, 100_000.0, "portions compound staff carry a day per 100 households"),
        "sealed_factor": Num(*UNIT, "share of volunteers allowed to move in a sealed compound"),
        "gate_spoil_days": Num(1, 60, "days food can wait at the gate before it spoils", whole=True),
    },
    "outreach": {
        "canvass_per_volunteer": Num(0.0, 1000.0, "doors a volunteer canvasses a day"),
    },
    "gateway": {
        "launch_day": Num(0, _D, "day leaders start adopting the gateway", whole=True, day=True),
        "bass_p": Num(*UNIT, "Bass innovation coefficient"),
        "bass_q": Num(*UNIT, "Bass imitation coefficient"),
        "overhead_factor": Num(*UNIT, "share of posting, sign-up and payment work left"),
        "search_factor": Num(*UNIT, "share of search work left"),
        "listed_share": Points(0.0, 1.0, "share of local suppliers listed on the gateway over days"),
        "market_potential": Num(*UNIT, "Bass market potential: share of leaders who would ever adopt a gateway"),
        "compound_weight": Num(*UNIT, "weight of the leader's own compound in what it imitates (the rest: its district)"),
    },
    "packages": {
        "real_stores": Num(0, 1_000_000, "supermarket chains' stores in the real city (open or not)", whole=True),
        "open_share": Points(0.0, 1.0, "share of the chains' stores open over days"),
        "per_store_day": Num(0.0, 1_000_000.0, "standard packages an open store can pick and send a day"),
        "package_portions": Num(0.1, 100.0, "portions (person-days of food) in one standard package"),
        "delivery_km": Num(0.1, 1000.0, "street distance within which a store delivers packages to compounds"),
        "lead_days": Num(0, 60, "days from a filled package order to the gate", whole=True),
        "min_order": Num(1, 100_000, "a store's minimum order of packages for one compound's delivery", whole=True),
    },
    "relief": {
        "gift_packs": Points(0.0, 100.0, "citizen gift packs per household handed out so far, over days"),
        "gift_pack_portions": Num(0.0, 1000.0, "portions (person-days of food) in a gift pack"),
        "charity_reached": Points(0.0, 1.0, "share of residents aged 80+ living alone given a charity pack so far, over days"),
        "charity_pack_portions": Num(0.0, 1000.0, "portions in a charity pack"),
        "vegetable_start_day": Num(0, _D, "first day residents' committees take orders for district vegetable packages", whole=True, day=True),
        "vegetable_interval_days": Num(1, 365, "days between a committee's vegetable-package orders", whole=True),
        "vegetable_package_portions": Num(0.0, 1000.0, "portions in a district vegetable package"),
        "vegetable_lead_days": Num(0, 60, "days from ordering a vegetable package to its arrival at the gate", whole=True),
    },
    "ties": {
        "decay_rate": Num(*UNIT, "daily loss of a once-made tie after reopening"),
        "strength_exponent": Num(0.0, 10.0, "how much stronger ties resist fading: daily loss decay_rate / strength^exponent"),
        "member_ties_per_order": Num(1, 100, "fellow participants each household of a delivered order forms a tie with (neighbours in its building)", whole=True),
        "ties_to_share": Num(0, 1000, "ties in its group a member holds before it brings its supplier contact in", whole=True),
    },
    "mechanisms": {
        name: Flag(doc)
        for name, doc in {
            "invitations": "chat groups grow by members inviting neighbours",
            "posted_codes": "chat groups grow by QR codes posted at gates",
            "supplier_ties": "members' ties bring suppliers into the group",
            "leader_emergence": "group leaders emerge from households",
            "min_order": "suppliers require a minimum order",
            "bulk_delivery": "a group order is one hand-over at the gate (off: one per household)",
            "volunteers": "residents volunteer to carry food from the gate",
            "gateway": "leaders adopt group-buying mini-programs",
            "proxies": "remote children order for older parents",
            "canvassing": "volunteers list the needs of residents without phones",
            "fcfs_slots": "platform slots go first come, first served at the opening time (off: lottery)",
            "tie_decay": "ties fade after reopening",
            "permits": "local suppliers' trucks need passes that take time",
            "tiers": "three-tier compound status (off: every compound sealed until reopening)",
            "platform_group": "the platform sells compound group orders, next-day, one hand-over per load at the gate",
            "visible_imitation": "leaders imitate the gateway use of the leaders they can see: their compound's and district's (off: the whole city's)",
            "coordinators": "an experienced leader coordinates the compound's leaders and a fixed volunteer roster",
            "leader_learning": "leaders' hours per order fall with the orders they have received",
            "occupation_ties": "supplier ties come mostly from retail and catering jobs, to suppliers of the trade (off: from anyone, to any kind)",
            "member_ties": "members who take part in an order together form ties with each other, not only with the leader",
            "relief": "residents' committees bring government and charity supplies to the gate (no phone needed)",
            "compound_types": "old and commercial compounds differ in older residents, phone skill, free time and size (off: the city-wide figures everywhere)",
            "several_group_buys": "a household signs up to several open group buys at once, each for what it still lacks (off: one at a time)",
            "leader_scale": "leaders at the scale of a building or a product line: one a day per building, members with a channel step up when their group wants what it sells, at most one per building and line (off: moved by uncovered need only, one a day per chat group, leaders_per_100_households)",
            "remote_leaders": "a child elsewhere who orders for older parents (a remote proxy) can also lead their compound's group",
            "chain_packages": "supermarket chains' open stores sell standard packages to compounds through leaders, reachable without a tie (off: they sell nothing to compounds)",
        }.items()
    },
    # Null models of the reproduction (docs/argument.md; experiments/claims.py): alternative explanations a claim
    # must beat, off in every scenario. Not mechanisms of the city: each replaces one mechanism's rule with the null.
    "counterfactuals": {
        "platform_top_up": Flag("the platform is given extra capacity (top_up_portions) where orders wait unserved, "
                                "without any group channel (claims 1 and 5: is the groups' gain only more supply?)"),
        "top_up_portions": Points(0.0, 1_000_000.0, "extra platform portions per 1,000 households per day, over "
                                  "days (read when platform_top_up is on)"),
        "leader_lottery": Flag("new leaders are placed at random among eligible members, as many a day as "
                               "lottery_leaders says, instead of emerging where need is uncovered (claim 4)"),
        "lottery_leaders": Points(0.0, 1000.0, "new leaders per 1,000 households per day, over days (read when "
                                  "leader_lottery is on)"),
        "moq_in_portions": Flag("suppliers' minimum orders are read as portions, not sets: ceil(moq / set_portions) "
                                "sets (claim 3: is pooling's efficiency the minimum order's unit restated?)"),
    },
}

MECHANISMS = tuple(SCHEMA["mechanisms"])
COUNTERFACTUALS = tuple(SCHEMA["counterfactuals"])


def field(path: str):
    """The schema entry for a dotted path such as 'population.elderly_share', or a ScenarioError."""
    section, dot, key = path.partition(".")
    if not dot or not key:
        homes = [f"{s}.{section}" for s, keys in SCHEMA.items() if section in keys]
        hint = f"; did you mean {' or '.join(homes)}?" if homes else ""
        raise ScenarioError(f"{path}: not a setting; allowed: section.key, e.g. stock.initial_days "
                            f"(lockdown-sim params){hint}")
    if section not in SCHEMA or key not in SCHEMA[section]:
        if section not in SCHEMA:
            raise ScenarioError(f"{path}: unknown section '{section}'; allowed: {', '.join(SCHEMA)}")
        hint = difflib.get_close_matches(key, SCHEMA[section], n=1)
        raise ScenarioError(f"{path}: unknown key '{key}'; allowed in [{section}]: {', '.join(SCHEMA[section])}"
                            + (f"; did you mean {section}.{hint[0]}?" if hint else ""))
    return SCHEMA[section][key]
