"""Brazil's taxes are the law's formulas, rounded half up to the cent, whatever the amounts (hypothesis): a Remessa
Conforme parcel's import tax is max(0, value x rate - USD 20 above USD 50) and its ICMS "por dentro" (value + II)
/ (1 - t) x t (Convênio ICMS 81/2023; Law 14.902/2024), an ordinary import's PIS/Cofins-Importação value x 2.10 %
and 9.65 % and its ICMS (value + PIS + Cofins) / (1 - t) x t (Lei 10.865/2004), and each line of a sale from a
local warehouse bears price / (1 - t) x the rate of each level (the internal rate, or the interstate rate and the
DIFAL: EC 87/2015). The engine computes them in whole minor units; these are the Decimal formulas as written.
The amounts include the exact halves a 20 % state gives ((value + II) / 0.8 x 0.2 = a quarter of the base)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book

CENT = Decimal("0.01")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("700"), places=2, allow_nan=False, allow_infinity=False)
states = st.sampled_from(["SP", "RJ", "BA", "AM", "CE", "DF", "MA", "RS", "AC"])


def _round(x: Decimal) -> Decimal:
    return x.quantize(CENT, ROUND_HALF_UP)


def _order(body: dict) -> object:
    return compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())


def _levels(result: object) -> dict[str, tuple[Decimal, Decimal]]:
    """Each level's rate and its amount over the lines and the shipping."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    parts = [*result.lines, *([result.shipping] if result.shipping is not None else [])]
    for part in parts:
        assert sum((b.tax_amount for b in part.breakdown), Decimal(0)) == part.tax_amount + part.tax_due_at_import
        for b in part.breakdown:
            rate, amount = found.get(b.level, (b.rate_percent, Decimal(0)))
            assert rate == b.rate_percent
            found[b.level] = (rate, amount + b.tax_amount)
    return found


@settings(max_examples=150, deadline=None)
@given(state=states, lines=st.lists(amounts, min_size=1, max_size=4), shipping=st.one_of(st.none(), amounts))
def test_remessa_conforme_taxes_are_the_formulas(state, lines, shipping):
    body = {"date": "2026-03-02", "currency": "USD", "seller": {"country": "CN"}, "ship_from": {"country": "CN"},
            "ship_to": {"country": "BR", "region": state}, "marketplace": {"name": "M", "remessa_conforme": True},
            "lines": [{"id": str(i), "amount": str(a)} for i, a in enumerate(lines)]}
    if shipping is not None:
        body["shipping"] = {"amount": str(shipping)}
    value = sum(lines, Decimal(0)) + (shipping or 0)
    levels = _levels(_order(body))
    duty_rate, duty = levels["import_duty"]
    icms_rate, icms = levels["icms"]
    assert duty_rate == (20 if value <= 50 else 60)
    assert duty == _round(max(Decimal(0), value * duty_rate / 100 - (20 if value > 50 else 0)))
    t = icms_rate / 100
    assert icms == _round((value + duty) / (1 - t) * t)


@settings(max_examples=100, deadline=None)
@given(state=states, lines=st.lists(st.decimals(min_value=Decimal("800"), max_value=Decimal("4000"), places=2), min_size=1,
                                    max_size=3))
def test_ordinary_import_taxes_are_the_formulas(state, lines):
    body = {"date": "2026-03-02", "currency": "USD", "seller": {"country": "CN"}, "ship_from": {"country": "CN"},
            "ship_to": {"country": "BR", "region": state}, "customer": {"type": "business"},
            "lines": [{"id": str(i), "amount": str(a)} for i, a in enumerate(lines)]}
    value = sum(lines, Decimal(0))
    levels = _levels(_order(body))
    pis, cofins = _round(value * Decimal("2.10") / 100), _round(value * Decimal("9.65") / 100)
    assert (levels["pis_importacao"][1], levels["cofins_importacao"][1]) == (pis, cofins)
    t = levels["icms"][0] / 100
    assert levels["icms"][1] == _round((value + pis + cofins) / (1 - t) * t)


@settings(max_examples=150, deadline=None)
@given(origin=states, dest=states, lines=st.lists(amounts, min_size=1, max_size=4))
def test_each_line_of_a_local_sale_bears_its_levels_por_dentro(origin, dest, lines):
    body = {"date": "2026-03-02", "currency": "BRL", "seller": {"country": "BR"}, "ship_from": {"country": "BR", "region": origin},
            "ship_to": {"country": "BR", "region": dest}, "lines": [{"id": str(i), "amount": str(a)} for i, a in enumerate(lines)]}
    result = _order(body)
    for line, amount in zip(result.lines, lines):
        t = sum((b.rate_percent for b in line.breakdown), Decimal(0)) / 100
        assert [b.tax_amount for b in line.breakdown] == [_round(amount * (1 / (1 - t)) * (b.rate_percent / 100))
                                                         for b in line.breakdown], line
        assert line.tax_amount == sum((b.tax_amount for b in line.breakdown), Decimal(0))
