"""Journey scenarios: several cases per customer, across tickets, parties and case systems.

A journey scenario tells *stories*.  Each customer is drawn for one story; a story is a
sequence of *legs*, and each leg is one case built by the ordinary per-case process
(:func:`frictionminer.simulation.process.build`) with a scenario of its own (its party's
teams, staff, channels and activity names), starting a drawn number of days after the
previous leg's last event (or, for a case opened in parallel, after its first).  Every
party has its own case system: case ids carry the leg's prefix and are numbered per
prefix in time order.  Every event carries ``customer_id``.

Stories with journey friction (``friction=True``) are the FM010 and FM011 stories: a
ticket "resolved" and the customer back within days; a customer passed from party to
party with days of waiting between them.  Clean stories are one case, cases in parallel
at two parties, or a later case for an unrelated matter well after the last one.

Labels
    The journey truth is computed from the generator's events and the roles it declared
    for its activities (never by the engine), by the documented definitions
    (docs/friction-model.md, "Journeys"): journeys by ``[journey] gap``, repeat contacts
    by ``repeat_within``, parties by organisation and the longest wait at a party handoff.
    FM010 and FM011 are the rules' own conditions (``Rule.when`` with the default
    keywords) on that truth.  Every case of a journey for which a condition holds carries
    the rule id in ``case:journey_injected``.

The per-case patterns of :data:`~frictionminer.simulation.process.PATTERNS` are drawn for
every case as in the other scenarios, except ``transfer`` and ``reopened``: a journey
scenario tells those stories across cases instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import polars as pl

from frictionminer.simulation.engine import ACTION, BASE_EPOCH, DAY, HOUR, RESOLUTION, BoolArray
from frictionminer.simulation.process import PATTERNS, Category, Spec, Team, build
from frictionminer.simulation.scenarios import ENERGY_SWITCH, WARRANTY

JOURNEY_ATTRIBUTES = ("case:journey", "case:journey_story", "case:journey_injected")
"""Case attributes of a journey scenario, besides those of every scenario."""
JOURNEY_RULE_IDS = ("FM010", "FM011")
OFF_PATTERNS = ("transfer", "reopened")
"""Per-case patterns a journey scenario does not draw (it tells them across cases)."""


@dataclass(frozen=True)
class Leg:
    """One case of a story: built with ``spec``, starting ``delay_days`` after the
    previous leg's last event (``after="end"``) or first event (``after="start"``)."""

    spec: Spec
    after: Literal["end", "start"] = "end"
    delay_days: tuple[float, float] = (0.0, 0.0)
    unresolved: bool = False
    """The case ends without a solution (the per-case ``unresolved`` path)."""


@dataclass(frozen=True)
class Story:
    name: str
    weight: float
    legs: tuple[Leg, ...]
    friction: bool
    """Journey friction injected (the FM010 / FM011 stories)."""
    text: str


@dataclass(frozen=True)
class JourneyScenario:
    key: str
    title: str
    summary: str
    stories: tuple[Story, ...]

    @property
    def specs(self) -> list[Spec]:
        """The leg scenarios, each once, in story order."""
        out: dict[str, Spec] = {}
        for story in self.stories:
            for leg in story.legs:
                out.setdefault(leg.spec.key, leg.spec)
        return list(out.values())


