#!/usr/bin/env python3
"""Checks man/kpid.8 against kpid: option defaults and /healthz statuses.

usage: kpid_docs.py defaults MAN_PAGE HELP_FILE
       kpid_docs.py healthz MAN_PAGE HTTP_SERVER_SOURCE

defaults  every "(default X)" the page gives an option must equal the default
          `kpid --help` prints for it (sizes and durations compared by value:
          "64M" is "64.0 MiB"); an option of --help with a default and none in
          the page fails too.
healthz   the (status, "state") pairs the page's GET /healthz section
          documents must be exactly the pairs kpid's /healthz handler answers
          (read from its source); prints them, "CODE STATE" a line, for the
          test to provoke.
Exit 1 naming each disagreement.
"""
import re
import sys

UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40,
         "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def plain(roff):
    text = re.sub(r"\\f[BIRP]|\\f\(..", "", roff)
    return text.replace("\\-", "-").replace("\\(dq", '"').replace("\\ ", " ")


def by_value(text):
    """A size as bytes when it reads as one, else the text itself."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?) ?([KMGT](?:iB)?)?", text.strip())
    if m:
        return int(float(m.group(1)) * UNITS[m.group(2) or ""])
    return text.strip()


def help_defaults(help_text):
    """--opt -> the default CLI11 prints after "=" in the option column."""
    defaults = {}
    for line in help_text.splitlines():
        m = re.match(r"^  (--[a-z][a-z0-9-]*)(?: (?:(?!  )[^=])*)?=(\S+(?: [KMGT]iB)?)", line)
        if m and "{" not in line.split()[0]:
            defaults[m.group(1)] = m.group(2)
    return defaults


def man_defaults(page):
    defaults = {}
    for chunk in plain(page).split("\n.TP\n"):
        m = re.match(r"\.BI? (--[a-z][a-z0-9-]*)", chunk)
        if not m:
            continue
        text = re.sub(r"\n\.[A-Z]+ ?", " ", chunk).replace("\n", " ")
        d = re.search(r"\(default ([^;)\s]+)", text) or re.search(r"(\S+)\s+\(default\)", text)
        if d:
            defaults[m.group(1)] = d.group(1).rstrip(":,")
    return defaults


def check_defaults(man_path, help_path):
    shown = help_defaults(open(help_path).read())
    documented = man_defaults(open(man_path).read())
    problems = []
    for option, value in sorted(shown.items()):
        if option in ("--schema",):  # the install prefix's path: the page names the packaged one
            continue
        if option not in documented:
            problems.append("%s: kpid --help says default %s, man/kpid.8 gives none" % (option, value))
        elif by_value(documented[option]) != by_value(value):
            problems.append("%s: man/kpid.8 says default %s, kpid --help %s"
                            % (option, documented[option], value))
    for problem in problems:
        print("kpid_docs: " + problem)
    print("kpid_docs: %d defaults compared" % len(shown))
    return not problems


def check_healthz(man_path, source_path):
    page = plain(open(man_path).read())
    section = page.split(".SS GET /healthz", 1)[1].split(".SS ", 1)[0]
    section = re.sub(r"\n\.[A-Z]+ ?", " ", section).replace("\n", " ")
    documented = set(re.findall(r"\b([1-5]\d\d) ?\( ?\"([a-z_]+)\" ?\)", section))
    if re.search(r"\b200\b", section) and '"ok"' in section:
        documented.add(("200", "ok"))
    source = open(source_path).read()
    handler = source.split('"/healthz"', 1)[1].split("});", 1)[0]
    answered = set(re.findall(r"SetJson\(res, (\d{3}),\s*(?:R\"\(|\")\{\\?\"status\\?\":\\?\"([a-z_]+)",
                              handler))
    ok = True
    for code, state in sorted(answered - documented):
        print('kpid_docs: /healthz answers %s "%s", which man/kpid.8 does not document' % (code, state))
        ok = False
    for code, state in sorted(documented - answered):
        print('kpid_docs: man/kpid.8 documents /healthz %s "%s", which kpid never answers'
              % (code, state))
        ok = False
    for code, state in sorted(documented & answered):
        print("%s %s" % (code, state))
    return ok and bool(answered)


def main():
    command = sys.argv[1]
    if command == "defaults":
        ok = check_defaults(sys.argv[2], sys.argv[3])
    elif command == "healthz":
        ok = check_healthz(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
