"""CI audit of a (weekly) log: gates, baselines and statistically significant drift.

``run_audit(log, settings, baseline=..., window=...)`` analyses the events of one time
window, evaluates the gates of the ``[audit]`` config table, compares the week with a saved
baseline and returns an :class:`AuditResult` whose ``status`` follows a worst-status rule
(``fail`` > ``warn`` > ``pass``).  Writers (``frictionminer.reporting.audit``) turn it into text,
JSON, JUnit, GitHub annotations or Markdown; only the CLI maps the status to an exit code.

Why statistics at all: a CI job audits small weekly samples.  A week of 40 cases in which
one case bounced between teams has a ping-pong share of 2.5%, and a baseline of 2% is not
"25% worse" in any sense that should wake anyone up.  Every limit on a *share* or a
*quantile* therefore needs evidence before it fails a build; counts and "never" rules are
exact and fail as soon as they are crossed.  See docs/ci.md for the full explanation.

Tests (all in pure Python; scipy is not a dependency and its import costs half a second):

* **Flagged share vs baseline** — two-proportion z-test (pooled), replaced by Fisher's exact
  test when any expected cell count is below 5, the usual validity rule for the normal
  approximation.  Tiny weeks therefore get an exact test and cannot alert on one case.
* **Quantile vs baseline** — the baseline holds no per-case values (no personal data, and it
  must stay small), so a Mann-Whitney test or a bootstrap is impossible.  Instead the baseline
  stores, for its median and p90, how many of its cases lay above and below that value.
  The week is compared at the same point: the share of this week's cases above the baseline's
  median is tested against the baseline's share above it (a two-proportion test as above;
  this is Mood's median test anchored at the baseline median).  Storing the counts on both
  sides makes it correct for count measures with many ties (most cases have exactly 2
  contacts), where "half above, half below" is false.
* **Absolute limits on shares and quantiles** — exact one-sided binomial tests: a rule's flag
  rate exceeds ``limit`` when ``P(X >= flagged | n, limit) < alpha``; a median exceeds ``L``
  when significantly more than half the cases lie above ``L`` (p90: more than 10%).
* **Multiplicity** — a run makes 30-40 tests; at 5% each, two weeks of the same process
  would "differ" somewhere most of the time.  All p-values of a run form one family and are
  adjusted with Holm's step-down method, so ``alpha`` is the chance that a run raises any
  false alarm.

Windows and censoring (exactly; docs/ci.md repeats it for users):

* ``--since`` is inclusive, ``--until`` exclusive; a date-only ``--until`` includes that whole
  day.  ``--window 7d`` is the 7 days up to the log's last event (or ending at ``--until``,
  or starting at ``--since``).  Events outside the window are dropped; a case that began
  before the window is seen from its first event inside it (counted as ``carried_in``).
  With ``--cases started`` only the cases that began inside the window are audited (a
  weekly cohort): no case is truncated at the start, which is what comparing weeks of a
  log with long-running cases needs.
* The window's *end* is ``--until``, capped at the log's last event (the log cannot know
  about time after its extraction), and the log's last event when there is no ``--until``.
* A case is **open** when it has no resolution event inside the window.  Its waits run up to
  the window's end: the engine appends an invisible, role-less "window end" event to each
  open case, so ``customer_wait_hours`` and ``silent_wait_max_hours`` include the time from
  its last event to the end when the ball is in the company's court (they are lower bounds:
  right-censored).  Counts (contacts, tasks, handoffs, effort) are those so far.  The
  synthetic event is not counted in ``events`` and does not appear in the result's events.
* ``duration_hours`` is a *completed* statistic: its quantiles use resolved cases only
  (for an open case it is its age at the window's end).  Every other measure's quantiles use
  all cases of the window.  Open cases raise FM009 as usual, so the open share is visible.
* **Windows of different lengths** are compared with the baseline at a *common follow-up
  horizon* H (``[audit.horizon]``): on each side only the cases that began at least H
  before the window's end, each cut and censored at its first event + H
  (``analyze(censor_at=timedelta)``), so a short window's young cases do not read as a
  worsening.  H is the longest of ``hours`` at which both sides keep ``min_cases`` cases
  and ``min_share`` of their cases; without one, there is no comparison and the result says
  why (``AuditResult.horizon``).  Baselines store their figures at every such H.
"""
