"""Chapter 05: the BentoML service, its validation, the load generator, the bento and the manifests.

One real server per test session: the *built bento*, served through course_lib.services, so every
HTTP test also checks that the package answers like the in-process model."""
import json, subprocess, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import yaml

from course_lib import config


@pytest.fixture(scope="session")
def served(session_home):
    "The registry champion, built into a bento and served once for the whole session."
    from course_lib import serving
    from course_lib.tracking import ensure_champion
    model, version = ensure_champion()
    tag = serving.ensure_bento()
    srv = serving.ensure_service("bento-test", target=tag)
    yield SimpleNamespace(url=srv.url, model=model, version=str(version), tag=tag, srv=srv)
    srv.stop()


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as r: return r.status, r.read().decode()


# --- light imports -------------------------------------------------------------------------

@pytest.mark.parametrize("module, banned", [
    ("course_lib.serving", ["torch", "sklearn", "mlflow", "bentoml", "pandas"]),
    ("course_lib.bento_service", ["torch", "sklearn", "mlflow", "pandas", "course_lib.model",
                                 "course_lib.serving", "course_lib.tracking", "course_lib.data"]),
])
def test_module_weight(module, banned):
    code = f"import sys, {module}; print([m for m in {banned!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{module} imports {out.strip()} at module level"


# --- validation, without a server -----------------------------------------------------------

def test_validators():
    from course_lib import bento_service as bs
    s = config.load_settings()["serving"]
    assert bs.check_page("a page") == "a page"
    for bad, word in [("", "empty"), ("\n \t", "empty"), (3, "string"), (None, "string"), (["a"], "string"),
                      ("x" * (s["max_page_chars"] + 1), "max_page_chars")]:
        with pytest.raises(ValueError, match=word): bs.check_page(bad)
    assert bs.check_page("x" * 10, max_chars=10)
    with pytest.raises(ValueError, match="empty"): bs.check_pages([])
    with pytest.raises(ValueError, match="max_pages_per_call"): bs.check_pages(["a"] * (s["max_pages_per_call"] + 1))
    assert bs.check_pages(["a", "b"], max_pages=2) == ["a", "b"]


def test_model_tag():
    from course_lib import serving
    assert serving.model_tag(3).endswith(":v3")
    for bad in ("", "a b", "1/2", None):
        with pytest.raises(serving.ServingError, match="tag"): serving.model_tag(bad)


# --- the real server -------------------------------------------------------------------------

@pytest.mark.slow
def test_good_requests_match_in_process(served):
    from course_lib import serving
    pages = serving.example_pages(12, seed=5)
    expected = served.model.predict(pages)
    st, one = serving.post_json(served.url, "/score", {"text": pages[0]})
    assert st == 200 and set(one) == {"score", "keep", "version"}
    assert one["score"] == pytest.approx(expected[0]) and one["version"] == served.version
    for path in ("/score_pages", "/score_batched"):
        st, many = serving.post_json(served.url, path, {"pages": pages})
        assert st == 200 and [a["score"] for a in many] == pytest.approx(list(expected))
        assert all(a["keep"] == (a["score"] >= 3) and a["version"] == served.version for a in many)


@pytest.mark.slow
def test_clients(served):
    import asyncio, bentoml
    from course_lib import serving
    pages = serving.example_pages(4, seed=6)
    with bentoml.SyncHTTPClient(served.url) as c:
        assert c.score(text=pages[0])["version"] == served.version
        assert len(c.score_pages(pages=pages)) == 4
    async def go():
        async with bentoml.AsyncHTTPClient(served.url) as c:
            return await asyncio.gather(*[c.score_batched(pages=[p]) for p in pages])
    out = asyncio.run(go())
    assert [o[0]["score"] for o in out] == pytest.approx(list(served.model.predict(pages)))


@pytest.mark.slow
@pytest.mark.parametrize("case", __import__("course_lib.serving", fromlist=["BAD_REQUESTS"]).BAD_REQUESTS,
                         ids=lambda c: c[0].replace(" ", "-"))
def test_bad_requests(served, case):
    from course_lib import serving
    what, path, body, word = case
    st, answer = serving.post_json(served.url, path, serving.bad_request_body(body))
    assert st == 400, (what, st, answer)
    assert word.lower() in serving.error_message(answer).lower(), (what, answer)
    assert serving.post_json(served.url, "/score", {"text": "still up?"})[0] == 200


