"""The built-in role vocabulary (issue 13, point 2): the states and activities of ticketing,
CRM and case tools in English, German and Dutch, and what they must not match.

Each row is a real label (the logs in ../shared/logs, or a tool's documented state name)
with the roles it must have under the built-in defaults, and nothing else.
"""

from __future__ import annotations

import pytest

from frictionminer.engine.classify import _roles_of_values
from frictionminer.settings import ROLE_NAMES, Settings

C, T, A, N, R = "contact", "customer_task", "customer_action", "notice", "resolution"
VOCABULARY: list[tuple[str, set[str]]] = [
    # ticketing states (ServiceNow, Jira, Zendesk, ITIL) and the helpdesk/BPIC 2013 logs
    ("Awaiting User Info", {T}),
    ("Pending - Customer", {T}),
    ("On Hold - Awaiting Caller", {T}),
    ("Waiting for customer", {T}),
    ("Wait - User", {T}),
    ("Request for information", {T}),
    ("Resolve ticket", {R}),
    ("Status update to customer", {C, N}),
    ("Interim notice sent", {N}),
    ("Callback", {C}),
    ("Customer satisfaction survey", {C}),  # sent by the company: no customer action
    ("User Contacted", {C}),
    ("Customer called", {C, A}),  # the customer phoned in
    ("Customer asked for a refund", {C, A}),
    ("Customer informed by the agent", {C}),
    ("Customer contacted support", {C, A}),
    ("Email received from customer", {C, A}),
    ("Requested information received", {A}),
    ("Request receipt from customer", {C, T}),  # sample_logs: a receipt asked for
    ("NPS survey sent", {C}),
    ("Send Reminder", {T}),  # BPIC 2020
    # bank workflows: BPIC 2012 (Dutch) and 2017 (English), "_" between words
    ("W_Nabellen offertes", {C}),
    ("W_Nabellen incomplete dossiers", {C, T}),
    ("W_Call after offers", {C}),
    ("W_Call incomplete files", {C, T}),
    # public administration: BPIC 2015 (permits), road traffic fines, BPIC 2020
    ("send confirmation receipt", {C}),
    ("enter senddate decision environmental permit", {R}),
    ("retrieve missing data", {T}),
    ("Send Fine", {C}),
    ("Notify Result Appeal to Offender", {C}),
    ("Payment", {A}),
    ("Payment Handled", {R}),
    ("request further information", {T}),  # BPIC 2015
    ("phase additional information received", {A}),
    ("send letter in progress", {C, N}),  # a letter saying the case is in hand
    ("advise claimant on reimbursement", {C}),  # pm4py teleclaims
    ("send_reminder", {T}),  # pm4py orders: "_" between words
    ("send_invoice", {C}),
    # German
    ("Rückfrage beim Kunden", {C, T}),
    ("Warten auf Kunde", {T}),
    ("Zwischenbescheid versandt", {N}),
    ("Mahnung versandt", {T}),
    ("Kundenbefragung", {C}),
    ("Problem gelöst", {R}),
    ("Erinnerungen versandt", {T}),
    ("Unterlagen eingegangen", {A}),
    ("Rückruf", {C}),
    # Dutch
    ("wacht op klant", {T}),
    ("In afwachting van informatie", {T}),
    ("Klant gebeld", {C}),
    ("Herinnering verstuurd", {T}),
    ("Ontvangst aanvullende gegevens", {A}),
    ("Reactie van de klant", {C, A}),
    ("Tussenbericht verstuurd", {N}),
    ("Besluit verzonden", {R}),
    ("Storing opgelost", {R}),
    # BPIC 2015 in Dutch (activityNameNL)
    ("aanvullende gegevens ontvangen", {A}),
    ("nadere gegevens vragen", {T}),
    ("fase beschikking verzonden", {R}),
    ("invoeren verzenddatum beschikking omgevingsvergunning", {R}),
    ("procedurebevestiging versturen", {C}),
    ("bevestiging ontvangst aanvullende gegevens versturen", {C}),
    ("mededeling beeindigen aanvraag", {C}),
    ("brief in behandeling versturen", {C, N}),
    ("Klant reageert", {C, A}),
    ("Terugbellen", {C}),
    ("Klanttevredenheidsonderzoek", {C}),
    # internal work: no role
    ("Closed", set()),
    ("Pending vendor", set()),
    ("Assign seriousness", set()),
    ("Request Payment", set()),
    ("Declaration REJECTED by EMPLOYEE", set()),
    ("Recall of product batch", set()),
    ("Callisto server restart", set()),
    ("W_Valideren aanvraag", set()),
    ("Queued / Awaiting Assignment", set()),
    ("applicant is stakeholder", set()),  # BPIC 2015: a statement, not an event
    ("Pending", set()),  # on whom? (Zendesk: the requester; ServiceNow: also vendors)
    ("On Hold", set()),
    ("Wait", set()),  # helpdesk
    ("Awaiting Vendor", set()),
    ("Waiting on third party", set()),
    ("Insert Fine Notification", set()),  # road traffic fines: the date recorded
    ("Afgehandeld", set()),  # Dutch "dealt with": an administrative close, like Closed
    ("fase zaak gearchiveerd", set()),
    ("Bericht erstellen", set()),  # German "report": no Dutch "bericht" as a medium
    ("Reopened", set()),
    ("registreren bezwaartermijn", set()),
]


@pytest.mark.parametrize(("label", "expected"), VOCABULARY, ids=[v[0] for v in VOCABULARY])
def test_the_built_in_vocabulary(label: str, expected: set[str]) -> None:
    matched = _roles_of_values([label], Settings().roles)
    assert {role for role in ROLE_NAMES if matched[role][0]} == expected


def test_every_role_is_exercised_in_three_languages() -> None:
    for role in ROLE_NAMES:
        assert sum(role in roles for _, roles in VOCABULARY) >= 3, role
