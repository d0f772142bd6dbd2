"""The split of shipping by line value (largest remainder, equal remainders ranked by content) when remainders tie."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from taxapi.orders.service import _allocate

CENT = Decimal("0.01")


def _reference(total: Decimal, weights: list[int], keys: list[tuple[str, ...]]) -> list[Decimal]:
    """Largest remainder in exact fractions: floors, then one unit each to the largest remainders, equal ones by key."""
    units = int(total / CENT)
    raw = [Fraction(units * w, sum(weights)) for w in weights]
    floors = [int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda j: (-(raw[j] - floors[j]), keys[j]))
    for k in range(units - sum(floors)):
        floors[order[k]] += 1
    return [f * CENT for f in floors]


def test_taiwan_shipping_tie_goes_to_the_lower_rate_by_content():
    # The markets benchmark's Taiwanese order: 4.90 of shipping over 64.98 at 5 % and 9.50 exempt gives 427.5 and
    # 62.5 cents; the cent left goes to the share whose content ranks first ("0" before "5").
    keys = [("5", "tw.import.de_minimis", "standard"), ("0", "tw.import.de_minimis", "exempt")]
    assert _allocate(Decimal("4.90"), [Decimal("64.98"), Decimal("9.50")], CENT, lambda: keys) == [
        Decimal("4.27"), Decimal("0.63")]


@given(st.lists(st.integers(1, 4000), min_size=1, max_size=4), st.integers(0, 4), st.integers(0, 100_000), st.randoms())
def test_ties_of_exact_remainders_are_ranked_by_content(parts, twos, cents, rnd):
    # The last weight brings the sum to 10^k * 2^twos, so every remainder is an exact decimal and equal ones are real
    # ties: the split is the exact one, equal remainders ranked by their keys.
    whole = 10 ** len(str(sum(parts))) * 2**twos
    weights = [*parts, whole - sum(parts)]
    keys = [(rnd.choice("ab"), str(i)) for i in range(len(weights))]
    total = cents * CENT
    got = _allocate(total, [Decimal(w) for w in weights], CENT, lambda: keys)
    assert got == _reference(total, weights, keys)
    assert sum(got) == total
