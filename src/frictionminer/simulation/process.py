"""One customer-service process, parametrised by a scenario's vocabulary and mix.

Every scenario of :mod:`frictionminer.simulation.scenarios` runs through :func:`build`: the
customer reports a problem, the company acknowledges and triages it, may ask for documents
(one checklist), assesses, decides and fulfils.  The injected patterns change that path
for the cases drawn for them:

``piecemeal``       4-6 separate requests to the customer, one at a time, instead of one
                    checklist (the shoelace story).
``repeat-request``  a request already answered is asked again after a handoff.
``silent-wait``     the company sends no interim notices and the case queues for 45-80
                    extra business hours.
``ping-pong``       the case is sent to another team, which sends it back.
``transfer``        the customer starts at the wrong organisation and is passed along a
                    chain of three teams before reaching the right one.
``channel-switch``  the customer is sent from chat to the phone hotline, which confirms in
                    the customer's own channel.
``unresolved``      the case ends without a solution.
``reopened``        the problem comes back after the solution and is fixed again.
``disproportion``   a low-value case draws 3-5 rounds of status chasing and replies.

A case may carry several patterns (each is drawn independently at its rate).

Two more patterns (issue 17) are drawn only when a rate names them (:data:`EXTRA_PATTERNS`,
rate 0 otherwise), from a random stream of their own, so that every log simulated without
them stays as it was:

``survey-after-friction``  4-6 rounds of status chasing and a week's silence, then a
                    satisfaction survey as the last message; cases without injected
                    friction get a routine survey too (20%), and every surveyed case a
                    rating (``case:rating``, CSAT 1-5) that falls with friction plus noise.
``vendor-wait``     the case waits at an outside party ("Wait - Vendor") for 16-64
                    business hours after the assessment.
``broken-promise``  after the assessment the company promises a callback within two
                    business days ("Callback promised") and calls back after 27-45
                    business hours (two business days are 18 working hours); when the
                    pattern is drawn at all, a further :data:`PROMISE_SHARE` of the cases
                    get the same promise kept, 1-12 business hours later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from frictionminer.simulation.engine import DAY, HOUR, BoolArray, Builder, FloatArray, IntArray

PATTERNS: tuple[str, ...] = (
    "piecemeal",
    "repeat-request",
    "silent-wait",
    "ping-pong",
    "transfer",
    "channel-switch",
    "unresolved",
    "reopened",
    "disproportion",
)
"""Injectable friction patterns, in documentation order."""

EXTRA_PATTERNS: tuple[str, ...] = ("survey-after-friction", "vendor-wait", "broken-promise")
"""Patterns drawn only when a rate names them (default rate 0), from their own stream."""
ROUTINE_SURVEY = 0.2
"""Share of the cases without injected friction that get a routine survey (when the
``survey-after-friction`` pattern is drawn at all)."""

PROMISE_SHARE = 0.3
"""Share of the cases given a callback promise that is kept (when ``broken-promise`` is
drawn at all): the promises a detector must not flag."""
PROMISE = {
    "name": "callback within 2 business days",
    "after": "Callback promised",
    "before": "Customer called back",
    "within": "2d",
}
"""The promise the ``broken-promise`` pattern makes (and the scenario config declares)."""

DEFAULT_RATE = 0.05
"""Default share of cases drawn for each pattern (about 37% of cases get at least one)."""

PIECEMEAL_MAX = 6
CHASE_MAX = 5


@dataclass(frozen=True)
class Team:
    name: str
    organisation: str
    staff: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    """A kind of case: its share, value range and whether clean cases need documents."""

    name: str
    weight: float
    value_low: float
    value_high: float
    checklist: float
    """Share of clean cases that need one document checklist from the customer."""
    cheap: bool = False
    """Low-value: eligible for the ``disproportion`` pattern."""


ROLE_KEYS: dict[str, str] = {
    "report": "contact action",
    "ack": "contact",
    "triage": "",
    "checklist_request": "contact task",
    "checklist_answer": "contact action",
    "item_request": "contact task",
    "item_answer": "contact action",
    "forward": "",
    "send_back": "",
    "chat_ask": "contact action",
    "redirect": "contact",
    "hotline_call": "contact action",
    "confirm": "contact",
    "assess": "",
    "chase": "contact action",
    "reply": "contact",
    "decide": "",
    "handover": "",
    "resolve": "resolution",
    "unresolved_end": "contact",
    "close": "",
    "notice": "notice",
    "detour_contact": "contact action",
    "detour_forward": "",
    "detour_refer": "contact task",
    "reopen_report": "contact action",
    "reopen": "",
    "resolve_again": "resolution",
    "survey": "",  # the survey role comes from the defaults; not a contact here
    "vendor_wait": "",
    "vendor_reply": "",
    "promise": "notice",
    "callback": "contact",
}
"""Default roles of each step of the process (a scenario may override them)."""


@dataclass(frozen=True)
class Spec:
    """A scenario: organisations, teams, categories, channels and activity names."""

    key: str
    title: str
    summary: str
    prefix: str
    intake: Team
    specialist: Team
    specialist_share: float
    fulfilment: Team
    bounce: Team
    detour: tuple[Team, Team, Team]
    categories: tuple[Category, ...]
    channels: tuple[tuple[str, float], ...]
    names: dict[str, str]
    items: tuple[tuple[str, str], ...]
    """(request, answer) pairs the company can ask for one at a time."""
    roles: dict[str, str] = field(default_factory=dict)
    """Role overrides by step key (space-separated role names)."""
    story: str = ""

    def roles_of(self, key: str) -> dict[str, bool]:
        words = self.roles.get(key, ROLE_KEYS[key]).split()
        names = {"contact", "task", "action", "notice", "resolution"}
        unknown = set(words) - names
        if unknown:
            raise ValueError(f"{self.key}: unknown roles {unknown} for {key}")
        return {w: True for w in words}


@dataclass
class Built:
    """The builder after a run, with the per-case attributes."""

    builder: Builder
    category: IntArray
    value: FloatArray
    channel: IntArray
    patterns: dict[str, BoolArray]
    surveyed: BoolArray | None = None
    """Cases that got a survey as the last message (None: no survey was simulated)."""
    extra: np.random.Generator | None = None
    """The stream of the :data:`EXTRA_PATTERNS` (ratings are drawn from it)."""
    promised: BoolArray | None = None
    """Cases given the callback promise (None: no promise was simulated)."""


def _choice(rng: np.random.Generator, weights: list[float], n: int) -> IntArray:
    p = np.asarray(weights, dtype=np.float64)
    out: IntArray = rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)
    return out


def build(
    spec: Spec,
    n: int,
    rng: np.random.Generator,
    rates: dict[str, float],
    start: IntArray | None = None,
) -> Built:
    """Simulate ``n`` cases of ``spec`` with the patterns drawn at ``rates``.

    ``start``: each case's start (simulated seconds; the customer's first step moves to
    waking hours); default a random day of the year.  The journey scenarios
    (:mod:`frictionminer.simulation.journeys`) start a customer's next case after the last.
    """
    cats = spec.categories
    category = _choice(rng, [c.weight for c in cats], n)
    low = np.array([c.value_low for c in cats])[category]
    high = np.array([c.value_high for c in cats])[category]
    value = np.round(low + (high - low) * rng.random(n), 2)
    cheap = np.array([c.cheap for c in cats])[category]
    checklist_share = np.array([c.checklist for c in cats])[category]

    pat = {p: rng.random(n) < rates.get(p, 0.0) for p in PATTERNS}
    pat["disproportion"] &= cheap
    pat["reopened"] &= ~pat["unresolved"]
    # The extra patterns draw from a stream of their own (a jumped copy: the main stream
    # is not advanced), and their steps run on it, so a log without them is unchanged.
    bits = rng.bit_generator
    assert isinstance(bits, np.random.PCG64)  # simulate_with_truth's generator
    extra = np.random.Generator(bits.jumped())
    xpat = {p: extra.random(n) < rates.get(p, 0.0) for p in EXTRA_PATTERNS[:2]}
    # broken-promise came later: a stream of its own again, so that the logs simulated
    # with the first two extra patterns stay as they were
    promises = np.random.Generator(bits.jumped(2))
    xpat["broken-promise"] = promises.random(n) < rates.get("broken-promise", 0.0)
    clean = ~np.logical_or.reduce([pat[p] for p in PATTERNS])
    routine = clean & ~xpat["survey-after-friction"] & (extra.random(n) < ROUTINE_SURVEY)
    if not rates.get("survey-after-friction", 0.0):
        routine &= False

    if start is None:
        days = rng.integers(0, 365, n)
        start = days * DAY + rng.integers(7 * HOUR, 22 * HOUR, n)
    b = Builder(n, rng, start.astype(np.int64), notice_activity=spec.names["notice"])
    b.notify = ~pat["silent-wait"]

    def act(key: str, name: str | None = None) -> int:
        return b.activity(name or spec.names[key], **spec.roles_of(key))

    def team(t: Team) -> int:
        return b.team(t.name, t.organisation, t.staff)

    intake, specialist = team(spec.intake), team(spec.specialist)
    fulfil, bounce = team(spec.fulfilment), team(spec.bounce)
    detour = [team(t) for t in spec.detour]
    chan_names = [c for c, _ in spec.channels]
    chan_codes = np.array([b.channel(c) for c in chan_names])
    c0 = chan_codes[_choice(rng, [w for _, w in spec.channels], n)]
    chat, phone = b.channel("chat"), b.channel("phone")

    def queue(median: float) -> FloatArray:
        """Company queueing and work, business hours, right-skewed."""
        return b.lognormal_hours(median, 0.5, cap=median * 4)

    def reply_time(median: float = 14.0) -> FloatArray:
        """Customer answer time, calendar hours."""
        return b.lognormal_hours(median, 0.7, cap=96.0)

    # -- the customer starts at the wrong organisation (transfer)
    tr = pat["transfer"]
    b.step(act("detour_contact"), by="customer", team=detour[0], channel=c0, active=tr)
    b.step(act("detour_forward"), by="company", team=detour[1], delay_h=queue(4), active=tr)
    b.step(
        act("detour_refer"), by="company", team=detour[2], channel=c0, delay_h=queue(4), active=tr
    )
    b.step(
        act("report"),
        by="customer",
        team=intake,
        channel=c0,
        delay_h=np.where(tr, reply_time(20), 0.0),
    )
    b.step(act("ack"), by="system", team=intake, channel=c0, delay_h=0.01, active=c0 != phone)
    b.step(act("triage"), by="company", team=intake, delay_h=queue(3))

    # -- ping-pong: another team gets the case and sends it back
    pp = pat["ping-pong"]
    b.step(act("forward"), by="company", team=bounce, delay_h=queue(3), active=pp)
    b.step(act("send_back"), by="company", team=intake, delay_h=queue(5), active=pp)

    # -- documents: one checklist (clean) or one request at a time (piecemeal)
    piece = pat["piecemeal"]
    checklist = (rng.random(n) < checklist_share) & ~piece
    single = pat["repeat-request"] & ~checklist & ~piece
    b.step(
        act("checklist_request"),
        by="company",
        team=intake,
        channel=c0,
        delay_h=queue(2),
        active=checklist,
    )
    b.step(
        act("checklist_answer"),
        by="customer",
        team=intake,
        channel=c0,
        delay_h=reply_time(),
        active=checklist,
    )
    k = rng.integers(4, PIECEMEAL_MAX + 1, n)
    for i, (request, answer) in enumerate(spec.items[:PIECEMEAL_MAX]):
        on = (piece & (k > i)) | (single & (i == 0))
        req = act("item_request", request)
        b.step(req, by="company", team=intake, channel=c0, delay_h=queue(5), active=on)
        ans = act("item_answer", answer)
        b.step(ans, by="customer", team=intake, channel=c0, delay_h=reply_time(), active=on)

    # -- the customer is sent from chat to the hotline (channel switch)
    cs = pat["channel-switch"]
    b.step(act("chat_ask"), by="customer", team=intake, channel=chat, delay_h=20.0, active=cs)
    b.step(act("redirect"), by="company", team=intake, channel=chat, delay_h=0.3, active=cs)
    b.step(act("hotline_call"), by="customer", team=intake, channel=phone, delay_h=2.0, active=cs)
    # the hotline confirms in the customer's own channel (a third channel for some)
    confirm = cs & (c0 != phone)
    b.step(act("confirm"), by="company", team=intake, channel=c0, delay_h=1.0, active=confirm)

    # -- assessment (a specialist team for some cases); silent-wait queues long here
    holder = np.where(rng.random(n) < spec.specialist_share, specialist, intake)
    silent_extra = np.where(pat["silent-wait"], b.uniform(45.0, 80.0), 0.0)
    b.step(act("assess"), by="company", team=holder, delay_h=queue(6) + silent_extra)

    main_rng = b.rng
    b.rng = extra
    # -- the case waits at an outside party (vendor-wait)
    vw = xpat["vendor-wait"]
    vendor = spec.names.get("vendor_wait", "Wait - Vendor")
    b.step(act("vendor_wait", vendor), by="company", team=holder, delay_h=1.0, active=vw)
    reply_name = spec.names.get("vendor_reply", "Vendor answer received")
    b.step(
        act("vendor_reply", reply_name),
        by="company",
        team=holder,
        delay_h=b.uniform(16.0, 64.0),
        active=vw,
    )
    # -- survey-after-friction: rounds of chasing and a week's silence before the end
    sf = xpat["survey-after-friction"]
    sf_rounds = extra.integers(4, CHASE_MAX + 2, n)
    for i in range(CHASE_MAX + 1):
        on = sf & (sf_rounds > i)
        b.step(act("chase"), by="customer", team=holder, channel=c0, delay_h=30.0, active=on)
        b.step(act("reply"), by="company", team=holder, channel=c0, delay_h=queue(6), active=on)
    b.step(act("triage"), by="company", team=holder, delay_h=b.uniform(60.0, 90.0), active=sf)
    # -- a callback promised within two business days: broken (late) or kept
    b.rng = promises
    bp = xpat["broken-promise"]
    promised = bp | (promises.random(n) < PROMISE_SHARE)
    if not rates.get("broken-promise", 0.0):
        promised &= False
    b.step(
        act("promise", PROMISE["after"]),
        by="company",
        team=holder,
        channel=c0,
        delay_h=0.5,
        active=promised,
    )
    late = b.uniform(27.0, 45.0)
    soon = b.uniform(1.0, 12.0)
    b.step(
        act("callback", PROMISE["before"]),
        by="company",
        team=holder,
        channel=phone,
        delay_h=np.where(bp, late, soon),
        active=promised,
    )
    b.rng = main_rng

    # -- the same request again (repeat-request)
    rr = pat["repeat-request"]
    again: IntArray = np.where(
        checklist, act("checklist_request"), act("item_request", spec.items[0][0])
    )
    reply: IntArray = np.where(
        checklist, act("checklist_answer"), act("item_answer", spec.items[0][1])
    )
    b.step(again, by="company", team=holder, channel=c0, delay_h=queue(3), active=rr)
    b.step(reply, by="customer", team=holder, channel=c0, delay_h=reply_time(), active=rr)

    # -- a low-value case that draws rounds of chasing (disproportion)
    dp = pat["disproportion"]
    rounds = rng.integers(3, CHASE_MAX + 1, n)
    for i in range(CHASE_MAX):
        on = dp & (rounds > i)
        b.step(act("chase"), by="customer", team=holder, channel=c0, delay_h=20.0, active=on)
        b.step(act("reply"), by="company", team=holder, channel=c0, delay_h=queue(2), active=on)

    # -- decision and fulfilment, or no solution
    un = pat["unresolved"]
    b.step(act("decide"), by="company", team=holder, delay_h=queue(2))
    b.step(act("handover"), by="company", team=fulfil, delay_h=queue(3), active=~un)
    b.step(act("resolve"), by="company", team=fulfil, delay_h=queue(6), active=~un)
    b.step(act("unresolved_end"), by="company", team=holder, channel=c0, delay_h=8.0, active=un)
    b.step(act("close"), by="system", team=None, delay_h=b.uniform(0.1, 2.0))

    # -- the problem comes back after the solution (reopened)
    ro = pat["reopened"]
    b.step(
        act("reopen_report"),
        by="customer",
        team=None,
        channel=c0,
        delay_h=b.uniform(48.0, 400.0),
        active=ro,
    )
    b.step(act("reopen"), by="company", team=fulfil, delay_h=queue(4), active=ro)
    b.step(act("resolve_again"), by="company", team=fulfil, delay_h=queue(8), active=ro)

    # -- a satisfaction survey as the last message (survey-after-friction, routine)
    surveyed = sf | routine
    b.rng = extra
    survey = spec.names.get("survey", "Send satisfaction survey")
    b.step(act("survey", survey), by="system", team=None, channel=c0, delay_h=2.0, active=surveyed)
    b.rng = main_rng
    b.finish()
    pat.update(xpat)
    return Built(
        builder=b,
        category=category,
        value=value,
        channel=c0,
        patterns=pat,
        surveyed=surveyed if surveyed.any() else None,
        extra=extra,
        promised=promised if promised.any() else None,
    )
