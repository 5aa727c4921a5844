#!/usr/bin/env python3
"""Iteration orders of Python sets of integers, as scikit-learn's interaction constraints build
them (set(list), set.update, set().union(...), set difference), for LearnKit's PythonIntSet.

    venv/bin/python Scripts/golden/generate_python_sets.py
Writes Tests/LearnKitTests/Golden/python_sets.json."""
import itertools
import json
import os
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LearnKitTests", "Golden", "python_sets.json")


def main():
    cases = []
    # set(list): members added in the order given.
    for members in [[23, 27], [1000, 8, 16, 24, 1, 9, 33, 4096, 77], list(range(50, 0, -3)), [7, 15, 23, 31, 39, 47, 55, 63, 71, 79, 87, 95, 103]]:
        cases.append({"kind": "list", "groups": [members], "order": list(set(members))})
    # set().update(group) for each group in turn (scikit-learn's allowed features).
    for groups in [[[5, 40], [3, 17], [100, 2], [64, 0, 128]], [list(c) for c in itertools.combinations(range(12), 2) if 7 in c],
                   [list(range(i, i + 9)) for i in range(0, 200, 7)], [[2, 1], [300, 299, 1], [8, 16, 32, 64, 128, 256, 512]]]:
        union = set()
        for group in groups:
            union.update(set(group))
        cases.append({"kind": "update", "groups": groups, "order": list(union)})
    # set(range(n)) - set().union(*groups): the features in no group.
    for n, groups in [(40, [[1, 2], [30, 31, 39]]), (100, [[1, 2]]), (9, [[0, 8], [4]]), (300, [list(range(0, 300, 2))])]:
        rest = set(range(n)) - set().union(*[set(g) for g in groups])
        cases.append({"kind": "rest", "n": n, "groups": groups, "order": list(rest)})
    with open(OUT, "w") as f:
        json.dump({"python": sys.version.split()[0], "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
