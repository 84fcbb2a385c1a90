"""Stands in for a test whose dependency is missing (tests/meson.build):
says so and exits 77, which meson counts as a skip, so that the test is
still listed and scripts/test_summary.py sees it (and CI fails on it).

    /usr/bin/python3 tests/skip.py REASON...
"""
import sys

print("SKIP: " + " ".join(sys.argv[1:]), flush=True)
sys.exit(77)
