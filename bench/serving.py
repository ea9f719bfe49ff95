"""Serving benchmark (DESIGN.md section 8): pages/s and p50/p95/p99 latency of the BentoML quality service.

Single-page unbatched calls, single-page calls through adaptive batching and 16-page calls at 1, 8
and 64 concurrent clients, next to in-process prediction (the ceiling). Every configuration is
measured in one run, interleaved, `--repeats` times; ratios to unbatched calls are taken within a
repeat at the highest client count and their median is reported. With `--compare-fast-http` the
same test runs a second time against a server that cannot use uvloop and httptools (asyncio + h11).

    PYTHONPATH=. python bench/serving.py                       # a temporary home, full profile
    PYTHONPATH=. python bench/serving.py --compare-fast-http --plot /tmp/serving.png
"""
import argparse, os, sys, tempfile, time


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", help="course home to use (default: a new temporary one)")
    ap.add_argument("--profile", default="full", help="profile for the champion (default: full)")
    ap.add_argument("--clients", default="1,8,64", help="concurrent clients, comma-separated")
    ap.add_argument("--requests", type=int, default=2000, help="calls per configuration (bounded by --max-seconds too)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=4.0, help="seconds per configuration")
    ap.add_argument("--processes", type=int, default=4, help="load-generator worker processes")
    ap.add_argument("--compare-fast-http", action="store_true", help="also measure without uvloop/httptools")
    ap.add_argument("--plot", help="write the figure to this PNG file")
    a = ap.parse_args(argv)

    from course_lib import config
    home = a.home or os.path.join(tempfile.mkdtemp(prefix="bench-serving-"), "home")
    config.activate(home, a.profile)
    from course_lib import serving
    import pandas as pd
    pd.set_option("display.width", 160)
    clients = [int(c) for c in a.clients.split(",")]
    t0 = time.perf_counter()
    model, version = __import__("course_lib.tracking", fromlist=["x"]).ensure_champion(a.profile)
    print(f"home {home}; champion v{version} ({model.kind}); ready in {time.perf_counter() - t0:.1f} s")
    try:
        import uvloop, httptools  # noqa: F401
        fast = f"uvloop {uvloop.__version__}, httptools {httptools.__version__}"
    except ImportError:
        fast = None
    variants = [("fast HTTP" if fast else "asyncio + h11", True)]
    if a.compare_fast_http:
        if not fast: sys.exit("--compare-fast-http needs uvloop and httptools installed")
        variants.append(("asyncio + h11", False))
    out = {}
    for label, fast_http in variants:
        srv = serving.ensure_service(f"bench-{'fast' if fast_http else 'plain'}", fast_http=fast_http, profile=a.profile)
        try:
            t = time.perf_counter()
            res = serving.load_test(srv.url, model, clients=clients, requests=a.requests, repeats=a.repeats,
                                    max_seconds=a.max_seconds, processes=a.processes)
            elapsed = time.perf_counter() - t
        finally:
            srv.stop()
        out[label] = res
        ratios, median = serving.speedups(res)
        table = res.groupby(["call", "clients"])[["pages_per_s", "p50_ms", "p95_ms", "p99_ms", "non_2xx"]].median()
        print(f"\n== server: {label}{' (' + fast + ')' if fast_http and fast else ''}; {a.repeats} repeats in {elapsed:.0f} s")
        print(table.round(1).to_string())
        print(f"ratios to unbatched at {max(clients)} clients, per repeat:\n{ratios.round(2).to_string()}")
        print("median: " + ", ".join(f"{k} {v:.2f}x" for k, v in median.items()))
        print(f"non-2xx answers in all: {int(res.non_2xx.sum())}")
        at = res[res.clients == max(clients)]
        budget = {"adaptive": 1.5, "16 pages": 6.0}
        for k, need in budget.items():
            print(f"budget {k} >= {need}x: {'met' if median.get(k, 0) >= need else 'NOT met'} ({median.get(k, float('nan')):.2f}x)")
        print(f"budget zero non-2xx: {'met' if res.non_2xx.sum() == 0 else 'NOT met'}")
    if len(out) == 2:
        f, p = (out[v[0]] for v in variants)
        fm = f[f.clients == max(clients)].groupby("call").pages_per_s.median()
        pm = p[p.clients == max(clients)].groupby("call").pages_per_s.median()
        print(f"\n== fast HTTP vs asyncio + h11 at {max(clients)} clients (median pages/s):")
        print(pd.DataFrame({"fast": fm, "plain": pm, "fast / plain": fm / pm}).round(2).to_string())
    if a.plot:
        fig = serving.plot_load(next(iter(out.values())), variants[0][0])
        fig.savefig(a.plot, dpi=100)
        print(f"figure: {a.plot}")


if __name__ == "__main__":
    main()
