"""The study's claims as data: what each claim says, where the study makes it, the experiment that tests it, the
effect that measures it and the direction the study predicts, the mechanism ablation, the null model where the
claim could be an input restated, and which effects are tried over the plausible ranges.

`lockdown-sim reproduce` (experiments/reproduce.py runs it, analysis/reproduce.py judges it, analysis/report.py
writes it) reads only this registry, so a claim or a mechanism added later is a few lines here:

    Claim("ties", "Afterwards, ties fade", "...", argument=7, section="...",
          effects=(Effect("most lockdown ties fade", Measure(HYBRID, "lockdown_ties_kept_share"), Fixed(0.5, "half"), -1),),
          ablations=(Ablation("no tie decay", {"tie_decay": False}),),
          null=NullModel("...", Measure(HYBRID, "lockdown_ties_kept_share"), FromSettings("...", one_order_tie_survival)))

The argument and its sections: docs/argument.md (claim N) and the study's sections as named in
docs/argument.md, "The study". Outcomes are names of the outcome registry, sim/outcomes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


# --- the experiment: arms -------------------------------------------------------------------------
def _text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Arm:
    """One ordering mode with some settings changed (model keywords, mechanism switches or "section.key"
    scenario settings). Arms with the same mode and settings are the same runs, whichever claim asks."""

    ordering: str
    settings: tuple = ()  # sorted (name, value) pairs

    def plus(self, settings: dict) -> "Arm":
        merged = dict(self.settings) | dict(settings)
        return Arm(self.ordering, tuple(sorted(merged.items())))

    @property
    def key(self) -> str:
        """A name for the arm's results directory, e.g. "hybrid--gateway=false"."""
        return self.ordering + "".join(f"--{k}={_text(v)}" for k, v in self.settings)

    @property
    def label(self) -> str:
        """For readers: "hybrid, gateway off"."""
        parts = [self.ordering.replace("_", " ")]
        for name, value in self.settings:
            if isinstance(value, bool):
                parts.append(f"{name.replace('_', ' ')} {'on' if value else 'off'}")
            else:
                parts.append(f"{name} = {_text(value)}")
        return ", ".join(parts)


HYBRID, PLATFORM, GROUP = Arm("hybrid"), Arm("platform"), Arm("group_buying")


# --- what an effect compares ----------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """An end-of-run outcome of an arm, one value per seed."""

    arm: Arm
    outcome: str

    def on(self, settings: dict) -> "Measure":
        return Measure(self.arm.plus(settings), self.outcome)


@dataclass(frozen=True)
class Fixed:
    """A number stated by the claim itself (e.g. "most": half)."""

    value: float
    text: str

    def on(self, settings: dict) -> "Fixed":
        return self


@dataclass(frozen=True)
class FromSettings:
    """A value the scenario's settings fix, computed for each run from its settings (a `Setting` context)."""

    text: str
    value: Callable  # (Setting) -> float

    def on(self, settings: dict) -> "FromSettings":
        return self


@dataclass(frozen=True)
class FromCity:
    """A structural value of the built city (not run), e.g. the upper bound on leaders summed over its compounds:
    `probe` names a function in experiments/reproduce.py PROBES, evaluated for every run of `arm`."""

    text: str
    probe: str
    arm: Arm

    def on(self, settings: dict) -> "FromCity":
        return FromCity(self.text, self.probe, self.arm.plus(settings))


@dataclass(frozen=True)
class Setting:
    """What a FromSettings value may read: the run's validated scenario, its days and the reopening day."""

    cfg: object
    days: int
    reopen_day: int


@dataclass(frozen=True)
class Effect:
    """`a` against `b` seed by seed: a - b ("difference") or a / b ("ratio"), and the direction the study
    predicts: +1 (a above b), -1 (a below b) or 0 (the study makes no prediction; reported, not judged)."""

    label: str
    a: Measure
    b: Measure | Fixed | FromSettings | FromCity
    predicted: int
    scale: str = "difference"
    unit: str = ""

    def on(self, settings: dict) -> "Effect":
        """The same effect with `settings` applied to every arm it reads (an ablation, a point of a sweep)."""
        return Effect(self.label, self.a.on(settings), self.b.on(settings), self.predicted, self.scale, self.unit)

    @property
    def neutral(self) -> float:
        return 1.0 if self.scale == "ratio" else 0.0

    def arms(self) -> list[Arm]:
        out = [self.a.arm]
        if isinstance(self.b, Measure):
            out.append(self.b.arm)
        return out


