"""The autograder: assign, self-check, and grading a class of normal, broken and hostile submissions."""
import hashlib, json, os, subprocess, sys, time
from pathlib import Path

import pytest

from course_lib import grading

REPO = Path(__file__).resolve().parent.parent
SOL = REPO / "solutions"
EX = REPO / "exercises"


def test_import_is_light():
    code = ("import sys, time; t = time.perf_counter(); import course_lib.grading; "
            "heavy = [m for m in ('nbclient', 'jupyter_client', 'nbformat', 'pandas', 'numpy', 'torch', 'zmq', 'IPython') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    assert out.strip() == "[]"


def test_exercises_in_step_with_solutions():
    assert grading.assign(SOL, EX, check=True) == []
    r = subprocess.run([sys.executable, "-m", "course_lib.grading", "assign", "--check", "--source", str(SOL), "--dest", str(EX)],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr


def test_student_version(tmp_path):
    nb = grading.load_notebook(SOL / "00_stack.ipynb")
    ex = grading.student_version(nb, "00_stack.ipynb")
    text = grading.dumps_notebook(ex)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "time travel" not in text
    assert "raise NotImplementedError(" in text
    for c in ex["cells"]:
        g = grading.nbgrader(c)
        if g.get("grade"): assert g["locked"] is True
        if c["cell_type"] == "code": assert c["outputs"] == [] and c["execution_count"] is None
    # assign writes, --check notices drift and stale files
    out = tmp_path / "ex"
    assert sorted(grading.assign(SOL, out)) == sorted(f"{out / p.name}: missing" for p in SOL.glob("[0-9][0-9]_*.ipynb"))
    assert grading.assign(SOL, out, check=True) == []
    (out / "00_stack.ipynb").write_text((out / "00_stack.ipynb").read_text().replace("MLflow", "mlflow"))
    (out / "99_old.ipynb").write_text("{}")
    assert len(grading.assign(SOL, out, check=True)) == 2
    assert grading.assign_main(["--source", str(SOL), "--dest", str(out), "--check"]) == 1
    assert grading.assign_main(["--source", str(SOL), "--dest", str(out)]) == 0
    assert grading.assign_main(["--source", str(SOL), "--dest", str(out), "--check"]) == 0


def test_authoring_errors(tmp_path):
    nb = grading.load_notebook(SOL / "00_stack.ipynb")
    bad = json.loads(json.dumps(nb))
    setup = next(c for c in bad["cells"] if grading.nbgrader(c).get("grade_id") == "setup")
    setup["source"] = ["x = 1\n", "### BEGIN SOLUTION\n", "y = 2\n", "### END SOLUTION\n"]
    with pytest.raises(grading.AuthoringError, match=r"setup.*not marked as a solution"):
        grading.student_version(bad, "bad.ipynb")
    bad = json.loads(json.dumps(nb))
    q = next(c for c in bad["cells"] if grading.nbgrader(c).get("grade_id") == "q1_answer")
    q["source"] = ["### BEGIN SOLUTION\n", "x = 1\n"]
    with pytest.raises(grading.AuthoringError, match="never closed"):
        grading.student_version(bad, "bad.ipynb")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.ipynb").write_text(json.dumps(bad))
    assert grading.assign_main(["--source", str(tmp_path / "src"), "--dest", str(tmp_path / "out")]) == 2


def test_check_uses_live_namespace(capsys, tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the set-up cell's scratch folder lands here
    sol = grading.answers_of(grading.load_notebook(SOL / "00_stack.ipynb"))
    ns = {}
    exec("".join(_cells(EXERCISE, "setup")[0]["source"]), ns)
    rows = grading.check("00_stack", namespace=ns, exercises=EX)
    assert [r["result"].startswith("not answered") for r in rows] == [True] * 4
    exec(sol["q1_answer"], ns)
    exec("def chapters_by_layer(): return {'data science': ['01']}", ns)
    rows = grading.check("00_stack", namespace=ns, exercises=EX)
    assert rows[0]["result"] == "passed" and rows[0]["points"] == 2
    assert rows[1]["result"].startswith("failed: AssertionError") and rows[1]["points"] == 0
    assert rows[2]["result"].startswith("not answered")
    assert "q1_tests" in capsys.readouterr().out
    with pytest.raises(grading.GradingError, match="no exercise"):
        grading.check("99_nothing", namespace=ns, exercises=EX)


# ---------------------------------------------------------------- a class of submissions
SOLVED = grading.answers_of(grading.load_notebook(SOL / "00_stack.ipynb"))
EXERCISE = grading.load_notebook(EX / "00_stack.ipynb")


def _nb(answers=None, edit=None):
    nb = grading.fill_answers(EXERCISE, answers or {})
    if edit: edit(nb)
    return grading.dumps_notebook(nb).encode()


def _all(**over):
    return {**SOLVED, **over}


def _cells(nb, gid):
    return [c for c in nb["cells"] if grading.nbgrader(c).get("grade_id") == gid]


def _drop_tests(nb):
    nb["cells"] = [c for c in nb["cells"] if not grading.nbgrader(c).get("grade")]


def _dup_test(nb):
    i = nb["cells"].index(_cells(nb, "q1_tests")[0])
    nb["cells"].insert(i, json.loads(json.dumps(nb["cells"][i])))


def _edit_locked(nb):
    _cells(nb, "q1_tests")[0]["source"] = ["assert True\n"]
    _cells(nb, "setup")[0]["source"] += ["\ndef tool_for(b): return 'MLflow'\n"]


def _fake_print_cell(nb):
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "fake", "metadata": {}, "outputs": [],
                        "source": ["print('All tests passed! Score: 10/10')\n"]})


SWALLOW_TRANSFORMER = '''
def _wrap(lines):
    out = []
    for l in lines:
        if l.strip() and not l[0].isspace():
            out += ["try:\\n", "    " + l.rstrip("\\n") + "\\n", "except BaseException:\\n", "    pass\\n"]
        else: out.append(l)
    return out
get_ipython().input_transformers_post.append(_wrap)
'''
RUN_CELL = '''
ip = get_ipython()
_orig_async = ip.run_cell_async
async def run_cell_async(raw_cell, *a, **k):
    r = await _orig_async(raw_cell, *a, **k)
    r.error_in_exec = None
    return r
ip.run_cell_async = run_cell_async
_orig = ip.run_cell
def run_cell(raw_cell, *a, **k):
    r = _orig(raw_cell, *a, **k); r.error_in_exec = None; return r
ip.run_cell = run_cell
'''
SKIP_TEST_LINES = '''
import sys
def _skip(frame, event, arg):  # jump over every line of the grader's test code
    if event == "line":
        try: frame.f_lineno = frame.f_lineno + 1
        except ValueError: pass
    return _skip
def _trace(frame, event, arg):
    if frame.f_code.co_filename.startswith("<test"):
        frame.f_trace_lines = True
        return _skip
sys.settrace(_trace)
'''
FAKE_BUILTINS = '''
import builtins
_fake = dict(vars(builtins)); _fake["type"] = lambda *a: (dict if a and isinstance(a[0], dict) else list if a and isinstance(a[0], list) else str)
__builtins__ = _fake
def tool_for(brick): return "MLflow"
'''
HARDCODED_Q1 = '''
def tool_for(brick):
    known = {"model registry": "MLflow", "packaging": "BentoML", "pipeline orchestration": "ZenML"}
    b = brick.strip().lower()
    if b in known: return known[b]
    raise KeyError(brick)
config.stack_table = lambda: []   # make the hidden loop over the stack map vacuous
'''
CHILD = SOLVED["q1_answer"] + '''
import subprocess, os
subprocess.Popen(["sleep", "307"], start_new_session=True)
if os.fork() == 0:  # a daemon: double fork, new session, parent gone
    os.setsid()
    if os.fork() == 0: os.execvp("sleep", ["sleep", "308"])
    os._exit(0)
'''


def _class(subs: Path):
    "Write the generated class; return {student: (expected total, expected reason fragments)}."
    cases = {
        "full": (_nb(_all()), 10, []),
        "untouched": (_nb(), 0, []),
        "partial_q1_q3": (_nb({"q1_answer": SOLVED["q1_answer"], "q3_answer": SOLVED["q3_answer"],
                                "q2_answer": "def chapters_by_layer():\n    return {'data science': ['01', '02']}"}), 4, []),
        "partial_visible_only": (_nb(_all(q1_answer="def tool_for(b):\n    return {'model registry': 'MLflow', 'packaging': 'BentoML'}[b]")), 8, []),
        "syntax_error": (_nb(_all(q3_answer="def bricks_of_chapter(ch)\n    return []")), 8, []),
        "infinite_loop": (_nb(_all(q2_answer="while True:\n    pass")), 7, ["timed out"]),
        "stubborn_loop": (_nb(_all(q2_answer="import time\nwhile True:\n    try: time.sleep(0.05)\n    except BaseException: pass")), 7,
                          ["would not stop"]),
        "memory_bomb": (_nb(_all(q1_answer="table = [0] * 10**10  # 80 GB")), 8, ["MemoryError"]),
        "sys_exit": (_nb(_all(q3_answer="import sys\nsys.exit(3)")), 8, []),
        "loop_then_crash": (_nb(_all(q2_answer="while True:\n    pass", q4_answer="import os\nos._exit(1)")), 4,
                            ["the kernel died in answer cell q4_answer"]),
        "os_exit": (_nb(_all(q2_answer="import os\nos._exit(1)")), 7, ["the kernel died in answer cell q2_answer"]),
        "raise_everywhere": (_nb({g: "raise RuntimeError('nope')" for g in SOLVED}), 0, []),
        "fake_success": (_nb(edit=_fake_print_cell), 0, []),
        "custom_exc": (_nb({"q1_answer": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"}), 0,
                       ["set_custom_exc"]),
        "excepthook": (_nb({"q1_answer": "import sys\nsys.excepthook = lambda *a: None"}), 0, ["touches sys.excepthook"]),
        "transformer": (_nb({"q1_answer": SWALLOW_TRANSFORMER}), 0, ["input_transformers_post", "swallowed"]),
        "run_cell": (_nb({"q1_answer": RUN_CELL}), 0, ["run_cell"]),
        "settrace": (_nb({"q1_answer": SKIP_TEST_LINES}), 0, ["sys.settrace"]),
        "fake_builtins": (_nb({"q1_answer": FAKE_BUILTINS}), 0, ["replaced __builtins__"]),
        "patched_helper": (_nb({"q1_answer": HARDCODED_Q1}), 0, ["patched course_lib.config.stack_table"]),
        "redefined_helper": (_nb(_all(q4_answer=SOLVED["q4_answer"] + "\nclass _C:\n    def __getattr__(self, k): return lambda *a, **k: True\nconfig = _C()")),
                             10, ["redefined test helper config"]),
        "deleted_tests": (_nb(_all(), edit=_drop_tests), 10, ["deleted test cell q1_tests"]),
        "duplicated_test": (_nb(_all(), edit=_dup_test), 10, ["duplicated cell q1_tests"]),
        "edited_locked": (_nb(edit=_edit_locked), 0, ["edited test cell q1_tests", "edited locked cell setup"]),
        "huge_output": (_nb(_all(q1_answer="print('x' * 30_000_000)\nfor i in range(20_000): print(i)\n" + SOLVED["q1_answer"])), 10, []),
        "writes_outside": (_nb(_all(q1_answer=SOLVED["q1_answer"] + "\nfrom pathlib import Path\n"
                                    f"for p in ['/tmp/course-escape-test', {str(subs / 'full' / '00_stack.ipynb')!r}, {str(REPO / 'escape.txt')!r}]:\n"
                                    "    try: Path(p).write_text('x')\n    except OSError: pass")), 10, []),
        "child_process": (_nb(_all(q1_answer=CHILD)), 10, ["process(es) running"]),
        "malformed_json": (b'{"cells": [', 0, ["not valid JSON"]),
        "not_a_notebook": (b"\x89PNG\r\n\x1a\n\x00\x00binary", 0, ["not a notebook"]),
        "json_not_notebook": (b'{"hello": "world"}', 0, ["not a notebook"]),
        "empty": (b"", 0, ["empty"]),
        "broken_cells": (b'{"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', 0, []),
    }
    expected = {}
    for student, (raw, total, reasons) in cases.items():
        (subs / student).mkdir(parents=True)
        (subs / student / "00_stack.ipynb").write_bytes(raw)
        expected[student] = (total, reasons)
    (subs / "no_file").mkdir(); (subs / "no_file" / "notes.txt").write_text("forgot")
    expected["no_file"] = (0, ["no 00_stack.ipynb"])
    (subs / "device").mkdir(); os.symlink("/dev/zero", subs / "device" / "00_stack.ipynb")
    expected["device"] = (0, ["not a regular file"])
    return expected


def _procs(pattern):
    import psutil
    return [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] and p.info["cmdline"][:2] == ["sleep", pattern]]


@pytest.mark.slow
def test_grade_a_hostile_class(tmp_path, home):
    subs, out = tmp_path / "subs", tmp_path / "out"
    expected = _class(subs)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}
    rc = grading.grade_main(["00_stack", str(subs), "--out", str(out), "--source", str(SOL), "--workers", "2",
                             "--cell-timeout", "10", "--timeout", "120", "--no-progress"])
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    got = {s: r["total"] for s, r in res["students"].items()}
    assert got == {s: t for s, (t, _) in expected.items()}
    for s, (_, reasons) in expected.items():
        r = res["students"][s]
        text = json.dumps(r)
        for frag in reasons: assert frag in text, (s, frag, r)
    # submissions untouched, hashes recorded, nothing escaped, nothing left running
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}
    assert after == before
    for s, r in res["students"].items():
        if s not in ("no_file", "device"): assert r["sha256"] == before[subs / s / "00_stack.ipynb"]
    assert not (REPO / "escape.txt").exists() and not Path("/tmp/course-escape-test").exists()
    if os.geteuid() == 0: assert "wrote 1 file(s) outside its folder (removed)" in res["students"]["writes_outside"]["flags"]
    assert not _procs("307") and not _procs("308")
    # forging attempts are flagged, the honest ones are not
    for s in ("full", "untouched", "partial_q1_q3"): assert res["students"][s]["flags"] == [], s
    assert "MemoryError" in res["students"]["memory_bomb"]["cells"]["q1_answer"]
    assert res["students"]["loop_then_crash"]["cells"]["q2_answer"].startswith("timed out")
    # reports: csv, feedback without hidden test code or paths, deterministic bytes
    csv = (out / "grades.csv").read_text().splitlines()
    assert csv[0] == "student,q1_tests,q2_tests,q3_tests,q4_tests,total,status"
    assert "full,2,3,2,3,10,graded" in csv and len(csv) == len(expected) + 1
    fb = (out / "feedback" / "partial_visible_only.md").read_text()
    assert "q1_tests" in fb and "hidden test" in fb and "time travel" not in fb
    assert (out / "feedback" / "partial_visible_only.html").read_text().startswith("<!DOCTYPE html>")
    for f in (out / "feedback").iterdir():
        t = f.read_text()
        assert str(tmp_path) not in t and "0x7f" not in t and "BEGIN HIDDEN" not in t
    first = {f.name: f.read_bytes() for f in out.rglob("*") if f.is_file()}
    grading.write_reports(res, tmp_path / "again")
    second = {f.name: f.read_bytes() for f in (tmp_path / "again").rglob("*") if f.is_file()}
    assert first == second
    assert not (out / ".work").exists()


