"""A short atheris run of each fuzz harness (about a minute in all), from the seed corpus.

The harnesses run against the build under test (no sanitizers: those are for the long
runs, fuzz/README.md). Any finding (crash-*, timeout-*, oom-*, slow-unit-* artifact or a
non-zero exit) fails the test and shows the harness's traceback and libFuzzer's output.
Each run has a fixed seed and a fixed number of inputs, so a failure here replays the same
way on any machine; the open-ended search is the campaign's job (fuzz/campaign.py).
"""
import os
import subprocess
import sys

import pytest

from hostile import FUZZ_DIR

pytest.importorskip("atheris")
sys.path.insert(0, FUZZ_DIR)
from build_corpus import write_corpus  # noqa: E402

# Inputs per harness: about 20 s each on the reference machine.
RUNS = {"fuzz_read.py": 8_000, "fuzz_differential.py": 20_000, "fuzz_scan.py": 15_000}
SEED = 20261207


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed")
    assert write_corpus(str(folder), max_size=16 << 10) > 10
    return str(folder)


@pytest.mark.parametrize("harness", sorted(RUNS))
def test_harness_runs_without_findings(harness, seed_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    command = [sys.executable, os.path.join(FUZZ_DIR, harness), f"-runs={RUNS[harness]}",
               f"-seed={SEED}", "-timeout=20", "-rss_limit_mb=2048", "-print_final_stats=1",
               f"-artifact_prefix={tmp_path}/", str(corpus), seed_corpus]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    output = done.stdout + done.stderr
    findings = [name for name in os.listdir(tmp_path) if name != "corpus"]
    # atheris prints an uncaught exception's traceback on stdout, libFuzzer on stderr
    assert done.returncode == 0 and not findings, (
        f"{harness}: exit {done.returncode}, findings {findings}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-2500:]}")
    executed = [line for line in output.splitlines()
                if line.startswith("stat::number_of_executed_units")]
    assert executed and int(executed[0].split(":")[-1]) > 100, output[-2000:]
