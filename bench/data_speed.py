"""Chapter 01 speed: page generation, quality signals + annotation on one core, and datatrove's four
quality filters in a row on the same pages, in the same run. Prints measured figures and ratios.

    python bench/data_speed.py [--pages 2000] [--datatrove-pages 300]
Budgets (DESIGN.md section 8): generation >= 3,000 pages/s; signals + annotation >= 500 pages/s on one
core and >= 5x datatrove's four filters (GopherRepetition, GopherQuality, C4Quality, FineWebQuality)."""
import argparse, os, sys, time
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"): os.environ[v] = "1"
if hasattr(os, "sched_setaffinity"): os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core


def rate(n, fn):
    "Pages per second of fn() over n pages (wall clock), and the result."
    t = time.perf_counter(); out = fn(); return n / (time.perf_counter() - t), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--datatrove-pages", type=int, default=300)
    a = ap.parse_args()
    from course_lib import data as D
    docs = D.load_sources()
    D.build_crawl(50, docs=docs, langid=False)  # warm caches (tokenizer rules, language model)
    gen, _ = rate(a.pages, lambda: D.build_crawl(a.pages, seed=11, docs=docs, langid=False))
    gen_lid, crawl = rate(a.pages, lambda: D.build_crawl(a.pages, seed=11, docs=docs))
    D.annotate(crawl.head(50))
    ann, scored = rate(a.pages, lambda: D.annotate(crawl))
    sig, _ = rate(a.pages, lambda: [D.quality_signals(t) for t in crawl.text])
    print(f"page generation              {gen:8.0f} pages/s   (budget 3,000)")
    print(f"page generation + language ID{gen_lid:8.0f} pages/s")
    print(f"quality signals only         {sig:8.0f} pages/s")
    print(f"signals + annotation, 1 core {ann:8.0f} pages/s   (budget 500)")
    if not D.datatrove_available():
        print("datatrove is not installed (pip install 'course-lib[reference]'): no comparison"); return
    from datatrove.data import Document
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    import logging; logging.getLogger("datatrove").setLevel(logging.ERROR)
    filters = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(), FineWebQualityFilter()]
    texts = crawl.text.tolist()[:a.datatrove_pages]
    filters[0].filter(Document(text=texts[0], id="warm")); filters[1].filter(Document(text=texts[0], id="warm"))

    def in_a_row():
        for i, t in enumerate(texts):
            doc = Document(text=t, id=str(i))
            for f in filters:
                r = f.filter(doc)
                if not (r is True or (isinstance(r, tuple) and r[0])): break

    dt, _ = rate(len(texts), in_a_row)
    ours, _ = rate(len(texts), lambda: D.annotate(crawl.head(len(texts))))
    print(f"datatrove's 4 filters in a row {dt:6.0f} pages/s   (same pages, {len(texts)} of them)")
    print(f"ours on the same pages         {ours:6.0f} pages/s")
    print(f"ratio ours / datatrove         {ours / dt:6.1f}x    (budget 5x)")


if __name__ == "__main__":
    sys.exit(main())