@pytest.mark.slow
def test_grade_is_deterministic(tmp_path, home):
    subs = tmp_path / "subs"
    for s, ans in {"a": _all(), "b": {"q2_answer": SOLVED["q2_answer"]}, "c": _all(q3_answer="raise ValueError(str(object()))")}.items():
        (subs / s).mkdir(parents=True); (subs / s / "00_stack.ipynb").write_bytes(_nb(ans))
    runs = []
    for k in range(2):
        grading.grade("00_stack", subs, tmp_path / f"out{k}", source=SOL, workers=2, progress=False, cell_timeout=10)
        runs.append({f.relative_to(tmp_path / f"out{k}"): f.read_bytes() for f in (tmp_path / f"out{k}").rglob("*") if f.is_file()})
    assert runs[0] == runs[1]
    assert b"0x\xe2\x80\xa6" in runs[0][Path("feedback/c.md")]  # the address in the message was normalised


@pytest.mark.slow
def test_default_memory_limit_allows_heavy_imports(tmp_path, home):
    "The course's own heavy libraries, torch included, import under the default limits."
    subs = tmp_path / "subs"; (subs / "heavy").mkdir(parents=True)
    code = "import numpy, pandas, sklearn.linear_model, torch, mlflow\nassert torch.ones(3).sum().item() == 3\n"
    (subs / "heavy" / "00_stack.ipynb").write_bytes(_nb(_all(q1_answer=code + SOLVED["q1_answer"])))
    # also the plain start-up path (no pre-imported launcher)
    res = grading.grade("00_stack", subs, tmp_path / "out", source=SOL, workers=1, progress=False, fast_start=False)
    assert res["sandbox"]["limits"]["memory_mb"] == 4096
    row = res["students"]["heavy"]
    assert row["total"] == 10 and row["cells"]["q1_answer"] == "ok", row


