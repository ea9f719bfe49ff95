"""Chapters 01 and 02 in one run: the data half (bench/data_speed.py) then the model half
(bench/model_speed.py), each in its own interpreter so one's imports do not slow the other.

Data: page generation (budget 3,000 pages/s), quality signals + annotation on one core (budget
500 pages/s) next to datatrove's four filters on the same pages (goal >= 5x).
Model: training time of both models, inference pages/s of both next to the featurizer alone (the ceiling).
Run: .venv/bin/python bench/data_model.py [--pages N] [--profile smoke|full]
"""
import argparse, subprocess, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2000, help="pages for the data half")
    ap.add_argument("--profile", default=None, help="profile for the model half")
    a = ap.parse_args()
    print("== data (bench/data_speed.py)", flush=True)
    rc = subprocess.call([sys.executable, str(HERE / "data_speed.py"), "--pages", str(a.pages)])
    print("\n== model (bench/model_speed.py)", flush=True)
    rc |= subprocess.call([sys.executable, str(HERE / "model_speed.py")] + (["--profile", a.profile] if a.profile else []))
    sys.exit(rc)


if __name__ == "__main__":
    main()