@dataclass(frozen=True)
class Ablation:
    """The primary effect again with a mechanism switched off in every arm it reads."""

    label: str
    settings: dict


@dataclass(frozen=True)
class NullModel:
    """Where a claim could be an input restated: what the input alone would give (`expected`), compared seed by
    seed with what the model gives (`measure`: an outcome or an effect's value)."""

    text: str
    measure: Measure | Effect
    expected: Fixed | FromSettings | FromCity


# --- figures the section shows (one idea each; drawn by analysis/report.py) ----------------------------
@dataclass(frozen=True)
class Series:
    """A daily metric over the run, mean and 95 % band over seeds, one line per arm."""

    title: str
    metric: str
    arms: tuple  # (Arm, label) pairs
    ylabel: str
    per_1000: bool = False  # counts per 1,000 households
    rolling: int = 1  # days in a moving mean (1: the daily values)
    after_reopening: bool = False  # only days from reopening, as a share of the value on the last lockdown day
    reference: FromSettings | FromCity | Fixed | None = None  # a dashed line (FromCity: one per arm, its own city)
    reference_curve: Callable | None = None  # (Setting, days after reopening array) -> values, dashed


@dataclass(frozen=True)
class Dots:
    """An outcome in several arms, mean and 95 % interval, with the null model's value as a line."""

    title: str
    measures: tuple  # (Measure, label) pairs
    ylabel: str
    reference: FromSettings | FromCity | Fixed | None = None
    log: bool = False
    scale: float = 1.0  # multiply values (e.g. hours -> minutes)


@dataclass(frozen=True)
class Forest:
    """The primary effect and the same effect under each ablation, with 95 % intervals."""

    title: str
    xlabel: str


@dataclass(frozen=True)
class Claim:
    key: str
    title: str
    text: str  # the claim in one sentence
    argument: int | None  # docs/argument.md, claim N (None: the headline, which joins several)
    section: str  # where the study makes it (its sections as named in docs/argument.md)
    effects: tuple  # Effects; the first is the primary one, the one ablations and the null model are about
    ablations: tuple = ()
    null: NullModel | None = None
    robustness: tuple = (0,)  # indices of effects tried over the plausible ranges (Latin hypercube)
    figures: tuple = ()
    reading: str = ""  # how to read the experiment: what it leaves out, what the verdict cannot say
    context: tuple = ()  # (Measure, why) pairs shown beside the null model, e.g. how often a bound binds

    @property
    def primary(self) -> Effect:
        return self.effects[0]

    @property
    def where(self) -> str:
        head = f"docs/argument.md, claim {self.argument}" if self.argument else "docs/argument.md"
        return f"{head}; the study's section {self.section}"

    def ablated(self) -> list[tuple[Ablation, Effect]]:
        return [(ab, self.primary.on(ab.settings)) for ab in self.ablations]

    def arms(self) -> list[Arm]:
        """Every arm the claim's effects, ablations, null model and figures read, once each, in order."""
        out: list[Arm] = []
        effects = list(self.effects) + [e for _, e in self.ablated()]
        for effect in effects:
            out += effect.arms()
        if self.null is not None:
            m = self.null.measure
            out += m.arms() if isinstance(m, Effect) else [m.arm]
        out += [m.arm for m, _ in self.context]
        for fig in self.figures:
            if isinstance(fig, Series):
                out += [arm for arm, _ in fig.arms]
            elif isinstance(fig, Dots):
                out += [m.arm for m, _ in fig.measures]
        return list(dict.fromkeys(out))

    def probes(self) -> list[tuple[str, Arm]]:
        """(probe, arm) pairs of the structural values the claim compares with."""
        terms = [e.b for e in self.effects] + [e.b for _, e in self.ablated()]
        if self.null is not None:
            terms.append(self.null.expected)
        for fig in self.figures:
            if isinstance(fig, Series) and isinstance(fig.reference, FromCity):
                terms += [FromCity(fig.reference.text, fig.reference.probe, arm) for arm, _ in fig.arms]
        return list(dict.fromkeys((t.probe, t.arm) for t in terms if isinstance(t, FromCity)))


