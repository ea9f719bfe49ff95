"""Serving benchmark (DESIGN.md section 8): pages/s and p50/p95/p99 latency of the BentoML quality service.

Single-page unbatched calls, single-page calls through adaptive batching and 16-page calls at 1, 8
and 64 concurrent clients, next to in-process prediction (the ceiling). Every configuration is
measured in one run, interleaved, `--repeats` times; ratios to unbatched calls are taken within a
repeat at the highest client count and their median is reported. With `--compare-fast-http` the
same test also runs against a server that cannot use uvloop and httptools (asyncio + h11), and with
`--compare-access-log` against one that writes an access-log line per request; the servers are
interleaved within each repeat, so a busy moment of the machine hits them alike.

    PYTHONPATH=. python bench/serving.py                       # a temporary home, full profile
    PYTHONPATH=. python bench/serving.py --compare-fast-http --compare-access-log --plot /tmp/serving.png
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
    ap.add_argument("--compare-fast-http", action="store_true", help="also measure a server without uvloop/httptools")
    ap.add_argument("--compare-access-log", action="store_true", help="also measure a server that logs every request")
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
    # (label, fast_http, access_log); the first is the course's default server
    variants = [(f"{'fast HTTP' if fast else 'asyncio + h11'}, no access log", True, False)]
    if a.compare_fast_http:
        if not fast: sys.exit("--compare-fast-http needs uvloop and httptools installed")
        variants.append(("asyncio + h11, no access log", False, False))
    if a.compare_access_log:
        variants.append((f"{'fast HTTP' if fast else 'asyncio + h11'}, access log", True, True))
    print(f"fast HTTP modules: {fast or 'not installed'}; load average {os.getloadavg()[0]:.1f} at start")
    servers = {}
    try:
        for i, (label, fast_http, log) in enumerate(variants):  # all started first; an idle server costs no CPU
            servers[label] = serving.ensure_service(f"bench-{i}", fast_http=fast_http, access_log=log, profile=a.profile)
        parts = {label: [] for label, *_ in variants}
        t = time.perf_counter()
        with serving.LoadGenerator(a.processes) as gen:
            for r in range(a.repeats):  # variants interleaved within each repeat, like the configurations
                for label, *_ in variants:
                    res = serving.load_test(servers[label].url, model, clients=clients, requests=a.requests, repeats=1,
                                            max_seconds=a.max_seconds, generator=gen, server_pid=servers[label].pid)
                    parts[label].append(res.assign(repeat=r))
                print(f"repeat {r + 1}/{a.repeats} done after {time.perf_counter() - t:.0f} s "
                      f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        for srv in servers.values(): srv.stop()
    out = {label: pd.concat(p, ignore_index=True) for label, p in parts.items()}
    for label, res in out.items():
        ratios, median = serving.speedups(res)
        table = res.groupby(["call", "clients"])[["pages_per_s", "p50_ms", "p95_ms", "p99_ms", "cpu_ms_per_page", "non_2xx"]].median()
        print(f"\n== server: {label}; medians of {a.repeats} repeats")
        print(table.round(1).to_string())
        print(f"ratios to unbatched at {max(clients)} clients, per repeat:\n{ratios.round(2).to_string()}")
        print("median: " + ", ".join(f"{k} {v:.2f}x" for k, v in median.items()))
        budget = {"adaptive": 1.5, "16 pages": 6.0}
        for k, need in budget.items():
            print(f"budget {k} >= {need}x unbatched at {max(clients)} clients: "
                  f"{'met' if median.get(k, 0) >= need else 'NOT met'} ({median.get(k, float('nan')):.2f}x)")
        print(f"budget zero non-2xx: {'met' if res.non_2xx.sum() == 0 else 'NOT met'} ({int(res.non_2xx.sum())} in all)")
        bad = res[res.non_2xx > 0]
        if len(bad): print("answers other than 2xx (status:count):\n" + bad[["repeat", "call", "clients", "p95_ms", "statuses"]].to_string(index=False))
    if len(out) > 1:
        base = variants[0][0]
        print(f"\n== at {max(clients)} clients, each server against {base!r}:")
        for col, what in (("pages_per_s", "median pages/s"), ("cpu_ms_per_page", "median server CPU ms per page")):
            med = {label: res[res.clients == max(clients)].groupby("call")[col].median() for label, res in out.items()}
            table = pd.DataFrame(med)
            for label in list(out)[1:]: table[f"{label} / {base}"] = table[label] / table[base]
            print(f"{what}:\n{table.round(2).to_string()}")
    if a.plot:
        fig = serving.plot_load(out[variants[0][0]], variants[0][0])
        fig.savefig(a.plot, dpi=100)
        print(f"figure: {a.plot}")


if __name__ == "__main__":
    main()
