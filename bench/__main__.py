"""`python -m bench` runs every scenario; `python -m bench catalogue` runs the ones named."""

import argparse
import os
import sys

from .report import format_result, write_results
from .scenarios import SCENARIOS
from .site import SERVER_DESCRIPTION, bench_site


def log(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"one of: {', '.join(SCENARIOS)} (default: all)"
    )
    names = parser.parse_args().scenarios or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario: {', '.join(unknown)}")
    with bench_site(log) as site:
        load_average = os.getloadavg()[0]  # other work on the machine skews the figures: say how busy it was
        results = []
        for name in names:
            log(f"Scenario {name}:")
            results.append(SCENARIOS[name](site, log))
    for result in results:
        log("\n" + format_result(result))
    environment = {
        "server": SERVER_DESCRIPTION,
        "database": site.database,
        "cache": site.cache,
        "tasks": site.tasks,
        "cpus": os.cpu_count(),
        "load_average_before_scenarios": round(load_average, 2),
    }
    path = write_results(results, environment=environment)
    log("\n" + "; ".join(f"{key}: {value}" for key, value in environment.items()) + f"\nResults: {path}")


# Spawned load-generator processes import this module again: only the command runs the bench.
if __name__ == "__main__":
    main()
