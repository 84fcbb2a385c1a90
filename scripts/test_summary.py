"""Adds up the suite's results into one 'N passed, N failed' line, checked
against tests/suite.txt, the list of every test and check the suite has:
a test that gives no result fails the run as surely as one that fails.

    test_summary.py [--no-skips] [--manifest tests/suite.txt]
        [--log LABEL TESTLOG.json SELECT]... [--results LABEL FILE SELECT]...

--log: one `meson test` run's testlog.json. SELECT says which entries of
  the manifest it must hold: comma-separated suite names or test names,
  `all` for every meson test (all suites but 'check'); `!FEATURE` leaves
  out the tests that need FEATURE (a build without it).
--results: a file of "NAME: PASS|FAIL ..." lines (packaging, fuzz).
--no-skips: CI (CI=true): a skipped test (exit 77) fails the run.

A missing result, a result for a test not in the manifest, a FAIL, a
timeout and an EXPECTEDFAIL (no test here is meant to fail) all count as
failed. Above the total, one line says how many distinct tests ran and how
many results are the same tests again under another build.
"""
import json
import os
import re
import sys

MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                        "suite.txt")


def read_manifest(path):
    """-> {name: (suites set, needs set)} from lines "NAME SUITE,... [needs:F,...]"."""
    tests = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) not in (2, 3) or (len(line) == 3 and not line[2].startswith("needs:")):
                sys.exit(f"{path}:{n}: want NAME SUITE[,SUITE...] [needs:FEATURE[,...]]")
            needs = set(line[2][6:].split(",")) if len(line) == 3 else set()
            tests[line[0]] = (set(line[1].split(",")), needs)
    return tests


def expected(manifest, select):
    """Names of the manifest that SELECT picks."""
    words = select.split(",")
    without = {w[1:] for w in words if w.startswith("!")}
    picks = {w for w in words if not w.startswith("!")}
    every = "all" in picks
    return {name for name, (suites, needs) in manifest.items()
            if (name in picks or suites & picks or (every and suites != {"check"}))
            and not needs & without}


class Tally:
    def __init__(self, label):
        self.label = label
        self.passed, self.failed, self.skipped = [], [], []
        self.notes = []


def skip_reason(result):
    for line in (result.get("stdout") or "").splitlines():
        if "SKIP" in line:
            return line.strip()
    return "no reason printed"


def count_log(label, path, want):
    t = Tally(label)
    got = set()
    try:
        with open(path, encoding="utf-8") as f:
            results = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        results = []
        t.notes.append(f"{path}: missing (that build did not run its tests)")
    for r in results:
        # meson writes "PROJECT:SUITE+SUITE / NAME"
        name, result = r["name"].split(" / ")[-1], r["result"]
        got.add(name)
        if name not in want:
            t.failed.append(name)
            t.notes.append(f"{name}: ran but is not in tests/suite.txt for this run "
                           "(add it there)")
        elif result == "OK":
            t.passed.append(name)
        elif result == "SKIP":
            t.skipped.append(name)
            t.notes.append(f"{name}: skipped: {skip_reason(r)}")
        else:
            t.failed.append(name)
            if result == "EXPECTEDFAIL":
                t.notes.append(f"{name}: EXPECTEDFAIL (no test is meant to fail)")
    for name in sorted(want - got):
        t.failed.append(name)
        t.notes.append(f"{name}: in tests/suite.txt but gave no result")
    return t


def count_results(label, path, want):
    """Lines "NAME: PASS ..." or "NAME: FAIL ..."; a missing one fails."""
    t = Tally(label)
    got = set()
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        m = re.match(r"^(\S+): (PASS|FAIL)", line)
        if not m:
            continue
        name = m.group(1)
        got.add(name)
        if name not in want:
            t.failed.append(name)
            t.notes.append(f"{name}: a check not in tests/suite.txt (add it there)")
        elif m.group(2) == "PASS":
            t.passed.append(name)
        else:
            t.failed.append(name)
    for name in sorted(want - got):
        t.failed.append(name)
        t.notes.append(f"{name}: printed no result line")
    return t


def main():
    args = sys.argv[1:]
    no_skips = False
    manifest_path = MANIFEST
    runs = []
    while args:
        if args[0] == "--no-skips":
            no_skips, args = True, args[1:]
        elif args[0] == "--manifest" and len(args) >= 2:
            manifest_path, args = args[1], args[2:]
        elif args[0] == "--log" and len(args) >= 4:
            runs.append(("log", args[1], args[2], args[3]))
            args = args[4:]
        elif args[0] == "--results" and len(args) >= 4:
            runs.append(("results", args[1], args[2], args[3]))
            args = args[4:]
        else:
            sys.exit(__doc__)
    manifest = read_manifest(manifest_path)
    tallies = []
    for kind, label, path, select in runs:
        want = expected(manifest, select)
        count = count_log if kind == "log" else count_results
        tallies.append(count(label, path, want))

    passed = failed = skipped = results = 0
    distinct = set()
    for t in tallies:
        print(f"{t.label}: {len(t.passed)} passed, {len(t.failed)} failed, "
              f"{len(t.skipped)} skipped")
        for note in t.notes:
            print(f"  {note}")
        passed += len(t.passed)
        failed += len(t.failed)
        skipped += len(t.skipped)
        names = t.passed + t.failed + t.skipped
        results += len(names)
        distinct.update(names)
    if no_skips and skipped:
        print(f"CI: {skipped} skipped test(s) count as failed: every dependency is "
              "installed there (scripts/install-deps.sh)")
        failed += skipped
    print(f"{results} results: {len(distinct)} distinct tests and checks, "
          f"{results - len(distinct)} reruns of them under other builds")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
