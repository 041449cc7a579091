"""Reading the public catalogue: 16 concurrent visitors on the catalogue and a course sheet,
against a bare Django view that only goes through the middleware.

Target (public-catalogue issue): the catalogue and a course page serve at least half the bare
view's requests per second, with a p95 latency under 100 ms. Visitors are anonymous, as most
are, so pages come from the public page cache (`cms.cache`); the "no page cache" rows carry a
session cookie, which bypasses that cache as a signed-in person's does, and show what a full
render costs (a signed-in visitor, or the first visitor after a change).
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable

from ..load import LoadGenerator
from ..report import Check, ScenarioResult
from ..site import BenchSite

CLIENTS = 16
CLIENT_PROCESSES = 2
WARM_UP_SECONDS = 2.0
SECONDS = 10.0
MAX_REQUESTS = 20_000
P95_TARGET_MS = 100.0
# An unknown session key: the server looks it up, finds nothing and renders for an anonymous person.
NO_PAGE_CACHE = {"Cookie": "sessionid=bench-session-that-bypasses-the-page-cache"}
FIRST_COURSE = re.compile(r'<h2><a href="(/formations/[^"]+/)">')


def run(site: BenchSite, log: Callable[[str], None]) -> ScenarioResult:
    catalogue = "/formations/"
    filtered = "/formations/?departement=12&financement=drapps"
    course = _first_course_path(site, filtered)
    targets = [("catalogue", catalogue), ("catalogue, Aveyron + Drapps", filtered), ("course page", course)]
    runs = [
        ("bare Django view", "/bench/bare/", None),
        *((name, path, None) for name, path in targets),
        *((f"{name} (no page cache)", path, NO_PAGE_CACHE) for name, path in targets),
    ]
    measurements = []
    with LoadGenerator(port=site.port, clients=CLIENTS, processes=CLIENT_PROCESSES) as load:
        for name, path, headers in runs:
            log(f"  {name}: {path}")
            load.run(path, name=name, seconds=WARM_UP_SECONDS, max_requests=MAX_REQUESTS, headers=headers)
            measurements.append(load.run(path, name=name, seconds=SECONDS, max_requests=MAX_REQUESTS, headers=headers))
    bare = measurements[0]
    checks = []
    for row in measurements[1 : 1 + len(targets)]:
        checks.append(
            Check(
                f"{row.name}: at least half the bare view's req/s", row.rps >= bare.rps / 2, f"{row.rps / bare.rps:.0%}"
            )
        )
        checks.append(
            Check(f"{row.name}: p95 under {P95_TARGET_MS:.0f} ms", row.p95_ms < P95_TARGET_MS, f"{row.p95_ms:.1f} ms")
        )
    return ScenarioResult(
        name="catalogue",
        measurements=measurements,
        checks=checks,
        notes=[
            f"{CLIENTS} clients over {CLIENT_PROCESSES} processes, {SECONDS:.0f} s or {MAX_REQUESTS} requests per URL after a {WARM_UP_SECONDS:.0f} s warm-up."
        ],
    )


def _first_course_path(site: BenchSite, filtered: str) -> str:
    """The first course sheet the filtered catalogue lists (the demo has sessions in Aveyron)."""
    with urllib.request.urlopen(f"{site.base_url}{filtered}", timeout=30) as response:
        match = FIRST_COURSE.search(response.read().decode())
    if match is None:
        raise RuntimeError(f"{filtered} lists no course: the demo data changed")
    return match.group(1)
