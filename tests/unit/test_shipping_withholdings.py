"""The withholdings of apportioned shipping: computed on each share at its own rate and rounding, summed per
record over the shares (LIVA art. 18-J: 50 % of the IVA collected; Ley de Ingresos 2026 art. 25 fr. VI: 2.5 % ISR
on the income excluding IVA, from an individual seller with an RFC)."""

from __future__ import annotations

from decimal import Decimal

from taxapi.ecb import get_ecb_rates
from taxapi.orders.schemas import CalculateRequest
from taxapi.orders.service import compute_order
from taxapi.rate_tables.loader import get_rate_book


def _order(shipping: str) -> dict:
    return {"date": "2026-03-02", "currency": "MXN", "ship_from": {"country": "MX"}, "ship_to": {"country": "MX"},
            "seller": {"country": "MX", "type": "individual", "registrations": ["MX"]}, "marketplace": {"name": "M"},
            "lines": [{"id": "1", "amount": "100.00"}, {"id": "2", "amount": "100.00", "category": "books"}],
            "shipping": {"amount": shipping}}


def test_shipping_withholdings_are_the_sum_of_each_shares_rounded_amounts():
    # MXN 1.00 of shipping follows the two lines half each: 0.50 at 16 % (IVA 0.08) and 0.50 at 0 %.
    # IVA withheld: 50 % of 0.08 = 0.04, on the taxed share only. ISR: 2.5 % of 0.50 = 0.0125 -> 0.01 on each share,
    # 0.02 on the shipping's MXN 1.00 (2.5 % of the whole 1.00 would round to 0.03).
    result = compute_order(order=CalculateRequest.model_validate(_order("1.00")), book=get_rate_book(), fx=get_ecb_rates())
    shipping = result.shipping
    assert [(w.tax, w.rate_percent, w.base_amount, w.amount) for w in shipping.withholdings] == [
        ("vat", Decimal("50"), Decimal("0.08"), Decimal("0.04")),
        ("income_tax", Decimal("2.5"), Decimal("1.00"), Decimal("0.02")),
    ]
    # The lines: IVA 50 % of 16.00 = 8.00 and ISR 2.5 % of 100.00 = 2.50 on the first; ISR 2.50 on the books.
    assert [[(w.tax, w.amount) for w in line.withholdings] for line in result.lines] == [
        [("vat", Decimal("8.00")), ("income_tax", Decimal("2.50"))], [("income_tax", Decimal("2.50"))]]
    assert result.totals.withheld_by_marketplace == Decimal("13.06")  # 8.00 + 2.50 + 2.50 + 0.04 + 0.02
    assert str(result.totals.withheld_by_marketplace) == "13.06"


def test_nothing_withheld_is_zero_in_the_currencys_minor_units():
    body = _order("1.00")
    body["marketplace"] = None
    result = compute_order(order=CalculateRequest.model_validate(body), book=get_rate_book(), fx=get_ecb_rates())
    assert str(result.totals.withheld_by_marketplace) == "0.00"
    assert result.shipping.withholdings == () and all(line.withholdings == () for line in result.lines)