@dataclass(frozen=True)
class BreakEven:
    """A sweep of one model keyword in one arm, to find where its outcome matches another arm's (paired seeds)."""

    title: str
    parameter: str
    values: tuple  # full run
    quick_values: tuple
    sweep: Measure  # swept at every value (the arm's own value of the parameter is the base arm)
    base_value: float  # the value the base arm has (e.g. courier_availability 1.0)
    target: Measure  # what the sweep should match
    xlabel: str
    ylabel: str


# --- values the scenario fixes ------------------------------------------------------------------
def one_order_tie_survival(s: Setting) -> float:
    """Share of ties still standing at the end if every tie had been made in one order: (1 - decay_rate) per day
    after reopening (sim/ties.py: daily loss decay_rate / k^strength_exponent for a tie made in k orders)."""
    return (1.0 - s.cfg["ties.decay_rate"]) ** max(0, s.days - s.reopen_day)


def mean_minimum_order_portions(s: Setting) -> float:
    """A supplier's mean minimum order in portions: set_portions x the kinds' shares x their spans' midpoints
    (sim/local_supply.py draws each supplier's minimum uniformly from its kind's span)."""
    ls = s.cfg.local_suppliers
    spans = (ls.moq_farm, ls.moq_wholesaler, ls.moq_supermarket, ls.moq_restaurant)
    return ls.set_portions * sum(share * (lo + hi) / 2 for share, (lo, hi) in zip(ls.kind_shares, spans))


def gateway_overhead_factor(s: Setting) -> float:
    """The share of posting, sign-up and payment work a gateway leaves with a leader (an input)."""
    return s.cfg["gateway.overhead_factor"]


def one_order_tie_curve(s: Setting, days_after):
    return (1.0 - s.cfg["ties.decay_rate"]) ** days_after


# --- the registry ---------------------------------------------------------------------------------
NO_GROWTH = HYBRID.plus({"invitations": False, "posted_codes": False})
NO_GATEWAY = HYBRID.plus({"gateway": False})
BIG_BOUND = {"group_buying.leaders_per_100_households": 5.0}  # the bound's plausible maximum (scenario [plausible])
LEADER_BOUND = "leader upper bound"

HEADLINE = Claim(
    key="headline",
    title="Platforms, group buying, or both",
    text="With group buying beside the platforms, as in Shanghai, residents are fed better than by platforms "
         "alone: a higher delivery ratio, more of the need met in the worst week and fewer older residents unserved.",
    argument=1,
    section="Introduction (platforms' shortfall, group buying becoming the main channel)",
    effects=(
        Effect("delivery ratio, hybrid - platform", Measure(HYBRID, "delivery_ratio"), Measure(PLATFORM, "delivery_ratio"), +1),
        Effect("need met in the worst week, hybrid - platform", Measure(HYBRID, "need_met_share_worst_week"),
               Measure(PLATFORM, "need_met_share_worst_week"), +1),
        Effect("older residents unserved, hybrid - platform", Measure(HYBRID, "elderly_unserved_share"),
               Measure(PLATFORM, "elderly_unserved_share"), -1),
        Effect("delivery ratio, group buying - platform", Measure(GROUP, "delivery_ratio"), Measure(PLATFORM, "delivery_ratio"), 0),
        Effect("need met in the worst week, group buying - platform", Measure(GROUP, "need_met_share_worst_week"),
               Measure(PLATFORM, "need_met_share_worst_week"), 0),
        Effect("older residents unserved, group buying - platform", Measure(GROUP, "elderly_unserved_share"),
               Measure(PLATFORM, "elderly_unserved_share"), 0),
    ),
    robustness=(0, 3),
    reading="The study describes groups working beside the platforms; it makes no claim that group buying alone "
            "would beat them, so the group-buying-alone rows are reported without a verdict.",
)

BREAK_EVEN = BreakEven(
    title="Riders at work at which platform ordering alone matches group buying alone",
    parameter="courier_availability",
    values=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7),
    quick_values=(0.1, 0.2, 0.3, 0.5),
    sweep=Measure(PLATFORM, "delivery_ratio"),
    base_value=1.0,
    target=Measure(GROUP, "delivery_ratio"),
    xlabel="riders at work (multiple of the calibrated curve)",
    ylabel="delivery ratio over the lockdown",
)

