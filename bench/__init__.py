"""Speed measurements of the project, run by `make bench` (`python -m bench [SCENARIO…]`).

Each run deploys a throwaway copy of the site (database, demo data, gunicorn on 127.0.0.1 with
production settings, `bench.site`), runs the scenarios (`bench.scenarios`), prints their figures
and writes them to `bench/results/latest.json`.
"""