@pytest.mark.slow
def test_check_bad_requests_and_no_500(served):
    from course_lib import serving
    rows = serving.check_bad_requests(served.url)
    assert len(rows) == len(serving.BAD_REQUESTS) and all(r[2] == 400 for r in rows)
    # a few more odd bodies: wrong content, huge list of bad items, nested junk
    for path, body in [("/score", b""), ("/score", b"\xff\xfe"), ("/score_pages", {"pages": [[1, 2]]}),
                       ("/score_batched", {"pages": None}), ("/score_pages", {"pages": [None] * 1000})]:
        st, answer = serving.post_json(served.url, path, body)
        assert 400 <= st < 500, (path, body, st, answer)
    assert serving.request_count(serving.read_metrics(served.url), status=500) == 0


@pytest.mark.slow
def test_concurrent_calls(served):
    from course_lib import serving
    pages = serving.example_pages(48, seed=7)
    expected = list(served.model.predict(pages))
    calls = [("/score", {"text": p}) if i % 2 else ("/score_batched", {"pages": [p]}) for i, p in enumerate(pages)]
    with ThreadPoolExecutor(16) as ex:
        answers = list(ex.map(lambda c: serving.post_json(served.url, *c), calls))
    assert all(st == 200 for st, _ in answers)
    got = [(a if isinstance(a, dict) else a[0])["score"] for _, a in answers]
    assert got == pytest.approx(expected)


@pytest.mark.slow
def test_health_and_openapi(served):
    for path in ("/livez", "/readyz", "/healthz"):
        assert _get(served.url + path)[0] == 200
    st, text = _get(served.url + "/docs.json")
    spec = json.loads(text)
    assert {"/score", "/score_pages", "/score_batched"} <= set(spec["paths"])


@pytest.mark.slow
def test_metrics_count_requests(served):
    from course_lib import serving
    st, text = _get(served.url + "/metrics")
    assert st == 200 and "# TYPE bentoml_service_request_total counter" in text
    m0 = serving.read_metrics(served.url)
    ok0, bad0 = serving.request_count(m0, "/score", 200), serving.request_count(m0, "/score", 400)
    for _ in range(3): serving.post_json(served.url, "/score", {"text": "count me"})
    for _ in range(2): serving.post_json(served.url, "/score", {"text": ""})
    m1 = serving.read_metrics(served.url)
    assert serving.request_count(m1, "/score", 200) == ok0 + 3
    assert serving.request_count(m1, "/score", 400) == bad0 + 2


@pytest.mark.slow
def test_load_test_small(served):
    from course_lib import serving
    res = serving.load_test(served.url, served.model, clients=(1, 4), requests=16, repeats=2, max_seconds=2, processes=2,
                            server_pid=served.srv.pid)
    served_rows = res[~res.call.str.startswith("in-process")]
    assert len(served_rows) == 2 * 2 * len(serving.CALLS) and (res.non_2xx == 0).all()
    assert (served_rows.calls == 16).all() and (served_rows.statuses == "200:16").all()  # bounded in count
    assert (res.cpu_ms_per_page > 0).all()  # the server's CPU per page, and this thread's in-process
    ratios, median = serving.speedups(res)
    assert len(ratios) == 2 and set(median.index) == {"adaptive", "16 pages"}
    fig = serving.plot_load(res)
    assert len(fig.axes) == 2


def test_load_generator_counts_errors():
    "Connection failures are counted as non-2xx (status 0), not dropped."
    from course_lib import serving, services
    port = services.free_port()  # nothing listens there
    with serving.LoadGenerator(1) as gen:
        res = gen.run(f"http://127.0.0.1:{port}", "/score", [{"text": "x"}], clients=2, requests=6, max_seconds=5)
    s = serving.summarize(res["latencies"], res["seconds"], 1, res["codes"])
    assert res["codes"] == {0: 6} and s["non_2xx"] == 6 and s["pages_per_s"] == 0
    with pytest.raises(serving.ServingError): serving.LoadGenerator(0)
    import os
    assert serving.process_cpu_seconds(os.getpid()) > 0
    with pytest.raises(serving.ServingError, match="no process"): serving.process_cpu_seconds(2**22 + 12345)


