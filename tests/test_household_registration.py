"""Households are Mesa agents made the first time they are read (a full city has 10 million and nothing in a day
reads them): once read, Mesa sees each exactly as if it had been made with the city."""

from lockdown_sim.agents import Compound, LocalSupplier
from lockdown_sim.agents.household import Household
from lockdown_sim.sim.model import LockdownSupplyModel


def test_a_run_makes_no_household_agent():
    m = LockdownSupplyModel(scenario_file="toy", households=300, rng=4, days=5)
    while m.running:
        m.step()
    assert m.households.made == 0 and Household not in m.agents_by_type
    assert len(m.households) == 300


def test_a_household_read_is_a_registered_agent_with_the_id_it_would_have_had():
    a = LockdownSupplyModel(scenario_file="toy", households=300, rng=4)
    b = LockdownSupplyModel(scenario_file="toy", households=300, rng=4)
    compounds = len(a.compounds)
    first_supplier = min(s.unique_id for s in a.agents_by_type[LocalSupplier])
    # read in different orders: the same ids, numbered after the compounds and before the suppliers
    ids_a = {i: a.households[i].unique_id for i in (17, 0, 299)}
    ids_b = {i: b.households[i].unique_id for i in (299, 17, 0)}
    assert ids_a == ids_b
    assert [a.households[i].unique_id for i in (0, 17, 299)] == [compounds + 1, compounds + 18, compounds + 300]
    assert first_supplier == compounds + 301
    h = a.households[17]
    assert a.households[17] is h and (h.index, h.model, h.pos) == (17, a, None)
    assert h in a.agents and h in a.agents_by_type[Household] and len(a.agents_by_type[Household]) == 3
    assert a.households.made == 3
    # the next agent made gets the next free id, not one of the households'
    a.step()
    assert all(ld.unique_id > compounds + 300 for ld in a.leaders)


def test_a_compound_lists_its_households_and_mesa_tools_work_on_them():
    m = LockdownSupplyModel(scenario_file="toy", households=300, rng=4)
    c = m.compounds[1]
    assert isinstance(c, Compound)
    homes = c.households
    assert len(homes) == c.size and all(int(m.population.compound[h.index]) == 1 for h in homes)
    assert len(list(m.households)) == 300 and len(m.agents_by_type[Household]) == 300
    homes[0].remove()
    assert homes[0] not in m.agents and len(m.agents_by_type[Household]) == 299
    m.agents_by_type[Household].shuffle_do("step")  # Mesa's own tools work on them