CLAIMS = (
    Claim(
        key="flows_places",
        title="Space of flows and space of places",
        text="Platforms reached every resident but lacked the delivery capacity behind the reach, while local "
             "suppliers had capacity but no channel; group buying joined the two and became the main way "
             "residents bought food.",
        argument=1,
        section="\"Community WeChat groups: online streets in the space of flows\"",
        effects=(
            Effect("households trying per platform slot, platform alone, above one", Measure(PLATFORM, "offers_seen_per_delivery_slot"),
                   Fixed(1.0, "one household per slot"), +1, unit="households per slot"),
            Effect("idle local capacity, hybrid - platform", Measure(HYBRID, "idle_local_capacity"),
                   Measure(PLATFORM, "idle_local_capacity"), -1),
            Effect("food by group buying - food by platform, hybrid", Measure(HYBRID, "group_food_share"),
                   Measure(HYBRID, "platform_food_share"), +1),
        ),
        ablations=(Ablation("no lockdown", {"lockdown": False}),),
        null=NullModel("Idle local capacity in platform-only mode is 1 by construction: no channel reaches the "
                       "local suppliers, so their untapped capacity there restates the mode, not a finding.",
                       Measure(PLATFORM, "idle_local_capacity"), Fixed(1.0, "all of it idle")),
        figures=(
            Series("Households trying for each platform slot", "offers_seen_per_delivery_slot",
                   ((PLATFORM, "platform alone"), (HYBRID, "hybrid"), (PLATFORM.plus({"lockdown": False}),
                                                                       "platform alone, no lockdown")),
                   "households trying per slot", rolling=7, reference=Fixed(1.0, "one per slot")),
            Dots("Where the food reaching gates and shops came from, hybrid", (
                (Measure(HYBRID, "platform_food_share"), "platform, single orders"),
                (Measure(HYBRID, "platform_group_food_share"), "platform, compound group orders"),
                (Measure(HYBRID, "group_food_share"), "group buying (all)"),
                (Measure(HYBRID, "package_food_share"), "of which supermarket packages"),
                (Measure(HYBRID, "relief_food_share"), "relief"),
                (Measure(HYBRID, "retail_food_share"), "shops"),
            ), "share of portions over the lockdown"),
        ),
        reading="The space of flows is measured in platform-only mode, where every household in need tries for "
                "a slot; the no-lockdown ablation runs the same city without restrictions. Both channels are on one "
                "scale (a person-day of food in money: docs/sources.md#one-unit-for-both-channels) and held to the "
                "record: the platform to its order counts, group buying to the supermarket chains' 660,000 "
                "packages a day (docs/calibration.md); group buying includes those packages.",
    ),
    Claim(
        key="online_street",
        title="The compound chat group as an online street",
        text="Sealed residents met in their compound's chat group, which spread by invitation and by QR codes "
             "posted at gates; membership was bounded by address.",
        argument=2,
        section="\"Community WeChat groups: online streets in the space of flows\"",
        effects=(
            Effect("chat-group members at reopening, hybrid - groups that cannot grow",
                   Measure(HYBRID, "chat_member_share_at_reopening"), Measure(NO_GROWTH, "chat_member_share_at_reopening"), +1),
            Effect("food by group buying, hybrid - groups that cannot grow", Measure(HYBRID, "group_food_share"),
                   Measure(NO_GROWTH, "group_food_share"), +1),
        ),
        ablations=(Ablation("no invitations", {"invitations": False}),
                   Ablation("no posted codes", {"posted_codes": False})),
        figures=(
            Series("Chat-group members", "chat_member_share",
                   ((HYBRID, "invitations and codes"), (HYBRID.plus({"invitations": False}), "codes only"),
                    (HYBRID.plus({"posted_codes": False}), "invitations only"), (NO_GROWTH, "neither (day-0 members)")),
                   "share of households in their compound's group"),
            Forest("Growth of the groups, and which channel carries it",
                   "members at reopening minus day-0 members (share of households)"),
        ),
        reading="Groups that cannot grow keep their day-0 members (group_buying.initial_member_share, an input); "
                "the contrast is the growth the two mechanisms make. Membership is bounded by address by "
                "construction (one group per compound).",
    ),
    Claim(
        key="bridging",
        title="Weak ties carry bridging capital",
        text="Members brought supply channels from their jobs and acquaintances into the group, and pooling let "
             "the compound meet a supplier's minimum order and take one bulk delivery at the gate instead of "
             "hundreds of rider trips.",
        argument=3,
        section="\"Social ties in community groups: place-based weak ties\"",
        effects=(
            Effect("portions per truck hand-over - portions per rider stop, hybrid",
                   Measure(HYBRID, "portions_per_truck_stop"), Measure(HYBRID, "portions_per_rider_stop"), +1,
                   unit="portions"),
            Effect("food by group buying, hybrid - no supplier ties", Measure(HYBRID, "group_food_share"),
                   Measure(HYBRID.plus({"supplier_ties": False}), "group_food_share"), +1),
        ),
        ablations=(Ablation("no bulk delivery", {"bulk_delivery": False}),
                   Ablation("no minimum order", {"min_order": False})),
        null=NullModel("A truck hand-over could be the minimum order restated: a supplier's mean minimum order, "
                       "in portions, is fixed by local_suppliers.moq_* and set_portions.",
                       Measure(HYBRID, "portions_per_truck_stop"),
                       FromSettings("mean minimum order (portions)", mean_minimum_order_portions)),
        figures=(
            Dots("Portions per hand-over at the gate", (
                (Measure(HYBRID, "portions_per_rider_stop"), "rider stop"),
                (Measure(HYBRID, "portions_per_truck_stop"), "truck hand-over"),
                (Measure(HYBRID.plus({"min_order": False}), "portions_per_truck_stop"), "truck, no minimum order"),
                (Measure(HYBRID.plus({"bulk_delivery": False}), "portions_per_truck_stop"), "truck, no bulk delivery"),
            ), "portions per hand-over (log scale)",
                reference=FromSettings("mean minimum order", mean_minimum_order_portions), log=True),
        ),
        reading="Hand-overs are counted in hybrid mode, as it happened. Without bulk delivery a group order is "
                "handed over household by household.",
    ),
    Claim(
        key="public_figures",
        title="Public figures emerge",
        text="Group leaders emerged from among residents and made the work routine, at a high cost in time.",
        argument=4,
        section="\"Social ties in community groups: place-based weak ties\" and \"Infrastructure of practice\"",
        effects=(
            Effect("peak leaders - their upper bound, hybrid (per 1,000 households)",
                   Measure(HYBRID, "leaders_peak_per_1000"), FromCity(LEADER_BOUND, "leader_bound", HYBRID), -1,
                   unit="per 1,000 households"),
            Effect("peak leaders, group buying alone - hybrid (more step up where no platform covers need)",
                   Measure(GROUP, "leaders_peak_per_1000"), Measure(HYBRID, "leaders_peak_per_1000"), +1, unit="per 1,000 households"),
            Effect("peak leaders - their upper bound, hybrid, bound at its plausible maximum",
                   Measure(HYBRID.plus(BIG_BOUND), "leaders_peak_per_1000"),
                   FromCity(LEADER_BOUND, "leader_bound", HYBRID.plus(BIG_BOUND)), -1, unit="per 1,000 households"),
        ),
        null=NullModel("If the number of leaders were the upper bound restated (group_buying.leaders_per_100_households,"
                       " at least one per compound), peak leaders would equal the bound: a ratio of 1.",
                       Effect("peak leaders / upper bound", Measure(HYBRID, "leaders_peak_per_1000"),
                              FromCity(LEADER_BOUND, "leader_bound", HYBRID), 0, scale="ratio"),
                       Fixed(1.0, "the bound")),
        figures=(
            Series("Leaders at work, against the upper bound on leaders", "leaders",
                   ((HYBRID, "hybrid, bound as calibrated"), (HYBRID.plus(BIG_BOUND), "hybrid, bound at its maximum"),
                    (GROUP, "group buying alone")),
                   "leaders per 1,000 households", per_1000=True,
                   reference=FromCity(LEADER_BOUND, "leader_bound", HYBRID)),
        ),
        reading="The leader of leaders and building rosters are not modelled (docs/argument.md, claim 4).",
        context=((Measure(HYBRID, "leader_cap_binding"), "how often the bound turned a would-be leader away, hybrid"),
                 (Measure(HYBRID.plus(BIG_BOUND), "leader_cap_binding"), "the same with the bound at its maximum")),
    ),
    Claim(
        key="vulnerable",
        title="The vulnerable are seen",
        text="Older residents who could not grab 06:00 platform slots were reached by the groups, through children "
             "ordering remotely and volunteers listing needs door to door; without the group they were left unserved.",
        argument=5,
        section="\"Social ties in community groups: place-based weak ties\" and Method",
        effects=(
            Effect("older residents unserved (mean daily share), hybrid - platform",
                   Measure(HYBRID, "elderly_unserved_share"), Measure(PLATFORM, "elderly_unserved_share"), -1),
            Effect("older residents left unserved 3+ days, hybrid - platform",
                   Measure(HYBRID, "elderly_left_unserved_share"), Measure(PLATFORM, "elderly_left_unserved_share"), -1),
        ),
        ablations=(Ablation("no canvassing", {"canvassing": False}),
                   Ablation("no proxies", {"proxies": False}),
                   Ablation("no canvassing, no proxies", {"canvassing": False, "proxies": False})),
        figures=(
            Series("Older residents unserved", "elderly_unserved_share",
                   ((PLATFORM, "platform alone"), (HYBRID, "hybrid"),
                    (HYBRID.plus({"canvassing": False, "proxies": False}), "hybrid, no canvassing or proxies")),
                   "households with an older member\nnot eating their need (share)", rolling=7),
            Forest("The groups' effect on older residents, and what carries it",
                   "older residents unserved, hybrid minus platform (share)"),
        ),
        reading="Canvassing and volunteers work in every mode (fair counterfactual), so each ablation switches the "
                "mechanism off in both arms.",
    ),
    Claim(
        key="gateways",
        title="Gateways standardise",
        text="Group-buying mini-programs cut the leaders' overhead (supplier search, sign-up lists, payment) and "
             "widened the suppliers they could reach, but did not do the local work at the gate.",
        argument=6,
        section="\"Infrastructure of practice: when social infrastructure meets the platform\"",
        effects=(
            Effect("leader hours per sign-up, hybrid - no gateway", Measure(HYBRID, "leader_hours_per_signup"),
                   Measure(NO_GATEWAY, "leader_hours_per_signup"), -1, unit="hours"),
            Effect("food by group buying, hybrid - no gateway", Measure(HYBRID, "group_food_share"),
                   Measure(NO_GATEWAY, "group_food_share"), +1),
        ),
        null=NullModel("If the cut were the gateway's overhead factor restated (gateway.overhead_factor, an input), "
                       "hours per sign-up with a gateway / without would equal it.",
                       Effect("hours per sign-up, gateway / no gateway", Measure(HYBRID, "leader_hours_per_signup"),
                              Measure(NO_GATEWAY, "leader_hours_per_signup"), 0, scale="ratio"),
                       FromSettings("overhead factor", gateway_overhead_factor)),
        figures=(
            Dots("Leader time per sign-up", (
                (Measure(NO_GATEWAY, "leader_hours_per_signup"), "no gateway"),
                (Measure(HYBRID, "leader_hours_per_signup"), "gateway (calibrated)"),
            ), "leader minutes per sign-up", scale=60.0),
        ),
        reading="The contrast is the gateway switch itself, so there is no separate ablation. Leader hours include "
                "the time at the gate, which a gateway does not cut.",
    ),
    Claim(
        key="ties_fade",
        title="Afterwards, ties fade",
        text="Most ties formed in the lockdown faded after the city reopened, though some remained.",
        argument=7,
        section="\"Social ties in community groups: place-based weak ties\"",
        effects=(
            Effect("lockdown ties kept at the end - one half, hybrid", Measure(HYBRID, "lockdown_ties_kept_share"),
                   Fixed(0.5, "half"), -1),
        ),
        ablations=(Ablation("no tie decay", {"tie_decay": False}),),
        null=NullModel("Tie survival could be the decay parameters restated: a tie made in one order survives the "
                       "days after reopening with chance (1 - ties.decay_rate)^days; ties made in more orders fade "
                       "more slowly (ties.strength_exponent).",
                       Measure(HYBRID, "lockdown_ties_kept_share"), FromSettings("one-order tie survival", one_order_tie_survival)),
        figures=(
            Series("Lockdown ties standing after reopening", "lockdown_ties",
                   ((HYBRID, "hybrid"), (GROUP, "group buying alone"), (HYBRID.plus({"tie_decay": False}), "no decay")),
                   "share of the ties standing at reopening", after_reopening=True,
                   reference_curve=one_order_tie_curve),
        ),
        reading="The model runs 30 days past reopening; the study's second interviews came ten months or more later.",
    ),
)

ALL_CLAIMS = (HEADLINE,) + CLAIMS
