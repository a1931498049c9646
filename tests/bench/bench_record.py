"""One figure of `make bench`, appended to the run's records (tests/bench/run.sh collects them
into build/bench/results.json). Usable from a suite's Python (import, record(...)) or its shell:
  python3 tests/bench/bench_record.py FIGURE VALUE UNIT BASELINE RATIO GOAL
GOAL is "<= 1.5", "< 1.0" (a ratio bound) or "-" (reported, no goal)."""
import json
import operator
import os
import sys

_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


def goal_met(ratio, goal):
    if goal in (None, "", "-"):
        return None
    op, bound = goal.split()
    return bool(_OPS[op](ratio, float(bound)))


def record(figure, value, unit, baseline, ratio, goal="-", note=""):
    """Prints the figure with its goal and appends it to $BENCH_RECORDS (when set)."""
    met = goal_met(ratio, goal)
    verdict = "" if met is None else ("met" if met else "MISSED")
    print(f"  {figure}: {value:.2f} {unit} / {baseline:.2f} {unit} = {ratio:.2f}x"
          f"{'' if goal in ('-', '') else f'  (goal {goal}x: {verdict})'}{'  ' + note if note else ''}")
    path = os.environ.get("BENCH_RECORDS")
    if not path:
        return met
    with open(path, "a") as out:
        out.write(json.dumps({"figure": figure, "value": value, "unit": unit, "baseline": baseline,
                              "ratio": ratio, "goal": None if goal in ("-", "") else goal + "x",
                              "met": met, "note": note}) + "\n")
    return met


if __name__ == "__main__":
    figure, value, unit, baseline, ratio, goal = sys.argv[1:7]
    record(figure, float(value), unit, float(baseline), float(ratio), goal,
           sys.argv[7] if len(sys.argv) > 7 else "")
