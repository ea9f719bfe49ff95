"""Grading throughput: one generated class graded with 1 worker and with 2 workers in one run, and by
nbgrader's `autograde` when an nbgrader virtualenv is found (NBGRADER_VENV, default /tmp/nbgrader-venv).

    PYTHONPATH=. .venv/bin/python bench/grading.py [--students 16]

Prints seconds per submission and the ratios (budgets: 2 workers >= 1.6x one; >= 2x nbgrader).
nbgrader is never installed into the course's environment; make a separate venv to compare:
`python3 -m venv /tmp/nbgrader-venv && /tmp/nbgrader-venv/bin/pip install nbgrader==0.9.6`."""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

from course_lib import grading

REPO = Path(__file__).resolve().parent.parent
SOL = REPO / "solutions"


def make_class(exercise: dict, n: int, subs: Path):
    "n students: full answers, half the answers, and untouched exercises, in turn."
    answers = grading.answers_of(grading.load_notebook(SOL / "00_stack.ipynb"))
    half = dict(list(answers.items())[::2])
    for i in range(n):
        ans = (answers, half, {})[i % 3]
        (subs / f"s{i:03d}").mkdir(parents=True)
        (subs / f"s{i:03d}" / "00_stack.ipynb").write_text(grading.dumps_notebook(grading.fill_answers(exercise, ans)))


def ours(subs: Path, out: Path, workers: int, fast_start: bool = True) -> tuple:
    t = time.perf_counter()
    res = grading.grade("00_stack", subs, out, source=SOL, workers=workers, progress=False, fast_start=fast_start)
    return time.perf_counter() - t, res


def nbgrader(venv: Path, n: int, work: Path) -> float|None:
    "Seconds nbgrader 0.9 `autograde` takes for the same class (answers filled into its own release)."
    exe = venv / "bin" / "nbgrader"
    if not exe.exists(): return None
    course = work / "nbgrader-course"
    (course / "source" / "00_stack").mkdir(parents=True)
    shutil.copy(SOL / "00_stack.ipynb", course / "source" / "00_stack" / "00_stack.ipynb")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = %r\nc.CourseDirectory.course_id = 'bench'\n"
        "c.Autograde.create_student = True\nc.ExecutePreprocessor.timeout = 60\n" % str(course))
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(work / "nbhome"), "JUPYTER_PLATFORM_DIRS": "1",
           "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    run = lambda *a: subprocess.run([str(exe), *a], cwd=course, env=env, capture_output=True, text=True)
    r = run("generate_assignment", "00_stack", "--force")
    if r.returncode: print("nbgrader generate_assignment failed:\n" + r.stderr[-2000:]); return None
    release = grading.load_notebook(course / "release" / "00_stack" / "00_stack.ipynb")
    subs = work / "nb-subs"
    make_class(release, n, subs)
    for d in subs.iterdir():
        (course / "submitted" / d.name / "00_stack").mkdir(parents=True)
        shutil.copy(d / "00_stack.ipynb", course / "submitted" / d.name / "00_stack" / "00_stack.ipynb")
    t = time.perf_counter()
    r = run("autograde", "00_stack", "--force")
    dt = time.perf_counter() - t
    if r.returncode: print("nbgrader autograde failed:\n" + r.stderr[-2000:]); return None
    return dt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=16, help="size of the generated class")
    ap.add_argument("--nbgrader-venv", default=os.environ.get("NBGRADER_VENV", "/tmp/nbgrader-venv"))
    a = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        exercise = grading.load_notebook(REPO / "exercises" / "00_stack.ipynb")
        subs = work / "subs"
        make_class(exercise, a.students, subs)
        n = a.students
        ours(subs, work / "warm", 2)  # warm the page cache once, so neither measured run pays for it
        t1, r1 = ours(subs, work / "out1", 1)
        t2, r2 = ours(subs, work / "out2", 2)
        t0, _ = ours(subs, work / "out0", 1, fast_start=False)
        same = (work / "out1" / "results.json").read_bytes() == (work / "out2" / "results.json").read_bytes()
        totals = sorted(row["total"] for row in r1["students"].values())
        print(f"class: {n} submissions of 00_stack (full / half / untouched), totals {totals[0]}..{totals[-1]}")
        print(f"course grade, 1 worker, every kernel started from scratch: {t0:6.2f} s = {t0 / n:.3f} s per submission")
        print(f"course grade, 1 worker : {t1:6.2f} s  = {t1 / n:.3f} s per submission")
        print(f"course grade, 2 workers: {t2:6.2f} s  = {t2 / n:.3f} s per submission")
        print(f"speed-up 2 workers / 1 worker: {t1 / t2:.2f}x (budget >= 1.6x); identical results.json: {same}")
        tn = nbgrader(Path(a.nbgrader_venv), n, work)
        if tn is None:
            print(f"nbgrader: no virtualenv at {a.nbgrader_venv}; skipped (see this script's docstring)")
        else:
            print(f"nbgrader autograde     : {tn:6.2f} s  = {tn / n:.3f} s per submission")
            print(f"throughput vs nbgrader: 1 worker {tn / t1:.2f}x, 2 workers {tn / t2:.2f}x (budget >= 2x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
