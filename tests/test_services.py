"""Real background servers through course_lib.services: start, find, reuse, stop, fail loudly."""
import json, os, signal, socket, subprocess, sys, textwrap, time
from pathlib import Path

import pytest

from course_lib import services
from course_lib.services import ServiceError

def _running(pid, wait=3.0):
    "True if `pid` is still a live process (a zombie nobody reaped counts as dead)."
    import psutil
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE: return False
        except psutil.NoSuchProcess:
            return False
        time.sleep(0.05)
    return True


HTTP = [sys.executable, "-m", "http.server", "{port}", "--bind", "{host}"]


def test_start_find_stop_http_server(home):
    srv = services.start_server("web", HTTP, health="/")
    try:
        assert srv.url.startswith("http://127.0.0.1:") and srv.is_healthy()
        assert os.getpgid(srv.pid) == srv.pid, "the server leads its own process group"
        rec = json.loads(srv.record.read_text())
        assert rec["pid"] == srv.pid and rec["cmdline"] == srv.cmdline and rec["create_time"] == srv.create_time
        found = services.find_server("web")
        assert found is not None and found.pid == srv.pid
        with pytest.raises(ServiceError, match="already runs"):
            services.start_server("web", HTTP)
        assert services.ensure_server("web", HTTP).pid == srv.pid
    finally:
        assert services.stop_server("web")
    assert not srv.is_alive() and services.find_server("web") is None and not srv.record.exists()


def test_stop_kills_the_whole_group(home):
    script = home / "parent.py"
    script.write_text(textwrap.dedent("""
        import subprocess, sys, http.server, functools
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        open(sys.argv[2], "w").write(str(child.pid))
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
    """))
    pidfile = home / "child.pid"
    srv = services.start_server("family", [sys.executable, str(script), "{port}", str(pidfile)])
    child = int(pidfile.read_text())
    os.kill(child, 0)
    assert srv.stop()
    assert not _running(child), "the server's child must die with its group"


def test_server_that_dies_at_start_quotes_its_log(home):
    with pytest.raises(ServiceError) as e:
        services.start_server("dies", [sys.executable, "-c", "import sys; print('bad backend path /nope'); sys.exit(4)"])
    assert "exited with code 4" in str(e.value) and "bad backend path /nope" in str(e.value)
    assert services.read_record("dies") is None


def test_server_that_never_gets_healthy_times_out_and_is_killed(home):
    code = "import time; print('still warming up', flush=True); time.sleep(600)"
    t0 = time.monotonic()
    with pytest.raises(ServiceError) as e:
        services.start_server("slow", [sys.executable, "-c", code], health="/health", timeout=2)
    assert "within 2 s" in str(e.value) and "still warming up" in str(e.value)
    assert time.monotonic() - t0 < 20
    assert services.read_record("slow") is None


def test_port_taken_by_a_stranger_is_not_mistaken_for_our_server(home):
    stranger = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = stranger.stdout.readline()
        port = int(line.split("port ")[1].split()[0])
        with pytest.raises(ServiceError) as e:
            services.start_server("clash", HTTP, port=port, timeout=20)
        assert "Address already in use" in str(e.value) or "exited" in str(e.value)
        assert stranger.poll() is None, "the stranger must not be touched"
    finally:
        stranger.kill(); stranger.wait()


def test_stale_record_never_signals_the_new_owner_of_the_pid(home):
    srv = services.start_server("web", HTTP)
    rec = json.loads(srv.record.read_text())
    assert srv.stop()
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        rec["pid"] = victim.pid  # the PID now belongs to someone else
        srv.record.write_text(json.dumps(rec))
        stale = services.read_record("web")
        assert not stale.is_alive()
        assert services.stop_server("web") is False
        assert victim.poll() is None, "a reused PID must never be signalled"
        assert services.find_server("web") is None and not srv.record.exists()
    finally:
        victim.kill(); victim.wait()


def test_another_process_finds_and_stops_it(home):
    srv = services.start_server("web", HTTP, keep=True)
    code = ("from course_lib import services; s = services.find_server('web'); "
            "print(s.pid if s else 'none'); print(services.stop_server('web'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert out.stdout.split() == [str(srv.pid), "True"], out.stderr
    assert not srv.is_alive()


def test_servers_started_by_a_process_stop_when_it_exits(home):
    code = ("from course_lib import services; import sys; s = services.start_server('web', "
            f"{HTTP!r}); print(s.pid, flush=True)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    pid = int(out.stdout.split()[0])
    assert not _running(pid)


def test_reap_stops_only_recent_servers(home):
    old = services.start_server("old", HTTP)
    since = time.time()
    new = services.start_server("new", HTTP)
    assert services.reap(since=since) == ["new"]
    assert old.is_alive() and not new.is_alive()
    assert services.reap() == ["old"]


def test_bad_names_are_refused(home):
    with pytest.raises(ServiceError, match="letters, digits"):
        services.start_server("../etc", HTTP)
    with pytest.raises(ServiceError, match="cannot start"):
        services.start_server("nothing", ["/nonexistent/binary"])