def test_summarize_and_in_process():
    from course_lib import serving
    s = serving.summarize([0.001, 0.002, 0.003, 0.004], 1.0, 16, {200: 3, 503: 1})
    assert s["pages_per_s"] == 48 and s["non_2xx"] == 1 and s["p50_ms"] <= s["p95_ms"] <= s["p99_ms"]
    assert s["statuses"] == "200:3 503:1"
    assert serving.summarize([0.001], 1.0, 16, {200: 1}, cpu_seconds=0.016)["cpu_ms_per_page"] == pytest.approx(1.0)
    class Echo:
        def predict(self, texts): return [1.0] * len(texts)
    r = serving.in_process_load(Echo(), ["a", "b"], batch=4, max_seconds=5, max_calls=10)
    assert r["calls"] == 10 and r["pages_per_s"] > 0
    with pytest.raises(serving.ServingError): serving.in_process_load(Echo(), [], batch=1)


# --- the bento ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_bento_is_built_from_a_generated_context(served):
    import bentoml
    from pathlib import Path
    from course_lib import serving
    bento = bentoml.get(served.tag)
    home = config.paths()
    assert Path(bento.path).is_relative_to(home.bentoml)
    src = sorted(str(p.relative_to(Path(bento.path) / "src")) for p in (Path(bento.path) / "src").rglob("*") if p.is_file())
    assert src == sorted([*serving.BUILD_INCLUDE, "bentofile.yaml"])
    spec = yaml.safe_load((home.cache / "bento-build" / "bentofile.yaml").read_text())
    assert spec["python"]["lock_packages"] is False and spec["service"] == serving.SERVICE_TARGET
    assert spec["models"] == [bento.info.labels["model"]]
    assert serving.ensure_bento() == served.tag  # reused, not rebuilt
    assert serving.containerize_command(served.tag)[3:5] == ["containerize", served.tag]
    assert "FROM" in serving.containerfile(served.tag).read_text()


def test_write_build_context_is_atomic_and_checked(home, tmp_path):
    from course_lib import serving
    ctx = serving.write_build_context("fineweb-quality:v9", dest=tmp_path / "ctx")
    assert (ctx / "bentofile.yaml").is_file() and (ctx / "course_lib" / "bento_service.py").is_file()
    assert not list(tmp_path.glob(".bento-build-*"))
    with pytest.raises(serving.ServingError, match="bentofile"): serving.build_bento(tmp_path)


# --- other serving systems ------------------------------------------------------------------------

def test_kserve_manifest(tmp_path):
    from course_lib import serving
    f = serving.write_yaml(serving.kserve_manifest("img:1"), tmp_path / "isvc.yaml")
    doc = yaml.safe_load(f.read_text())
    assert doc["apiVersion"] == "serving.kserve.io/v1beta1" and doc["kind"] == "InferenceService"
    c = doc["spec"]["predictor"]["containers"][0]
    assert c["image"] == "img:1" and c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for kw in ({"name": "Bad_Name"}, {"min_replicas": 5, "max_replicas": 2}):
        with pytest.raises(serving.ServingError): serving.kserve_manifest("img:1", **kw)


def test_triton_repository_and_pbtxt(home, tmp_path):
    from course_lib import serving
    class Saver:
        def save(self, path):
            path.mkdir(parents=True); (path / "w.bin").write_bytes(b"x")
    mdir = serving.write_triton_repository(Saver(), tmp_path / "repo")
    cfg = serving.parse_pbtxt((mdir / "config.pbtxt").read_text())
    s = config.load_settings()["serving"]
    assert cfg["backend"] == "python" and cfg["max_batch_size"] == s["max_batch_size"]
    assert cfg["input"][0] == {"name": "TEXT", "data_type": "TYPE_STRING", "dims": [1]}
    assert [o["name"] for o in cfg["output"]] == ["SCORE", "KEEP"]
    assert (mdir / "1" / "model.py").is_file() and (mdir / "1" / "model" / "w.bin").is_file()
    compile((mdir / "1" / "model.py").read_text(), "model.py", "exec")
    assert serving.parse_pbtxt('# c\nx: 1.5 y: "a\\"b" z { k: true } z { k: false } e: KIND_CPU') == \
        {"x": 1.5, "y": 'a"b', "z": [{"k": True}, {"k": False}], "e": "KIND_CPU"}
    for bad in ("x { y: 1", "{ }", "x:"):
        with pytest.raises(ValueError, match="pbtxt"): serving.parse_pbtxt(bad)
    with pytest.raises(serving.ServingError): serving.write_triton_repository(Saver(), tmp_path / "r2", version=0)