def _staff(prefix: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{prefix} {n}" for n in names)


def _variant(base: Spec, key: str, prefix: str, **names: str) -> Spec:
    return replace(base, key=key, prefix=prefix, names={**base.names, **names})


# -- contact centre -----------------------------------------------------------------------
_TELCO = "Connect Telecom"
TICKET = Spec(
    key="cc-ticket",
    title="Contact-centre ticket",
    summary="A broadband and mobile provider's contact centre.",
    prefix="T",
    intake=Team("First Level", _TELCO, _staff("FL", "Ada", "Bela", "Cyrus", "Dilan", "Ella")),
    specialist=Team("Technical Support", _TELCO, _staff("TS", "Farid", "Gesa", "Hamid")),
    specialist_share=0.5,
    fulfilment=Team("Field Service", _TELCO, _staff("FS", "Igor", "Juna")),
    bounce=Team("Billing Desk", _TELCO, _staff("BD", "Kalle", "Luz")),
    detour=(
        Team("Retail Store", _TELCO, _staff("RS", "Mara")),
        Team("Retail Back Office", _TELCO, _staff("RB", "Nemo")),
        Team("Partner Desk", _TELCO, _staff("PD", "Ole")),
    ),
    categories=(
        Category("internet-outage", 0.35, 30.0, 80.0, 0.2),
        Category("router", 0.25, 5.0, 15.0, 0.1, cheap=True),
        Category("billing", 0.25, 10.0, 40.0, 0.4, cheap=True),
        Category("contract-change", 0.15, 25.0, 90.0, 0.6),
    ),
    channels=(("phone", 0.5), ("chat", 0.2), ("mail", 0.15), ("portal", 0.15)),
    names={
        "report": "Customer opens ticket",
        "ack": "Ticket number sent to customer",
        "triage": "Categorise ticket",
        "checklist_request": "Request contract number and error details from customer (checklist)",
        "checklist_answer": "Customer sends contract number and error details",
        "forward": "Forward ticket to billing desk",
        "send_back": "Billing desk returns ticket: not a billing matter",
        "chat_ask": "Customer asks about ticket in chat",
        "redirect": "Chat agent asks customer to call the hotline",
        "hotline_call": "Customer calls hotline",
        "confirm": "Hotline sends ticket summary to customer",
        "assess": "Diagnose fault",
        "chase": "Customer asks about ticket status",
        "reply": "First level answers customer",
        "decide": "Fix identified",
        "handover": "Hand over to field service",
        "resolve": "Ticket resolved",
        "unresolved_end": "Message to customer: ticket closed without fix",
        "close": "Ticket closed",
        "notice": "Status update: ticket in progress",
        "detour_contact": "Customer asks in retail store",
        "detour_forward": "Store forwards to back office",
        "detour_refer": "Back office refers customer to hotline",
        "reopen_report": "Customer reports fault on closed ticket",
        "reopen": "Ticket reopened",
        "resolve_again": "Ticket resolved again",
    },
    items=(
        ("Request router model from customer", "Customer sends router model"),
        ("Request line test result from customer", "Customer sends line test result"),
        ("Request photo of router lights from customer", "Customer sends photo of router lights"),
        ("Request contract number from customer", "Customer sends contract number"),
        ("Request bank details from customer", "Customer sends bank details"),
        ("Request access time for technician", "Customer sends access time"),
    ),
)


TICKET_AGAIN = _variant(
    TICKET, "cc-ticket-again", "T", report="Customer reports the same problem again"
)
TICKET_TO_VENDOR = _variant(
    TICKET,
    "cc-ticket-to-vendor",
    "T",
    decide="Router defect confirmed",
    handover="Hand over to field service",
    resolve="Ticket resolved: customer referred to router vendor",
)
_VENDOR, _FIELD = "RouterWorks (router vendor)", "FieldTech (installation partner)"
ROUTER_VENDOR = _variant(
    replace(
        TICKET,
        intake=Team("RMA Desk", _VENDOR, _staff("RW", "Bo", "Cai")),
        specialist=Team("RMA Technicians", _VENDOR, _staff("RT", "Dag")),
        specialist_share=0.5,
        fulfilment=Team("RMA Shipping", _VENDOR, _staff("RS", "Eli")),
        bounce=Team("RMA Quality", _VENDOR, _staff("RQ", "Fay")),
    ),
    "cc-router-vendor",
    "RMA",
    report="Customer requests router replacement from vendor",
    checklist_request="Request serial number and proof of purchase from customer (checklist)",
    checklist_answer="Customer sends serial number and receipt",
    notice="RMA status update sent",
    ack="RMA number sent",
    triage="Check router serial number",
    assess="Check router warranty",
    decide="Replacement approved",
    handover="Hand over to RMA shipping",
    resolve="Replacement router shipped: installation by partner",
    unresolved_end="Vendor declines replacement",
    close="RMA closed",
    chase="Customer asks vendor about replacement",
    reply="RMA desk answers customer",
)
INSTALLER = _variant(
    replace(
        TICKET,
        intake=Team("Partner Dispatch", _FIELD, _staff("FT", "Gus", "Hil")),
        specialist=Team("Partner Planning", _FIELD, _staff("FP", "Ines")),
        specialist_share=0.4,
        fulfilment=Team("Partner Technicians", _FIELD, _staff("FX", "Jon", "Kia")),
        bounce=Team("Partner Stock", _FIELD, _staff("FK", "Lio")),
    ),
    "cc-installer",
    "FT",
    report="Customer books router installation with partner",
    checklist_request="Request access details and preferred dates from customer (checklist)",
    checklist_answer="Customer sends access details and dates",
    notice="Installation status update sent",
    ack="Installation booking confirmed",
    triage="Check installation address",
    assess="Plan technician visit",
    decide="Visit scheduled",
    handover="Hand over to technician",
    resolve="Router installed",
    unresolved_end="Installation cancelled",
    close="Installation order closed",
    chase="Customer asks partner about visit",
    reply="Partner dispatch answers customer",
)

# -- energy switch across parties ---------------------------------------------------------
NEW_SUPPLIER = replace(
    ENERGY_SWITCH,
    key="energy-new-supplier",
    prefix="NS",
    bounce=Team("Switching Desk", "New supplier", _staff("NS", "Ole", "Pia")),
)
NEW_SUPPLIER_FAILED = _variant(
    NEW_SUPPLIER,
    "energy-new-supplier-failed",
    "NS",
    unresolved_end="Letter to customer: switch rejected by grid operator",
)
NEW_SUPPLIER_AGAIN = _variant(
    NEW_SUPPLIER, "energy-new-supplier-again", "NS", report="Customer signs contract again"
)
_OLD = "Old supplier"
OLD_SUPPLIER = _variant(
    replace(
        ENERGY_SWITCH,
        intake=Team("Customer Care", _OLD, _staff("OC", "Quirin", "Rosa")),
        specialist=Team("Contract Management", _OLD, _staff("OM", "Sven")),
        specialist_share=0.5,
        fulfilment=Team("Final Billing", _OLD, _staff("OB", "Tara", "Udo")),
        bounce=Team("Meter Reading", _OLD, _staff("OR", "Vito")),
    ),
    "energy-old-supplier",
    "OS",
    report="Customer terminates contract",
    ack="Termination received mail",
    triage="Check notice period",
    assess="Confirm termination date",
    decide="Termination confirmed",
    handover="Prepare final bill",
    resolve="Final bill sent",
    unresolved_end="Letter to customer: termination refused",
    close="Contract closed",
    chase="Customer asks about termination",
    reply="Customer care answers customer",
)
_GRID = "Grid operator"
GRID_OPERATOR = _variant(
    replace(
        ENERGY_SWITCH,
        intake=Team("Grid Service Centre", _GRID, _staff("GC", "Wanda", "Xeno")),
        specialist=Team("Market Communication", _GRID, _staff("GM", "Yara")),
        specialist_share=0.7,
        fulfilment=Team("Supply Point Registry", _GRID, _staff("GR", "Zeno")),
        bounce=Team("Meter Operations", _GRID, _staff("GX", "Anton")),
    ),
    "energy-grid-operator",
    "GO",
    report="Customer asks grid operator why the switch failed",
    ack="Grid operator reference number sent",
    triage="Look up supply point",
    assess="Check switch messages",
    decide="No supplier registered for supply point",
    handover="Assign supply point to fallback supplier",
    resolve="Letter to customer: supplied by fallback supplier",
    unresolved_end="Letter to customer: no record found",
    close="Grid case closed",
    chase="Customer asks grid operator about status",
    reply="Grid service centre answers customer",
)
_FALLBACK = "Fallback supplier"
FALLBACK_SUPPLIER = _variant(
    replace(
        ENERGY_SWITCH,
        intake=Team("Default Supply Service", _FALLBACK, _staff("FB", "Bruno", "Carla")),
        specialist=Team("Default Supply Contracts", _FALLBACK, _staff("FC", "Dimo")),
        specialist_share=0.6,
        fulfilment=Team("Default Supply Billing", _FALLBACK, _staff("FD", "Elke")),
        bounce=Team("Default Supply Metering", _FALLBACK, _staff("FM", "Fynn")),
    ),
    "energy-fallback-supplier",
    "FB",
    report="Customer asks about fallback tariff letter",
    ack="Fallback supply reference sent",
    triage="Check fallback supply start",
    assess="Calculate fallback tariff",
    decide="Fallback supply confirmed",
    handover="Create fallback billing account",
    resolve="Fallback contract confirmed to customer",
    unresolved_end="Letter to customer: fallback supply query closed",
    close="Fallback case closed",
    chase="Customer asks fallback supplier about status",
    reply="Default supply service answers customer",
)

# -- the shoelace across shop, distributor and manufacturer --------------------------------
_SHOP = "Shoe shop"
SHOP = _variant(
    replace(
        WARRANTY,
        intake=Team("Shop Counter", _SHOP, _staff("SH", "Anna", "Jonas")),
        specialist=Team("Shop Back Office", _SHOP, _staff("SB", "Karl")),
        specialist_share=0.3,
        fulfilment=Team("Shop Stockroom", _SHOP, _staff("SS", "Lotte")),
        bounce=Team("Shop Manager", _SHOP, _staff("SM", "Paul")),
    ),
    "shoelace-shop",
    "SH",
    report="Customer returns torn shoelace at shop",
    ack="Shop receipt for the complaint",
    triage="Shop checks the shoe",
    assess="Shop checks warranty terms",
    decide="Shop accepts the complaint",
    handover="Shop fetches replacement from stock",
    resolve="Replacement handed over at shop",
    unresolved_end="Shop declines the complaint",
    close="Shop case closed",
    chase="Customer asks shop about complaint",
    reply="Shop answers customer",
)
SHOP_REFERS = _variant(
    SHOP,
    "shoelace-shop-refers",
    "SH",
    decide="Shop: warranty is the manufacturer's matter",
    handover="Shop notes manufacturer contact",
    resolve="Shop closes case: customer referred to manufacturer",
)
_DIST = "Distributor"
DISTRIBUTOR = _variant(
    replace(
        WARRANTY,
        intake=Team("Distributor Hotline", _DIST, _staff("DH", "Lena", "Mats")),
        specialist=Team("Distributor Claims", _DIST, _staff("DC", "Nora")),
        specialist_share=0.5,
        fulfilment=Team("Distributor Warehouse", _DIST, _staff("DW", "Oskar")),
        bounce=Team("Distributor Sales", _DIST, _staff("DS", "Pete")),
    ),
    "shoelace-distributor",
    "DI",
    report="Customer contacts distributor about shoelace",
    ack="Distributor ticket number sent",
    triage="Distributor checks product",
    assess="Distributor checks warranty channel",
    decide="Distributor: claims go to the manufacturer",
    handover="Distributor notes manufacturer address",
    resolve="Distributor closes case: customer referred to manufacturer",
    unresolved_end="Distributor declines the claim",
    close="Distributor case closed",
    chase="Customer asks distributor about status",
    reply="Distributor answers customer",
)
MANUFACTURER = replace(WARRANTY, key="shoelace-manufacturer", prefix="MF")


def _leg(spec: Spec, low: float = 0.0, high: float = 0.0, *, unresolved: bool = False) -> Leg:
    """A leg starting ``low``-``high`` days after the previous leg's last event."""
    return Leg(spec, delay_days=(low, high), unresolved=unresolved)


CONTACT_CENTRE = JourneyScenario(
    key="contact-centre",
    title="Contact centre with repeat contacts after premature resolution",
    summary="A telecom contact centre: most customers open one ticket; some come back "
    "weeks or months later with an unrelated matter; some tickets are 'resolved' and the "
    "customer opens a new one within days (once or twice): the FM010 story; a few are sent "
    "on to the router vendor and its installation partner (FM010 and FM011).",
    stories=(
        Story("one-ticket", 0.5, (_leg(TICKET),), False, "one ticket"),
        Story(
            "later-matter",
            0.25,
            (_leg(TICKET), _leg(TICKET, 12.0, 150.0)),
            False,
            "a second ticket 12-150 days after the first ended",
        ),
        Story(
            "premature-resolution",
            0.15,
            (_leg(TICKET), _leg(TICKET_AGAIN, 0.5, 5.0)),
            True,
            "resolved, and a new ticket 0.5-5 days later",
        ),
        Story(
            "premature-twice",
            0.05,
            (_leg(TICKET), _leg(TICKET_AGAIN, 0.5, 5.0), _leg(TICKET_AGAIN, 0.5, 5.0)),
            True,
            "resolved twice, back within days each time",
        ),
        Story(
            "router-runaround",
            0.05,
            (
                _leg(TICKET_TO_VENDOR),
                _leg(ROUTER_VENDOR, 1.0, 4.0),
                _leg(INSTALLER, 2.0, 6.0),
            ),
            True,
            "referred to the router vendor, then to its installation partner",
        ),
    ),
)

ENERGY_JOURNEY = JourneyScenario(
    key="energy-journey",
    title="Energy switch across supplier, grid operator and fallback supplier",
    summary="A household switches supplier. Clean: the new supplier's case and the old "
    "supplier's termination run side by side. Stranded: the switch is rejected, the "
    "customer asks the grid operator, lands with the fallback supplier and signs again, "
    "with days of waiting between the parties: the FM011 story.",
    stories=(
        Story("new-supplier-only", 0.25, (_leg(NEW_SUPPLIER),), False, "moving in: one case"),
        Story(
            "clean-switch",
            0.55,
            (_leg(NEW_SUPPLIER), Leg(OLD_SUPPLIER, "start", (0.1, 0.3))),
            False,
            "new supplier and old supplier's termination in parallel",
        ),
        Story(
            "stranded",
            0.2,
            (
                _leg(NEW_SUPPLIER_FAILED, unresolved=True),
                _leg(GRID_OPERATOR, 2.0, 6.0),
                _leg(FALLBACK_SUPPLIER, 2.0, 6.0),
                _leg(NEW_SUPPLIER_AGAIN, 3.0, 10.0),
            ),
            True,
            "new supplier (rejected), grid operator, fallback supplier, new supplier again",
        ),
    ),
)

SHOELACE_JOURNEY = JourneyScenario(
    key="shoelace-journey",
    title="The shoelace across shop, distributor and manufacturer",
    summary="A torn shoelace. Clean: the shop replaces it, or the customer claims at the "
    "manufacturer directly. Referred: the shop closes its case and sends the customer to "
    "the manufacturer (FM010). Run-around: shop, distributor, manufacturer, days apart "
    "(FM010 and FM011).",
    stories=(
        Story("shop-fix", 0.55, (_leg(SHOP),), False, "the shop replaces the lace"),
        Story("direct-claim", 0.15, (_leg(MANUFACTURER),), False, "a claim at the manufacturer"),
        Story(
            "referred",
            0.2,
            (_leg(SHOP_REFERS), _leg(MANUFACTURER, 1.0, 4.0)),
            True,
            "the shop refers the customer to the manufacturer",
        ),
        Story(
            "run-around",
            0.1,
            (_leg(SHOP_REFERS), _leg(DISTRIBUTOR, 2.0, 5.0), _leg(MANUFACTURER, 2.0, 5.0)),
            True,
            "shop, then distributor, then manufacturer",
        ),
    ),
)

JOURNEY_SCENARIOS: dict[str, JourneyScenario] = {
    s.key: s for s in (CONTACT_CENTRE, ENERGY_JOURNEY, SHOELACE_JOURNEY)
}
"""The journey scenarios by name, in documentation order."""


@dataclass
class JourneySimulation:
    """A simulated journey log with its ground truth (for tests and bench)."""

    events: pl.DataFrame
    truth: pl.DataFrame
    """One row per case: per-case truth and labels, as for the other scenarios."""
    journeys: pl.DataFrame
    """One row per true journey: ``journey``, ``customer``, ``story``, ``cases``,
    ``repeat_contacts``, ``parties``, ``handoff_wait_max_hours``, ``FM010``, ``FM011``."""


def _rates(base: Mapping[str, float], leg: Leg) -> dict[str, float]:
    out = {p: (0.0 if p in OFF_PATTERNS else float(base[p])) for p in PATTERNS}
    if leg.unresolved:
        out["unresolved"] = 1.0
    return out


def role_table(scenario: JourneyScenario) -> dict[str, list[str]]:
    """Activity names per role over all leg scenarios (a name has one role set)."""
    from frictionminer.simulation.engine import ROLE_BITS

    seen: dict[str, int] = {}
    for spec in scenario.specs:
        built = build(
            spec, 20, np.random.Generator(np.random.PCG64(0)), dict.fromkeys(PATTERNS, 0.5)
        )
        b = built.builder
        for name, bits in zip(b.activities, b.roles, strict=True):
            if seen.setdefault(name, bits) != bits:
                raise ValueError(f"{scenario.key}: activity {name!r} declared with two role sets")
    out: dict[str, list[str]] = {role: [] for role in ROLE_BITS}
    for name, bits in seen.items():
        for role, bit in ROLE_BITS.items():
            if bits & bit:
                out[role].append(name)
    return out


def simulate_journeys(
    scenario: JourneyScenario, customers: int, seed: int, rates: Mapping[str, float]
) -> JourneySimulation:
    """``customers`` customers of ``scenario``, each with the cases of one drawn story."""
    from frictionminer.simulation.labels import truth_table

    rng = np.random.Generator(np.random.PCG64([seed, zlib.crc32(scenario.key.encode())]))
    story_of = rng.choice(
        len(scenario.stories),
        size=customers,
        p=np.array([s.weight for s in scenario.stories]) / sum(s.weight for s in scenario.stories),
    )
    begin0 = rng.integers(0, 365, customers) * DAY + rng.integers(7 * HOUR, 22 * HOUR, customers)
    events, truths, cases = [], [], []
    offset = 0
    for s_idx, story in enumerate(scenario.stories):
        members = np.flatnonzero(story_of == s_idx)
        n = len(members)
        if n == 0:
            continue
        first = last = begin0[members]
        for leg_no, leg in enumerate(story.legs):
            if leg_no == 0:
                start = begin0[members]
            else:
                anchor = first if leg.after == "start" else last
                low, high = leg.delay_days
                start = anchor + np.round(rng.uniform(low, high, n) * DAY).astype(np.int64)
            built = build(leg.spec, n, rng, _rates(rates, leg), start=start)
            b = built.builder
            index = pl.Series("case_id", np.arange(offset, offset + n, dtype=np.int64))
            roles = dict(zip(b.activities, b.roles, strict=True))
            ev = b.events(index).with_columns(
                pl.col("activity").replace_strict(roles, return_dtype=pl.Int64).alias("_role")
            )
            span = (
                ev.group_by("case_id")
                .agg(
                    pl.col("timestamp").min().alias("_first"),
                    pl.col("timestamp").max().alias("_last"),
                )
                .sort("case_id")
            )
            epoch = pl.datetime(1970, 1, 1, time_zone="UTC")
            secs = span.select(
                ((pl.col("_first") - epoch).dt.total_seconds() - BASE_EPOCH).alias("f"),
                ((pl.col("_last") - epoch).dt.total_seconds() - BASE_EPOCH).alias("l"),
            )
            first, last = secs["f"].to_numpy(), secs["l"].to_numpy()
            category = pl.Series([c.name for c in leg.spec.categories]).gather(
                pl.Series(built.category.astype(np.uint32))
            )
            truths.append(
                (
                    truth_table(b.truth, category, pl.Series(built.value)),
                    {p: built.patterns[p] for p in PATTERNS},
                )
            )
            cases.append(
                pl.DataFrame(
                    {
                        "_case": index,
                        "_customer": members.astype(np.int64),
                        "_prefix": leg.spec.prefix,
                        "_first": span["_first"],
                        "case:category": category,
                        "case:value": built.value,
                        "case:channel": pl.Series(b.channels).gather(
                            pl.Series(built.channel.astype(np.uint32))
                        ),
                        "case:journey_story": story.name,
                        "_friction": story.friction,
                    }
                )
            )
            events.append(ev)
            offset += n
    return _assemble(customers, events, truths, cases)


def _assemble(
    customers: int,
    events: list[pl.DataFrame],
    truths: list[tuple[pl.DataFrame, dict[str, BoolArray]]],
    cases: list[pl.DataFrame],
) -> JourneySimulation:
    """Case ids, customer ids, per-case and journey labels over all legs' cases."""
    from frictionminer.simulation.labels import flag_truth, label_column

    table = pl.concat([t for t, _ in truths], how="vertical_relaxed")
    pats = {p: np.concatenate([pt[p] for _, pt in truths]) for p in PATTERNS}
    injected_any = np.logical_or.reduce([pats[p] for p in PATTERNS])
    flagged = flag_truth(table, pats["reopened"])
    case_tab = pl.concat(cases, how="vertical_relaxed")  # in _case order
    c_width = max(5, len(str(customers)))
    k_width = max(5, len(str(len(case_tab))))
    case_tab = case_tab.with_columns(
        pl.Series("case:patterns", _pattern_names(pats)),
        pl.Series("case:injected", label_column(flagged, injected_any)),
        (pl.lit("K-") + (pl.col("_customer") + 1).cast(pl.String).str.zfill(c_width)).alias(
            "customer_id"
        ),
    )
    numbered = case_tab.sort("_first", "_case").with_columns(
        pl.int_range(1, pl.len() + 1).over("_prefix").alias("_n")
    )
    ids = numbered.select(
        "_case",
        (pl.col("_prefix") + "-" + pl.col("_n").cast(pl.String).str.zfill(k_width)).alias("_id"),
    )
    case_tab = case_tab.join(ids, on="_case", how="left", maintain_order="left")
    ev = (
        pl.concat(events)
        .rename({"case_id": "_case"})
        .join(case_tab.select("_case", "_id", "customer_id"), on="_case", how="left")
        .sort("_id", maintain_order=True)
        .with_row_index("_row")
    )
    journeys, case_journey = journey_truth(ev)
    labels = journeys.select(
        "journey",
        pl.concat_str(
            [pl.when(pl.col(r)).then(pl.lit(r)) for r in JOURNEY_RULE_IDS],
            separator=";",
            ignore_nulls=True,
        ).alias("case:journey_injected"),
    )
    case_tab = (
        case_tab.join(case_journey, left_on="_id", right_on="case", how="left")
        .join(labels, on="journey", how="left")
        .rename({"journey": "case:journey"})
    )
    attrs = case_tab.select(
        pl.col("_id").alias("case_id"),
        "customer_id",
        "case:category",
        "case:value",
        "case:channel",
        "case:patterns",
        "case:injected",
        *JOURNEY_ATTRIBUTES,
    )
    out = (
        ev.drop("_row", "_role", "_case", "customer_id")
        .rename({"_id": "case_id"})
        .select("case_id", pl.exclude("case_id"))
        .join(attrs, on="case_id", how="left", maintain_order="left")
    )
    truth = pl.concat(
        [
            case_tab.select(
                pl.col("_id").alias("case_id"), "customer_id", "case:patterns", "case:injected"
            ),
            flagged,
            pl.DataFrame({f"pattern:{p}": pats[p] for p in PATTERNS}),
            case_tab.select(*JOURNEY_ATTRIBUTES, pl.col("_friction").alias("journey_friction")),
        ],
        how="horizontal",
    ).sort("case_id")
    stories = case_tab.group_by("case:journey").agg(
        pl.col("case:journey_story").first().alias("story"),
        pl.col("_friction").first().alias("friction"),
    )
    journeys = journeys.join(stories, left_on="journey", right_on="case:journey", how="left").sort(
        "journey"
    )
    return JourneySimulation(events=out, truth=truth, journeys=journeys)


def _pattern_names(pats: dict[str, BoolArray]) -> pl.Series:
    frame = pl.DataFrame(pats)
    return frame.select(
        pl.concat_str(
            [pl.when(pl.col(p)).then(pl.lit(p)) for p in PATTERNS], separator=";", ignore_nulls=True
        ).alias("p")
    ).to_series()


def journey_truth(events: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The documented journey definitions on the generator's events.

    ``events``: ``_id`` (case), ``customer_id``, ``timestamp``, ``organisation``, ``_role``
    (the generator's role bits) and ``_row`` (row order of the written log).  Returns the
    journeys (``journey``, ``customer``, ``cases``, ``repeat_contacts``, ``parties``,
    ``handoff_wait_max_hours``, ``FM010``, ``FM011``) and ``case`` → ``journey``.
    """
    from frictionminer.engine.rules import JOURNEY_RULES
    from frictionminer.settings import Settings

    cfg = Settings().journey
    gap, within = cfg.gap_span, cfg.repeat_span
    ts = pl.col("timestamp")
    is_res = (pl.col("_role") & RESOLUTION) > 0
    is_action = (pl.col("_role") & ACTION) > 0
    per_case = events.group_by("_id").agg(
        pl.col("customer_id").first().alias("customer"),
        ts.min().alias("start"),
        ts.max().alias("last"),
        ts.filter(is_res).min().alias("resolution"),
    )
    reacted = (
        events.join(per_case.select("_id", "resolution"), on="_id")
        .filter(is_action & (ts > pl.col("resolution")))
        .group_by("_id")
        .agg(ts.min().alias("reacted"))
    )
    cases = per_case.join(reacted, on="_id", how="left").sort("customer", "start", "_id")
    reach = pl.col("last").cum_max().shift(1).over("customer")
    new = reach.is_null() | (pl.col("start") > reach + gap)
    cases = cases.with_columns(
        pl.format("{}#{}", pl.col("customer"), new.cast(pl.Int64).cum_sum().over("customer")).alias(
            "journey"
        )
    )
    later = (
        cases.select("_id", "journey", "resolution")
        .join(cases.select("journey", pl.col("start").alias("other")), on="journey")
        .filter(
            (pl.col("other") > pl.col("resolution"))
            & (pl.col("other") <= pl.col("resolution") + within)
        )
        .select("_id")
        .unique()
        .with_columns(pl.lit(True).alias("_next"))
    )
    cases = cases.join(later, on="_id", how="left").with_columns(
        (
            pl.col("resolution").is_not_null()
            & (
                pl.col("_next").fill_null(False)
                | (pl.col("reacted") <= pl.col("resolution") + within).fill_null(False)
            )
        ).alias("came_back")
    )
    party = (
        events.filter(pl.col("organisation").is_not_null())
        .join(cases.select("_id", "journey"), on="_id")
        .sort("journey", "timestamp", "_row")
        .with_columns(
            (pl.col("organisation") != pl.col("organisation").shift(1).over("journey")).alias("_h"),
            (ts - ts.shift(1).over("journey")).dt.total_seconds().alias("_wait"),
        )
        .group_by("journey")
        .agg(
            pl.col("organisation").n_unique().alias("parties"),
            (pl.col("_wait").filter(pl.col("_h")).max().fill_null(0) / HOUR)
            .cast(pl.Float64)
            .alias("handoff_wait_max_hours"),
        )
    )
    journeys = (
        cases.group_by("journey")
        .agg(
            pl.col("customer").first(),
            pl.len().alias("cases"),
            pl.col("came_back").sum().cast(pl.Int64).alias("repeat_contacts"),
        )
        .join(party, on="journey", how="left")
        .with_columns(
            pl.col("parties").fill_null(0), pl.col("handoff_wait_max_hours").fill_null(0.0)
        )
    )
    journeys = journeys.with_columns(
        JOURNEY_RULES[r].when(JOURNEY_RULES[r].defaults).fill_null(False).alias(r)
        for r in JOURNEY_RULE_IDS
    ).sort("journey")
    return journeys, cases.select(pl.col("_id").alias("case"), "journey")


def journey_config() -> list[str]:
    """The ``[journey]`` lines of a journey scenario's config."""
    return [
        "",
        "[journey]",
        "# Each event names its customer; --journey joins a customer's cases.",
        'customer = "customer_id"',
    ]


def is_journey(name: str) -> bool:
    return name in JOURNEY_SCENARIOS


__all__ = [
    "CONTACT_CENTRE",
    "ENERGY_JOURNEY",
    "JOURNEY_ATTRIBUTES",
    "JOURNEY_RULE_IDS",
    "JOURNEY_SCENARIOS",
    "SHOELACE_JOURNEY",
    "JourneyScenario",
    "JourneySimulation",
    "Leg",
    "Story",
    "is_journey",
    "journey_truth",
    "role_table",
    "simulate_journeys",
]
