"""Mutation score of one pure rule module against the unit tests of its topic (mutmut 3.x).

Run by hand, never in CI (bench/README.md "Mutation scores"):

    .venv/bin/pip install mutmut          # into the venv only: not a project dependency
    .venv/bin/python bench/mutation.py sla
    .venv/bin/python bench/mutation.py rules --tests tests/test_rules.py   # another test set
    .venv/bin/python bench/mutation.py rules --score-only   # count the last run again

mutmut works in a copy of the project under bench/out/mutmut/<module>/ (git ignores
bench/out/), with one worker (``--max-children 1``: the machine is shared). The
mutants listed in bench/equivalent_mutants.txt are left out of the denominator;
every surviving mutant's diff is written to bench/out/mutmut/<module>/survivors.diff.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
EQUIVALENT = ROOT / "bench" / "equivalent_mutants.txt"
KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}

# Each module's own topic: the unit test files that state its rules.
TOPIC_TESTS: dict[str, tuple[str, ...]] = {
    "sla": ("tests/test_sla_deadlines.py", "tests/test_sla_business_hours.py", "tests/test_sla_states.py",
            "tests/test_queue.py", "tests/test_held_totals.py", "tests/test_calendar.py", "tests/test_calendar_setting.py"),
    # working time, split out of sla.py: the same topic, the same tests
    "working_hours": ("tests/test_sla_deadlines.py", "tests/test_sla_business_hours.py", "tests/test_sla_states.py",
                      "tests/test_queue.py", "tests/test_held_totals.py", "tests/test_calendar.py",
                      "tests/test_calendar_setting.py"),
    "lifecycle": ("tests/test_rules.py",),
    "calendar": ("tests/test_calendar.py", "tests/test_calendar_setting.py"),
    "countdown": ("tests/test_countdown.py",),
    "derive": ("tests/test_derive.py", "tests/test_held_totals.py"),
    "sampling": ("tests/test_sampling.py",),
    "scoring": ("tests/test_scoring.py",),
    "improve": ("tests/test_improve.py",),
    "stated": ("tests/test_stated.py",),
    # a clock explained (store/rules/explain.py): its own tests, the property test against sla.py among them
    "rules/explain": ("tests/test_explain.py",),
    # the queue at a past moment (store/rules/past.py): its rules one by one; the replay from
    # scratch (tests/test_past_queue.py) takes half a minute a run, too long for each mutant
    "rules/past": ("tests/test_past_rules.py",),
}


def source_of(module: str) -> str:
    """The module's path under store/ without ".py": the rule modules moved into
    store/rules/, so a topic named by its bare name ("sla") is store/rules/sla.py
    (its mutants are named store.rules.sla.…)."""
    if not (ROOT / "store" / f"{module}.py").exists() and (ROOT / "store" / "rules" / f"{module}.py").exists():
        return f"rules/{module}"
    return module


def equivalent_names(module: str) -> dict[str, str]:
    """Mutant name -> why it is equivalent, for this module."""
    out: dict[str, str] = {}
    if not EQUIVALENT.exists():
        return out
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        name, _sep, why = line.partition("#")
        name = name.strip()
        # "rules/explain" names its mutants store.rules.explain.…
        if name.startswith(f"store.{module.replace('/', '.')}."):
            out[name] = why.strip()
    return out


def prepare(work: Path, module: str, tests: tuple[str, ...]) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", ".hypothesis")
    shutil.copytree(ROOT / "store", work / "store", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__", "__snapshots__"))
    for name in ("setup.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, work / name)
    lines = [
        "[mutmut]",
        "source_paths = store",
        f"only_mutate = store/{module}.py",
        "also_copy = setup.py",
        # One process (the machine is shared); pyproject's addopts asks for xdist.
        "pytest_add_cli_args = -n 0",
        "pytest_add_cli_args_test_selection =",
        *(f"    {t}" for t in tests),
        "use_git_change_detection = false",
        # A mutant that loops is stopped after 5 × its tests' CPU time (mutmut's default 15 lets
        # one hypothesis-heavy mutant run for a quarter of an hour).
        "timeout_multiplier = 5",
    ]
    (work / "setup.cfg").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(module: str, tests: tuple[str, ...], score_only: bool = False) -> int:
    missing = [t for t in tests if not (ROOT / t).exists()]
    if missing:
        print(f"mutation: no such test file: {', '.join(missing)}", file=sys.stderr)
        return 2
    mutmut = VENV_BIN / "mutmut"
    if not mutmut.exists():
        print("mutation: mutmut is not installed in this venv (.venv/bin/pip install mutmut)", file=sys.stderr)
        return 2
    work = ROOT / "bench" / "out" / "mutmut" / module
    if not score_only:
        prepare(work, module, tests)
        log = work / "mutmut.log"
        print(f"mutmut run --max-children 1 in {work} (output in {log.name}) ...", flush=True)
        with log.open("w", encoding="utf-8") as out:
            subprocess.run([str(mutmut), "run", "--max-children", "1"], cwd=work, stdout=out, stderr=subprocess.STDOUT,
                           check=False)
    meta = json.loads((work / "mutants" / "store" / f"{module}.py.meta").read_text(encoding="utf-8"))
    codes: dict[str, int | None] = meta["exit_code_by_key"]
    equivalent = equivalent_names(module)
    stale = sorted(set(equivalent) - set(codes))
    # mutmut's exit codes (mutmut/stats.py): a failed test kills; a mutant that makes
    # the tests run out of CPU time is caught too (counted as killed, shown apart).
    timed_out = [n for n, c in codes.items() if c in TIMEOUT]
    killed = [n for n, c in codes.items() if c in KILLED or c in TIMEOUT]
    survived = [n for n in codes if n not in killed and n not in equivalent]
    excluded = [n for n in equivalent if n in codes and n not in killed]
    caught_anyway = [n for n in equivalent if n in killed]
    with (work / "survivors.diff").open("w", encoding="utf-8") as out:
        for name in sorted(survived, key=_natural):
            diff = subprocess.run([str(mutmut), "show", name], cwd=work, capture_output=True, text=True).stdout
            out.write(f"# {name} (exit code {codes[name]})\n{diff}\n")
    counted = len(codes) - len(excluded)
    score = 100.0 * len(killed) / counted if counted else 100.0
    print(f"store/{module}.py with {' '.join(tests)}")
    print(f"mutants {len(codes)}, killed {len(killed)} ({len(timed_out)} by timeout), survived {len(survived)}, "
          f"equivalent excluded {len(excluded)}: score {score:.1f} %")
    if survived:
        print(f"survivors: {work / 'survivors.diff'}")
    for name in stale:
        print(f"warning: {name} is listed as equivalent but no such mutant exists (the code moved?)")
    for name in caught_anyway:
        print(f"warning: {name} is listed as equivalent but a test kills it")
    return 0


def _natural(name: str) -> tuple[str, int]:
    m = re.match(r"(.*?)(\d+)$", name)
    return (m[1], int(m[2])) if m else (name, 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(TOPIC_TESTS))
    parser.add_argument("--tests", nargs="+", help="test files instead of the module's topic")
    parser.add_argument("--score-only", action="store_true",
                        help="count the last run again (after editing bench/equivalent_mutants.txt), without running mutmut")
    args = parser.parse_args()
    return run(source_of(args.module), tuple(args.tests) if args.tests else TOPIC_TESTS[args.module], args.score_only)


if __name__ == "__main__":
    sys.exit(main())
