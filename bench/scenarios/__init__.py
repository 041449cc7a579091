"""The bench's scenarios, by the name `python -m bench NAME` runs.

A scenario is a function `run(site: BenchSite, log) -> ScenarioResult`: it gets a running
server seeded with the demo (`bench.site`), drives it (`bench.load`), and reports figures and
the issue's targets (`bench.report`). Add one by writing its module and listing it here.
"""

from . import catalogue, documents, evidence_pack, history_import, indicators, registration, signatures

SCENARIOS = {
    "catalogue": catalogue.run,
    "registration": registration.run,
    "signatures": signatures.run,
    "history_import": history_import.run,  # imports two years of history into the bench database
    "indicators": indicators.run,  # adds a large year (2031), generated once
    "evidence_pack": evidence_pack.run,  # tops the demo year up to 66 sessions, issues their certificates
    "documents": documents.run,  # last: its thousand PDFs load the machine
}
