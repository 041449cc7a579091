"""The bench's scenarios, by the name `python -m bench NAME` runs.

A scenario is a function `run(site: BenchSite, log) -> ScenarioResult`: it gets a running
server seeded with the demo (`bench.site`), drives it (`bench.load`), and reports figures and
the issue's targets (`bench.report`). Add one by writing its module and listing it here.
"""

from . import catalogue, documents, registration, signatures

SCENARIOS = {
    "catalogue": catalogue.run,
    "registration": registration.run,
    "signatures": signatures.run,
    "documents": documents.run,  # last: its thousand PDFs load the machine
}
