#!/usr/bin/env python3
"""Fails when an option or subcommand of kpid or kpictl is exercised by no test.

usage: option_coverage.py KPID KPICTL TESTS_DIR

Reads every option from `kpid --help`, `kpictl --help` and each subcommand's
`kpictl SUB --help` (CLI11's option column), and every subcommand from
`kpictl --help`, then looks for each in the integration tests (the *.sh and
*.py files of TESTS_DIR, comments left out; this file, its test and the man
page test, which only reads --help, do not count). "Exercised" means:

  kpid --opt         --opt on a line that starts or configures kpid
                     ("$KPID", a helper named *_kpid such as start_kpid, an
                     option array named *OPTS/*_opts/COMMON) or on one of the
                     3 lines it continues;
  kpictl --opt       (a global option) --opt on a line that runs kpictl;
  kpictl SUB         a line that runs kpictl SUB;
  kpictl SUB --opt   --opt on a line that runs kpictl SUB, or continues one.

A short alias (-n, -o) counts for its option only when the option has no long
name; a flag and its negation (--honor-gpc,--no-honor-gpc) are two options. The few options no test can pass are in ALLOWED with the reason. A
failure names every option that lacks a test, one a line, so whoever adds an
option sees which test to write. Exit 0 when all are covered.
"""
import glob
import os
import re
import subprocess
import sys

# (program, subcommand or "", option): why no test passes it.
ALLOWED = {
    ("kpid", "", "--help"): "printed by packaging_man_test.sh and by this test",
    ("kpictl", "", "--help"): "printed by packaging_man_test.sh and by this test",
}
SELF = {"option_coverage.py", "option_coverage_test.sh", "packaging_man_test.sh"}
CONTINUED = 3  # lines a command may continue over (trailing backslashes, arrays)

# A helper whose name ends in _kpid (start_kpid, sealed_by_kpid) starts kpid.
KPID_LINE = re.compile(r'_kpid\b|"\$KPID"|\$KPID\b|\bKPID\b.*\[|OPTS|_opts|COMMON')
KPICTL_LINE = re.compile(r'KPICTL|\bctl\b|\bboth\b|kpictl')


def help_text(argv):
    out = subprocess.run(argv + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, check=False).stdout
    return out


def option_column(text):
    """The option names of a CLI11 help: each row's column before its description."""
    names = []
    for line in text.splitlines():
        m = re.match(r"^ +(-[^ ].*)$", line)
        if not m:
            continue
        column = re.split(r"  | Excludes:| Needs:", m.group(1))[0]
        longs = re.findall(r"--[a-z][a-z0-9-]*[a-z0-9]", column)
        shorts = re.findall(r"(?:^|,)(-[a-zA-Z])\b", column)
        for name in longs if longs else shorts[:1]:  # --x,--no-x: both
            if name not in names:
                names.append(name)
    return names


def subcommands(text):
    subs, inside = [], False
    for line in text.splitlines():
        if re.match(r"^[A-Z]+.*:$", line.strip()) and "SUBCOMMAND" in line.upper():
            inside = True
            continue
        if inside:
            m = re.match(r"^  ([a-z][a-z0-9-]*)\s", line)
            if m:
                subs.append(m.group(1))
            elif line.strip() and not line.startswith("  "):
                inside = False
    return subs


def test_lines(tests_dir):
    """(file, [code lines]) of every integration test source, comments blanked."""
    files = []
    for path in sorted(glob.glob(os.path.join(tests_dir, "*.sh")) +
                       glob.glob(os.path.join(tests_dir, "*.py"))):
        if os.path.basename(path) in SELF:
            continue
        lines = []
        for line in open(path, encoding="utf-8"):
            stripped = line.strip()
            lines.append("" if stripped.startswith("#") else line.rstrip("\n"))
        files.append((os.path.basename(path), lines))
    return files


def word(option):
    return re.compile(r"(?<![A-Za-z0-9-])" + re.escape(option) + r"(?![A-Za-z0-9-])")


def found(files, needle, context):
    """Whether `needle` is on a line that `context` matches, or continues one."""
    for _, lines in files:
        for i, line in enumerate(lines):
            if not needle.search(line):
                continue
            window = lines[max(0, i - CONTINUED):i + 1]
            if any(context.search(w) for w in window):
                return True
    return False


def main():
    kpid, kpictl, tests_dir = sys.argv[1:4]
    files = test_lines(tests_dir)
    wanted = []  # (program, sub, option, needle, context)
    for opt in option_column(help_text([kpid])):
        wanted.append(("kpid", "", opt, word(opt), KPID_LINE))
    top = help_text([kpictl])
    for opt in option_column(top):
        wanted.append(("kpictl", "", opt, word(opt), KPICTL_LINE))
    subs = subcommands(top)
    if len(subs) < 8:
        sys.exit("option_coverage: kpictl --help lists only the subcommands %s" % subs)
    for sub in subs:
        runs_sub = re.compile(r"(KPICTL\"?|\bctl|\bboth|kpictl)\b.*\s" + re.escape(sub) + r"\b")
        wanted.append(("kpictl", sub, "", runs_sub, runs_sub))
        for opt in option_column(help_text([kpictl, sub])):
            if opt in ("--help", "-h"):
                continue
            wanted.append(("kpictl", sub, opt, word(opt), runs_sub))
    missing = []
    for program, sub, opt, needle, context in wanted:
        if (program, sub, opt) in ALLOWED or found(files, needle, context):
            continue
        missing.append(" ".join(p for p in (program, sub, opt) if p))
    print("option_coverage: %d options and subcommands, %d exercised, %d allowed"
          % (len(wanted), len(wanted) - len(missing) - len(ALLOWED), len(ALLOWED)))
    if missing:
        for name in missing:
            print("option_coverage: no integration test exercises `%s`: add one to "
                  "tests/integration (or, if no test can, to ALLOWED in "
                  "tests/integration/option_coverage.py with the reason)" % name)
        sys.exit(1)


if __name__ == "__main__":
    main()
