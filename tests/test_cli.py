"""The `course` command, run as a real process against temporary homes."""
import json, os, subprocess, sys, textwrap
from pathlib import Path

import nbformat
import pytest

from course_lib import cli, config, services

REPO = Path(__file__).resolve().parent.parent


def course(*args, env=None, input=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "course_lib.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, input=input, cwd=cwd or REPO, timeout=600)


def _nb(folder, name, *cells):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("profile = None", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells]
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


def test_help_lists_every_command():
    out = course("--help")
    assert out.returncode == 0
    for c in ("run", "reset", "doctor", "lab", "services", "assign", "grade", "stage"):
        assert c in out.stdout


@pytest.mark.slow
def test_run_only_00_in_a_fresh_home(home):
    out = course("run", "--only", "00", "--profile", "smoke")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "00_stack" in out.stdout and "ok" in out.stdout
    summary = json.loads(next(config.paths(home).runs.glob("*/summary.json")).read_text())
    assert summary["ok"] and summary["profile"] == "smoke" and summary["home"] == str(home)
    [r] = summary["notebooks"]
    assert r["notebook"] == "00_stack" and r["status"] == "ok" and Path(r["output"]).is_relative_to(home)
    executed = nbformat.read(r["output"], as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    assert 'profile = "smoke"' in next(c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))


@pytest.mark.slow
def test_run_reports_failing_cell_reaps_servers_and_goes_on(home, tmp_path):
    nbs = tmp_path / "nbs"
    _nb(nbs, "00_leaves_server", f"""
        import sys
        from course_lib import services
        srv = services.start_server("left", [sys.executable, "-m", "http.server", "{{port}}", "--bind", "{{host}}"], keep=True)
        open({str(tmp_path / 'pid')!r}, "w").write(str(srv.pid))
    """)
    _nb(nbs, "01_breaks", "x = 1", "raise ValueError('the crawl is empty')", "y = 2")
    _nb(nbs, "02_fine", "z = 3")
    out = course("run", "--nbs", str(nbs))
    assert out.returncode == 1
    assert "01_breaks: cell 2" in out.stderr and "ValueError: the crawl is empty" in out.stderr
    assert "stopped servers it left running: left" in out.stdout
    pid = int((tmp_path / "pid").read_text())
    assert services.read_record("left") is None
    import psutil
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    summary = json.loads(next(config.paths(home).runs.glob("*/summary.json")).read_text())
    assert [r["status"] for r in summary["notebooks"]] == ["ok", "failed", "ok"] and not summary["ok"]


def test_run_unknown_chapter_says_what_exists(home):
    out = course("run", "--only", "99")
    assert out.returncode == 2 and "no chapter '99'" in out.stderr and "00_stack" in out.stderr


def test_bad_profile_is_a_clear_error(home):
    out = course("run", "--only", "00", "--profile", "huge")
    assert out.returncode == 2 and "unknown profile 'huge'" in out.stderr


def test_reset(tmp_path):
    plain = tmp_path / "docs"; plain.mkdir(); (plain / "a.txt").write_text("keep")
    out = course("reset", "--yes", "--home", str(plain))
    assert out.returncode == 2 and "not a course home" in out.stderr and (plain / "a.txt").exists()
    h = config.ensure_home(tmp_path / "h")
    out = course("reset", "--home", str(h), input="")
    assert out.returncode == 2 and "--yes" in out.stderr and h.exists()
    srv = services.start_server("web", [sys.executable, "-m", "http.server", "{port}", "--bind", "{host}"], home=h, keep=True)
    out = course("reset", "--yes", "--home", str(h))
    assert out.returncode == 0 and not h.exists() and not srv.is_alive()


def test_doctor_reports_and_passes_here(home):
    out = course("doctor")
    assert out.returncode == 0, out.stdout
    for item in ("python", "mlflow", "torch", "jupyter kernel python3", "git", "course home"):
        assert item in out.stdout


def test_services_lists_and_stops(home):
    srv = services.start_server("web", [sys.executable, "-m", "http.server", "{port}", "--bind", "{host}"], keep=True)
    out = course("services")
    assert "web" in out.stdout and "running" in out.stdout and str(srv.pid) in out.stdout
    out = course("services", "stop", "nope")
    assert out.returncode == 2 and "no recorded server called nope" in out.stderr
    out = course("services", "stop", "web")
    assert out.returncode == 0 and "web: stopped" in out.stdout and not srv.is_alive()


@pytest.mark.slow
def test_lab_starts_real_jupyterlab(home):
    out = course("lab", "--check")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "http://127.0.0.1:" in out.stdout and "checked and stopped" in out.stdout
    assert services.read_record("jupyterlab") is None


def test_unavailable_chapter_command_is_explained(monkeypatch, capsys):
    monkeypatch.setitem(cli.PLUGINS, "ghost", ("course_lib.no_such_module:main", "nothing"))
    assert cli.main(["ghost"]) == 2
    assert "`course ghost` is not available" in capsys.readouterr().err
