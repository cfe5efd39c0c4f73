"""Run the harnesses one after another against the sanitized build and summarise.

    python fuzz/campaign.py --minutes read=20 differential=10 scan=5 [--out DIR]

Each harness runs under fuzz/run_sanitized.sh with its own growing corpus (seeded by
fuzz/build_corpus.py) until its time is used up; when it stops on a finding, the input
is kept (``OUT/artifacts``) and the harness starts again for the time left. The summary
(``OUT/summary.json`` and printed) gives executions, coverage and findings per harness.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESSES = {"read": "fuzz_read.py", "scan": "fuzz_scan.py",
             "differential": "fuzz_differential.py"}
STATUS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)")
DONE = re.compile(r"^Done (\d+) runs in (\d+) second")


def run_harness(name, seconds, out, corpus_seed):
    """Fuzz one harness for ``seconds``; returns its statistics."""
    corpus = os.path.join(out, "corpus", name)
    artifacts = os.path.join(out, "artifacts")
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(artifacts, exist_ok=True)
    stats = {"harness": name, "seconds": 0, "executions": 0, "cov": 0, "ft": 0,
             "corpus": 0, "findings": [], "runs": 0}
    deadline = time.monotonic() + seconds
    while (left := int(deadline - time.monotonic())) > 10:
        before = set(os.listdir(artifacts))
        log_path = os.path.join(out, f"{name}-{stats['runs']}.log")
        command = [os.path.join(HERE, "run_sanitized.sh"), HARNESSES[name],
                   f"-max_total_time={left}", "-timeout=25", "-rss_limit_mb=3072",
                   "-print_final_stats=1", f"-artifact_prefix={artifacts}/{name}-",
                   corpus, corpus_seed]
        began = time.monotonic()
        with open(log_path, "w") as log:
            code = subprocess.call(["nice", "-n", "15"] + command, stdout=log,
                                   stderr=subprocess.STDOUT)
        stats["runs"] += 1
        stats["seconds"] += round(time.monotonic() - began)
        executions = 0
        with open(log_path, errors="replace") as log:
            for line in log:
                if match := STATUS.match(line):
                    executions = int(match[1])
                    stats["cov"], stats["ft"], stats["corpus"] = map(int, match.group(2, 3, 4))
                elif match := DONE.match(line):
                    executions = int(match[1])
        stats["executions"] += executions
        new = sorted(set(os.listdir(artifacts)) - before)
        stats["findings"] += [os.path.join(artifacts, n) for n in new]
        if code != 0 and not new:
            stats["findings"].append(f"exit {code} without an artifact: see {log_path}")
            break
    return stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", nargs="+", default=["read=20", "differential=10", "scan=5"],
                        help="harness=minutes pairs, run in this order")
    parser.add_argument("--out", default="/tmp/cydicom-campaign")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    seed = os.path.join(args.out, "seed")
    if not os.path.isdir(seed):
        subprocess.check_call([sys.executable, os.path.join(HERE, "build_corpus.py"), seed])
    summary = []
    for pair in args.minutes:
        name, minutes = pair.split("=")
        summary.append(run_harness(name, float(minutes) * 60, args.out, seed))
        with open(os.path.join(args.out, "summary.json"), "w") as handle:
            json.dump(summary, handle, indent=1)
        print(json.dumps(summary[-1]), flush=True)


if __name__ == "__main__":
    main()
