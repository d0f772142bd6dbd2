"""Product tax categories and rate kinds: the closed vocabularies of the API."""

from __future__ import annotations

from enum import StrEnum


class _Vocabulary(StrEnum):
    """A closed vocabulary whose members are their wire strings.

    Every member's name equals its value, so hashing like the string (in C) gives the same
    hash as ``Enum.__hash__`` (which hashes the name in Python) at a fraction of the cost:
    these members key every rate lookup.
    """

    __hash__ = str.__hash__


class Category(_Vocabulary):
    general = "general"
    food = "food"
    books = "books"
    ebooks = "ebooks"
    newspapers = "newspapers"
    children_clothing = "children_clothing"
    clothing = "clothing"
    medicines = "medicines"
    medical_devices = "medical_devices"
    hygiene_products = "hygiene_products"
    digital_services = "digital_services"
    services = "services"
    exempt = "exempt"
    performance_premieres = "performance_premieres"


CATEGORY_DESCRIPTIONS: dict[Category, str] = {
    Category.general: "Goods with no special treatment (standard rate).",
    Category.food: "Food and non-alcoholic drinks for human consumption, not catering.",
    Category.books: "Printed books (and books on physical media where the law treats them alike).",
    Category.ebooks: "Electronically supplied books (e-books, audiobooks by download).",
    Category.newspapers: "Newspapers and periodicals.",
    Category.children_clothing: "Children's clothing and footwear.",
    Category.clothing: "Adult clothing and footwear.",
    Category.medicines: "Medicines for human use (pharmaceutical products).",
    Category.medical_devices: "Medical devices and aids for disabled persons.",
    Category.hygiene_products: "Feminine hygiene and incontinence products, nappies.",
    Category.digital_services: "Telecommunication, broadcasting and electronically supplied services (TBE).",
    Category.services: "Other services (general B2C place-of-supply rule).",
    Category.exempt: "Supplies exempt from tax without right of deduction.",
    Category.performance_premieres: (
        "Admission to the first 140 performances of a newly created theatre, opera, music or dance work, or of a "
        "classical work in a new staging, or to a circus show of original creations (France: CGI art. 281 quater, "
        "CIBS art. L. 213-231). Mapped only where the law has a rate for it."
    ),
}

#: Categories that are services rather than goods.
SERVICE_CATEGORIES = frozenset({Category.digital_services, Category.services, Category.performance_premieres})

#: Admissions to events: taxed where the event takes place (VAT Directive Art. 53 and 54(1)), the
#: order's ``ship_to``.
ADMISSION_CATEGORIES = frozenset({Category.performance_premieres})

#: Categories a rate table maps only where its law distinguishes them (the others every table maps):
#: elsewhere a line of one is refused, never taxed at a guessed rate.
OPTIONAL_CATEGORIES = frozenset({Category.performance_premieres})


class RateKind(_Vocabulary):
    standard = "standard"
    reduced = "reduced"
    second_reduced = "second_reduced"
    super_reduced = "super_reduced"
    #: A second rate below the super-reduced one (Corsica's 0.9 % beside its 2.1 %, CGI art. 297 I-1-1°).
    second_super_reduced = "second_super_reduced"
    parking = "parking"
    zero = "zero"
    exempt = "exempt"
    none = "none"


#: Kinds whose percentage comes from a period's ``rates_percent``.
NUMERIC_KINDS = frozenset(
    {RateKind.standard, RateKind.reduced, RateKind.second_reduced, RateKind.super_reduced,
     RateKind.second_super_reduced, RateKind.parking}
)
#: The numeric kinds in their documented order (columns of rate tables, OSS return lines).
NUMERIC_KIND_ORDER: tuple[RateKind, ...] = tuple(k for k in RateKind if k in NUMERIC_KINDS)


def _names_are_values() -> None:
    for enum in (Category, RateKind):
        for member in enum:
            if member.name != member.value:  # pragma: no cover - guards the hash shortcut above
                raise AssertionError(f"{enum.__name__}.{member.name} must equal its value")


_names_are_values()
