"""How long `import course_lib`, its light modules and `course --help` take, next to `import mlflow`.

Each figure is the median of several fresh interpreters, minus the bare interpreter start-up measured
in the same run. Budgets (DESIGN.md section 8): light imports <= 0.3 s, `course --help` <= 0.5 s.
Run: .venv/bin/python bench/import_time.py
"""
import statistics, subprocess, sys, time
from pathlib import Path

REPEATS = 7
BIN = Path(sys.executable).parent


def wall(cmd):
    "Median wall time of a command over REPEATS runs."
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    base = wall([sys.executable, "-c", "pass"])
    rows = []
    for mod in ("course_lib", "course_lib.config", "course_lib.services", "course_lib.cli", "course_lib.grading"):
        if subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True).returncode:
            print(f"{mod}: not importable here, skipped"); continue
        rows.append((f"import {mod}", wall([sys.executable, "-c", f"import {mod}"]) - base, 0.3))
    rows.append(("course --help", wall([str(BIN / "course"), "--help"]), 0.5))
    mlflow = wall([sys.executable, "-c", "import mlflow"]) - base
    print(f"interpreter start-up (subtracted from imports): {base * 1000:.0f} ms; median of {REPEATS} runs each\n")
    print(f"{'what':<32}{'seconds':>9}{'budget':>8}{'vs import mlflow':>18}")
    for what, sec, budget in rows:
        flag = "" if sec <= budget else "  OVER BUDGET"
        print(f"{what:<32}{sec:>9.3f}{budget:>8.1f}{mlflow / max(sec, 1e-4):>16.0f}x faster{flag}")
    print(f"{'import mlflow (reference)':<32}{mlflow:>9.3f}")


if __name__ == "__main__":
    main()
