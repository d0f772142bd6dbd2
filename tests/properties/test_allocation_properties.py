"""The split of an amount by weights (shipping over the lines' rates, a tax over its levels), checked with hypothesis:
the whole-minor-unit path gives what the Decimal path gives, equal remainders included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from taxapi.orders import service

EXP = Decimal("0.01")
# Few distinct weights and totals of few units make equal remainders (ties ranked by content) common.
weights = st.lists(st.sampled_from(["0.01", "0.50", "1.00", "9.50", "15.00", "49.98", "64.98", "3", "7", "0.07", "12.345"]),
                   min_size=2, max_size=5)
totals = st.integers(min_value=0, max_value=100_000).map(lambda units: Decimal(units).scaleb(-2))


def _decimal_path(total: Decimal, ws: list[Decimal], keys) -> list[Decimal]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(service, "_scaled", lambda weights: None)  # no integer scale: the Decimal division
        return service._allocate(total, ws, EXP, keys)


@given(total=totals, ws=weights, reverse=st.booleans())
@example(total=Decimal("4.90"), ws=["64.98", "9.50"], reverse=False)  # remainders of exactly a half each
@example(total=Decimal("0.01"), ws=["1.00", "1.00", "1.00"], reverse=True)  # three equal thirds
# Equal thirds of shares of different size: the 28-digit division rounds them apart, and ranks by that.
@example(total=Decimal("0.03"), ws=["0.01", "0.01", "0.07"], reverse=True)
def test_whole_units_split_as_the_decimal_division(total, ws, reverse):
    ds = [Decimal(w) for w in ws]
    tie = [(f"{i:02d}",) for i in range(len(ds))]
    if reverse:
        tie.reverse()
    got = service._allocate(total, ds, EXP, lambda: tie)
    assert got == _decimal_path(total, ds, lambda: tie)
    assert sum(got, Decimal(0)) == total


def test_a_tie_of_exact_halves_goes_to_the_first_by_content():
    """4.90 over 64.98 and 9.50: 4.275 and 0.625, both a half unit over; the unit goes to the share ranked first by
    its key, whichever it is."""
    ws = [Decimal("64.98"), Decimal("9.50")]
    assert service._allocate(Decimal("4.90"), ws, EXP, lambda: [("a",), ("b",)]) == [Decimal("4.28"), Decimal("0.62")]
    assert service._allocate(Decimal("4.90"), ws, EXP, lambda: [("b",), ("a",)]) == [Decimal("4.27"), Decimal("0.63")]