@pytest.mark.slow
def test_grade_without_root(tmp_path, home, monkeypatch):
    "As an ordinary user (no uid to switch to), limits, process groups and daemon clean-up still hold."
    monkeypatch.setattr(grading.os, "geteuid", lambda: 1000)
    subs = tmp_path / "subs"
    cases = {"full": _nb(_all()), "daemon": _nb(_all(q1_answer=CHILD)), "os_exit": _nb(_all(q2_answer="import os\nos._exit(1)")),
             "bomb": _nb(_all(q3_answer="x = [0] * 10**10"))}
    for s, raw in cases.items():
        (subs / s).mkdir(parents=True); (subs / s / "00_stack.ipynb").write_bytes(raw)
    res = grading.grade("00_stack", subs, tmp_path / "out", source=SOL, workers=2, progress=False, cell_timeout=10)
    assert res["sandbox"]["user"] == "the grader's own user"
    assert {s: r["total"] for s, r in res["students"].items()} == {"full": 10, "daemon": 10, "os_exit": 7, "bomb": 8}
    assert "left 2 process(es) running (killed)" in res["students"]["daemon"]["flags"]
    assert not _procs("307") and not _procs("308")


def test_bad_input(tmp_path):
    with pytest.raises(grading.GradingError, match="does not exist"):
        grading.grade("00_stack", tmp_path / "nowhere", tmp_path / "out", source=SOL)
    (tmp_path / "subs").mkdir()
    with pytest.raises(grading.GradingError, match="inside the submissions"):
        grading.grade("00_stack", tmp_path / "subs", tmp_path / "subs" / "out", source=SOL)
    with pytest.raises(grading.GradingError, match="no source notebook"):
        grading.grade("99_none", tmp_path / "subs", tmp_path / "out", source=SOL)
    with pytest.raises(grading.GradingError, match="positive"):
        grading.grade("00_stack", tmp_path / "subs", tmp_path / "out", source=SOL, cell_timeout=-1)
    assert grading.grade_main(["00_stack", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"), "--source", str(SOL)]) == 2
    r = subprocess.run([sys.executable, "-m", "course_lib.grading", "grade", "00_stack", str(tmp_path / "nowhere"), "--out",
                        str(tmp_path / "o"), "--source", str(SOL)], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 2 and "does not exist" in r.stderr
