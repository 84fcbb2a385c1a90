"""Adds up meson's testlog.json files, and "NAME: PASS|FAIL" result lines
(--results FILE COUNT: COUNT checks expected), into one 'N passed, N failed' line."""
import json
import re
import sys


def count(path):
    passed = failed = skipped = 0
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                result = json.loads(line)["result"]
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        print(f"{path}: missing (that build did not run its tests)")
        failed += 1
    return passed, failed, skipped


def count_results(path, expected):
    """Lines "NAME: PASS ..." or "NAME: FAIL ..."; a missing one fails."""
    passed = failed = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^(\S+): (PASS|FAIL)", line)
            if m:
                passed += m.group(2) == "PASS"
                failed += m.group(2) == "FAIL"
    missing = max(0, expected - passed - failed)
    if missing:
        print(f"{path}: {missing} check(s) printed no result line")
    return passed, failed + missing, 0


def main():
    args = sys.argv[1:]
    totals = [0, 0, 0]
    reports = []
    while args:
        if args[0] == "--results":
            reports.append((args[1], count_results(args[1], int(args[2]))))
            args = args[3:]
        else:
            reports.append((args[0], count(args[0])))
            args = args[1:]
    for path, (p, f, s) in reports:
        print(f"{path}: {p} passed, {f} failed, {s} skipped")
        totals = [totals[0] + p, totals[1] + f, totals[2] + s]
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 1 if totals[1] or totals[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
