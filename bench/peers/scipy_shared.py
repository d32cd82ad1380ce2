#!/usr/bin/env python3
"""A scipy peer for shared-parameter fits (issue 10.2): L = E_g + A_g / N^alpha + B_g / D^beta
with alpha, beta common to every group g and E, A, B per group, fitted jointly by
scipy.optimize.least_squares (trust region reflective, bounds as ours: E in (0, 10), A and B
positive via ln, alpha and beta in (0, 2)), sum of squared residuals of L (linear space).

usage: scipy_shared.py CSV START_JSON
  CSV: columns group,N,D,L (a header line; any order of rows)
  START_JSON: {"alpha": a, "beta": b, "groups": {"name": {"E": e, "A": a, "B": b}, ...}}
prints one JSON line: {"objective": sum of squares, "alpha": …, "beta": …, "groups": {…}, "seconds": …}
"""
import csv
import json
import sys
import time

import numpy as np
from scipy.optimize import least_squares


def main() -> None:
    path, start = sys.argv[1], json.loads(sys.argv[2])
    rows = list(csv.DictReader(open(path)))
    names = list(dict.fromkeys(r["group"] for r in rows))
    gi = np.array([names.index(r["group"]) for r in rows])
    N = np.array([float(r["N"]) for r in rows])
    D = np.array([float(r["D"]) for r in rows])
    L = np.array([float(r["L"]) for r in rows])
    G = len(names)
    # x = [alpha, beta, E_1, lnA_1, lnB_1, E_2, …]
    x0 = [start["alpha"], start["beta"]]
    for n in names:
        g = start["groups"][n]
        x0 += [g["E"], np.log(g["A"]), np.log(g["B"])]
    lo = [0.0, 0.0] + [0.0, -np.inf, -np.inf] * G
    hi = [2.0, 2.0] + [10.0, np.inf, np.inf] * G

    def residuals(x):
        a, b = x[0], x[1]
        own = x[2:].reshape(G, 3)
        E, lnA, lnB = own[gi, 0], own[gi, 1], own[gi, 2]
        return E + np.exp(lnA - a * np.log(N)) + np.exp(lnB - b * np.log(D)) - L

    t = time.perf_counter()
    res = least_squares(residuals, np.array(x0), bounds=(lo, hi), method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10000)
    seconds = time.perf_counter() - t
    own = res.x[2:].reshape(G, 3)
    print(
        json.dumps(
            {
                "objective": float(np.sum(residuals(res.x) ** 2)),
                "alpha": float(res.x[0]),
                "beta": float(res.x[1]),
                "groups": {n: {"E": float(o[0]), "A": float(np.exp(o[1])), "B": float(np.exp(o[2]))} for n, o in zip(names, own)},
                "status": int(res.status),
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
