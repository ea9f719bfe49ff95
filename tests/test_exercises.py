"""Every chapter's exercise, through the real grader: the solution scores full marks, the untouched
student version scores zero without crashing."""
import shutil
from pathlib import Path

import pytest

from course_lib import grading

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.stem for p in (REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_and_exercise_scores_zero(assignment, tmp_path, home):
    subs = tmp_path / "subs"
    for student, folder in (("solution", "solutions"), ("untouched", "exercises")):
        (subs / student).mkdir(parents=True)
        shutil.copy(REPO / folder / f"{assignment}.ipynb", subs / student / f"{assignment}.ipynb")
    res = grading.grade(assignment, subs, tmp_path / "out", source=REPO / "solutions", workers=2, progress=False)
    rows = res["students"]
    sol, ex = rows["solution"], rows["untouched"]
    failing = {q: r for q, r in sol["questions"].items() if r["points"] < r["max"]}
    assert sol["total"] == res["max_points"] == 10, f"{assignment}: the solution loses points: {failing}"
    assert ex["total"] == 0, f"{assignment}: the untouched exercise earns {ex['total']} points"
    assert ex["status"] == sol["status"] == "graded"
