"""Icelandic VAT (virðisaukaskattur, VSK).

Lög um virðisaukaskatt nr. 50/1988: domestic sales are taxed by the seller; goods from abroad bear
VAT at the border (no point-of-sale scheme for low-value goods); digital services to consumers
are taxed where the customer is.

More information:

* https://www.althingi.is/lagas/nuna/1988050.html
* https://www.skatturinn.is/english/companies/value-added-tax/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("is_vat").code
'IS'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context, RuleId, Scheme, Treatment
from taxapi.regimes.common import NationalRegime


class Rule(RuleId):
    domestic = "is.domestic"
    import_ = "is.import"
    services_domestic = "is.services.domestic"
    services_b2b_domestic = "is.services.b2b.domestic"
    services_b2b_reverse_charge = "is.services.b2b.reverse_charge"
    tbe_seller = "is.tbe.seller"


class IsVat(NationalRegime):
    code: ClassVar[str] = "IS"
    table_regimes: ClassVar[tuple[str, ...]] = ("is_vat",)
    scheme: ClassVar[Scheme] = Scheme.domestic
    domestic_scheme: ClassVar[Scheme] = Scheme.domestic
    marketplace_tbe: ClassVar[bool] = False
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        return self.domestic_or_border(ctx, Rule.domestic, Rule.import_)


IS_VAT = IsVat()
