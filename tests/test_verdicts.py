"""Verdicts that could have failed (analysis/verdicts.py, experiments/falsifiable.py): a claim true by construction is
labelled an implementation check and never judged; "no effect" needs an equivalence test inside the smallest effect
of interest; Holm's correction, the bootstrap check on skewed values, the claim rule and the seeds a test needs
from its SESOI; and no verdict of the reproduction compares an outcome with its own bound or a mechanism's counter
with the mechanism switched off."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockdown_sim.analysis.reproduce import Measurements, judge
from lockdown_sim.analysis.verdicts import (HOLDS, INCONCLUSIVE, INPUT, NO_EFFECT, REVERSED, claim_verdict,
                                            decide, decide_family, holm, seeds_needed, weigh_effect)
from lockdown_sim.experiments.claims import (ALL_CLAIMS, HYBRID, NO_GATEWAY, NO_GROWTH, PLATFORM, UNBOUND, Claim,
                                             Effect, Fixed, FromCity, Measure)
from lockdown_sim.experiments.falsifiable import CHECK, COUNTERS, SESOI, VERDICT, classify
from lockdown_sim.experiments.reproduce import Design, profile_for
from lockdown_sim.sim.outcomes import OUTCOMES

SEEDS = list(range(1, 21))


# --- a claim true by construction --------------------------------------------------------------------
MEMBERS = Effect("chat-group members, hybrid - groups that cannot grow", Measure(HYBRID, "chat_member_share_at_reopening"),
                 Measure(NO_GROWTH, "chat_member_share_at_reopening"), +1, null="groups that cannot grow")
LEADERS = Effect("peak leaders - their bound", Measure(HYBRID, "leaders_peak_per_1000"),
                 FromCity("the bound", "leader_bound", HYBRID, bound_of="leaders_peak_per_1000"), -1)
IDLE = Effect("idle local capacity, platform alone - all", Measure(PLATFORM, "idle_local_capacity"),
              Fixed(1.0, "all of it"), -1)
GROUP_FOOD = Effect("food by group buying, hybrid - platform alone", Measure(HYBRID, "group_food_share"),
                    Measure(PLATFORM, "group_food_share"), +1)
NEED = Effect("need met, hybrid - platform", Measure(HYBRID, "need_met_share"), Measure(PLATFORM, "need_met_share"), +1,
              null="platforms alone")
TOY_CLAIM = Claim("toy", "A claim true by construction", "Groups grow when they can grow.", 2, "none",
                  effects=(MEMBERS, LEADERS, IDLE, GROUP_FOOD, NEED))


def _runs() -> pd.DataFrame:
    """Synthetic runs in which the mechanism-made effects are huge and certain, and need met barely differs."""
    rng = np.random.default_rng(7)
    rows = []
    for arm, members, need in ((HYBRID, 0.94, 0.962), (NO_GROWTH, 0.05, 0.95), (PLATFORM, 0.0, 0.955)):
        for seed in SEEDS:
            rows.append({"kind": "main", "arm": arm.key, "run_id": f"{arm.key}-{seed}", "point": 0, "seed": seed,
                         "chat_member_share_at_reopening": members + rng.normal(0, 0.002),
                         "leaders_peak_per_1000": 3.0 + rng.normal(0, 0.1),
                         "idle_local_capacity": 1.0 if arm is PLATFORM else 0.9,
                         "group_food_share": 0.0 if arm is PLATFORM else 0.3 + rng.normal(0, 0.01),
                         "need_met_share": need + rng.normal(0, 0.004)})
    return pd.DataFrame(rows)


def _measurements(runs: pd.DataFrame) -> Measurements:
    probes = pd.DataFrame({"kind": "main", "arm": HYBRID.key, "run_id": [f"{HYBRID.key}-{s}" for s in SEEDS],
                           "probe": "leader_bound", "value": 10.0})
    return Measurements(Design(profile_for(quick=True, points=0)), runs, {}, probes)


def test_a_claim_true_by_construction_is_labelled_an_implementation_check_not_a_verdict():
    assert [e.label for e in TOY_CLAIM.verdicts()] == [NEED.label]
    reasons = {e.label: e.kind.reason for e in TOY_CLAIM.all_checks()}
    assert set(reasons) == {MEMBERS.label, LEADERS.label, IDLE.label, GROUP_FOOD.label}
    assert "own counter against itself switched off" in reasons[MEMBERS.label]
    assert "own bound" in reasons[LEADERS.label] and "own bound" in reasons[IDLE.label]
    assert "group channel" in reasons[GROUP_FOOD.label]  # a channel's counter against the mode without it

    result = judge(_measurements(_runs()), claims=[TOY_CLAIM]).claims[0]
    # the machinery judges only the test that could fail; the checks are as built, and never verdicts
    assert [e.effect.label for e in result.effects] == [NEED.label]
    checks = {e.effect.label: e for e in result.checks}
    assert checks[MEMBERS.label].decision is None and checks[MEMBERS.label].verdict == "as built"
    assert checks[MEMBERS.label].value > 0.8  # an enormous, certain effect: still not evidence
    assert checks[LEADERS.label].verdict == "as built" and checks[IDLE.label].verdict == "as built"
    # the claim's verdict rests on its one real test (need met +0.007 against a SESOI of 0.02: not a finding)
    assert result.effects[0].verdict in (NO_EFFECT, INCONCLUSIVE) and result.verdict == result.effects[0].verdict


def test_an_author_may_declare_an_effect_that_cannot_fail_and_it_is_then_a_check():
    calibrated = Effect("households per slot - one", Measure(PLATFORM, "offers_seen_per_delivery_slot"),
                        Fixed(1.0, "one"), +1, construction="calibrated to the record")
    assert classify(calibrated).kind == CHECK and classify(calibrated).reason == "calibrated to the record"


# --- equivalence: "no effect" only inside the margin ------------------------------------------------
def _sample(mean: float, sd: float, n: int = 30, seed: int = 3) -> np.ndarray:
    x = np.random.default_rng(seed).normal(0, 1, n)
    return mean + sd * (x - x.mean()) / x.std(ddof=1)  # exactly this mean and sd


@pytest.mark.parametrize("mean, sd, expected", [
    (0.005, 0.01, NO_EFFECT),  # 90 % interval about [0.002, 0.008]: inside +/- 0.02
    (0.012, 0.004, NO_EFFECT),  # detectably above zero, yet inside the margin: no effect worth reporting
    (0.0, 0.08, INCONCLUSIVE),  # centred on zero but wide: a wide interval is not evidence of no effect
    (0.017, 0.01, INCONCLUSIVE),  # the interval crosses the margin: neither inside it nor beyond it
    (0.03, 0.01, HOLDS),  # beyond the margin
])
def test_tost_declares_no_effect_only_inside_the_margin(mean, sd, expected):
    t = weigh_effect(_sample(mean, sd), predicted=+1, sesoi=0.02)
    assert decide(t, t.p_holds, t.p_reversed, t.p_tost).verdict == expected, (t.low90, t.high90)
    assert (expected == NO_EFFECT) == (-0.02 < t.low90 and t.high90 < 0.02)
    if (mean, sd) == (0.012, 0.004):
        assert t.low > 0  # the old rule (the interval excludes zero) would have said "holds"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-0.2, 0.2, allow_nan=False), min_size=2, max_size=40), st.floats(0.001, 0.1))
def test_no_effect_always_means_the_90_percent_interval_lies_inside_the_margin(values, margin):
    t = weigh_effect(values, predicted=-1, sesoi=margin)
    verdict = decide(t, t.p_holds, t.p_reversed, t.p_tost).verdict
    if verdict == NO_EFFECT:
        assert -margin <= t.low90 + 1e-12 and t.high90 <= margin + 1e-12
    if verdict == HOLDS:  # predicted lower: the 95 % interval lies below -margin
        assert t.high <= -margin + 1e-12
    if verdict == REVERSED:
        assert t.low >= margin - 1e-12


# --- Holm, bootstrap, the claim rule, seeds ------------------------------------------------------------
def test_holm_adjusts_like_statsmodels_and_can_undo_a_verdict():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    adjusted = holm(p)
    assert adjusted[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02]) and math.isnan(adjusted[4])
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    assert adjusted[:4] == pytest.approx(multitest.multipletests(p[:4], method="holm")[1])
    # one test that holds alone (p about 0.01) is inconclusive among several that fail
    one = weigh_effect(_sample(0.028, 0.015, n=20), +1, 0.02)
    assert 0.005 < one.p_holds < 0.025
    assert decide_family([one])[0].verdict == HOLDS
    others = [weigh_effect(_sample(0.0, 0.05, n=20, seed=k), +1, 0.02) for k in range(4)]
    assert decide_family([one] + others)[0].verdict == INCONCLUSIVE


def test_skewed_values_need_the_bootstrap_interval_to_agree():
    x = np.r_[np.random.default_rng(1).normal(0.06, 0.005, 27), [-0.1, -0.1, -0.1]]  # three seeds far below
    t = weigh_effect(x, +1, 0.02)
    assert t.skewed and t.low > 0.02 and t.boot_low < 0.02  # the t interval clears the SESOI, the bootstrap not
    decision = decide(t, t.p_holds, t.p_reversed, t.p_tost)
    assert decision.verdict == INCONCLUSIVE and "bootstrap" in decision.reason
    symmetric = weigh_effect(_sample(0.06, 0.01), +1, 0.02)
    assert not symmetric.skewed and math.isnan(symmetric.boot_low)


def test_a_claim_is_the_conjunction_of_its_tests():
    assert claim_verdict([HOLDS, HOLDS]) == HOLDS
    assert claim_verdict([HOLDS, INCONCLUSIVE]) == INCONCLUSIVE
    assert claim_verdict([HOLDS, NO_EFFECT, INCONCLUSIVE]) == NO_EFFECT
    assert claim_verdict([NO_EFFECT, REVERSED]) == REVERSED
    assert claim_verdict([]) == INPUT


def test_seeds_needed_come_from_the_sesoi_not_from_the_effect_measured():
    small, large = weigh_effect(_sample(0.001, 0.02), +1, 0.02), weigh_effect(_sample(0.3, 0.02), +1, 0.02)
    assert seeds_needed(small.sd, 0.02) == seeds_needed(large.sd, 0.02) == (8.0, 9.0)
    # ((z_0.975 + z_0.8) sd / SESOI)^2 = 7.85 -> 8; TOST: ((z_0.95 + z_0.9) sd / SESOI)^2 = 8.56 -> 9
    assert seeds_needed(0.04, 0.02)[0] == 32


# --- the reproduction's own claims ---------------------------------------------------------------------
def test_no_verdict_compares_an_outcome_with_its_own_bound_or_a_counter_with_its_mechanism_off():
    for claim in ALL_CLAIMS:
        for effect in claim.verdicts():
            assert classify(effect).kind == VERDICT
            assert isinstance(effect.b, Measure), effect.label  # every test is against a null arm
            assert effect.null, effect.label  # which says what alternative it stands for
            if effect.b.outcomes == effect.a.outcomes:
                for name in effect.a.outcomes:
                    for switch in COUNTERS.get(name, ()):
                        on = lambda arm: dict(arm.settings).get(switch, not switch.startswith("counterfactuals."))  # noqa: E731
                        if switch not in ("group channel", "platform channel"):
                            assert on(effect.a.arm) == on(effect.b.arm), (effect.label, switch)
    # the effects the issue found could not fail are checks now, wherever they are listed
    criticised = [
        Effect("idle capacity, hybrid - platform", Measure(HYBRID, "idle_local_capacity"),
               Measure(PLATFORM, "idle_local_capacity"), -1),
        MEMBERS, LEADERS,
        Effect("hours per sign-up, hybrid - no gateway", Measure(HYBRID, "leader_hours_per_signup"),
               Measure(NO_GATEWAY, "leader_hours_per_signup"), -1),
        Effect("ties kept - no decay", Measure(HYBRID, "lockdown_ties_kept_share"),
               Measure(HYBRID.plus({"tie_decay": False}), "lockdown_ties_kept_share"), -1),
        Effect("peak leaders, bound at maximum - bound", Measure(UNBOUND, "leaders_peak_per_1000"),
               FromCity("bound", "leader_bound", UNBOUND, bound_of="leaders_peak_per_1000"), -1),
    ]
    assert all(classify(e).kind == CHECK for e in criticised)


def test_every_test_has_a_stated_smallest_effect_and_every_claim_a_verdict_or_a_reason():
    for claim in ALL_CLAIMS:
        assert claim.verdicts() or claim.input, claim.key
        for effect in claim.verdicts() + claim.all_checks():
            s = effect.smallest
            assert s.value > 0 and len(s.why) > 20
    for name in SESOI:
        assert name in OUTCOMES, name
    assert next(c for c in ALL_CLAIMS if c.argument == 7).input  # ties fade: an input, not judged
