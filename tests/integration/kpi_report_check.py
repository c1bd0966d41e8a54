#!/usr/bin/python3
"""Checks every figure of a `kpictl report --format json` document against an
independent computation from `kpictl export` of the same range and filter.

  kpi_report_check.py --export FILE --report FILE [--alias FIELD:VALUE=LABEL]...
      [--values FIELD=V1,V2]... [--withheld FIELD=VALUE]...

The period, K, groups, success event and funnel are read from the report
itself; aliases and value lists must be passed as they were given to kpictl.
Rules recomputed here (kpictl(1)): weight 1/sample_rate (missing or <= 0: 1);
success = an event named success_event, its first offset the time to
success; percentiles exact (smallest value whose cumulative weight reaches
q x total), the report's must be within 2.2 % + 0.5 ms; cells of fewer than
K records withheld, then the smallest shown part of any shown sum withheld
while the withheld parts hold fewer than K records. --withheld FIELD=VALUE
asserts that group value never shows a figure anywhere. Exits 1 with every
difference listed."""
import argparse
import json
import sys

MISSING, COMPOSITE = "(none)", "(composite)"
EMAIL_TYPES = ["primary", "secondary", "other", "none"]
EMAIL_COUNTS = ["0", "1", "2", "3+", "none"]
MAX_VALUES = 50


def period_start(ts, period):
    day = 86400000
    if period == "hour":
        return ts - ts % 3600000
    if period == "week":  # Mondays; 1970-01-01 was a Thursday, 1970-01-05 a Monday
        return (ts - 4 * day) - (ts - 4 * day) % (7 * day) + 4 * day
    return ts - ts % day


def label(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return COMPOSITE
    if isinstance(value, str):
        return value
    return json.dumps(value)


def group_label(record, field, aliases):
    if field == "screen_class":
        size = record.get("screen_size")
        width = size.get("width") if isinstance(size, dict) else None
        if not isinstance(width, (int, float)) or isinstance(width, bool):
            return MISSING
        return "desktop" if width >= 1024 else "mobile" if width <= 640 else "tablet"
    value, text = record, None
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            text = MISSING
            break
        value = value[part]
    if text is None:
        text = label(value)
    return aliases.get(field, {}).get(text, text)


class Cell:
    def __init__(self, steps):
        self.records = 0
        self.uses = self.successes = self.new = self.sites = self.sites_w = 0.0
        self.times = []
        self.funnel = [0.0] * steps
        self.types = dict.fromkeys(EMAIL_TYPES, 0.0)
        self.counts = dict.fromkeys(EMAIL_COUNTS, 0.0)
        self.suppressed = False

    def add(self, r, w, spec):
        self.records += 1
        self.uses += w
        names = [e[0] for e in r.get("event_stream", []) if isinstance(e, list) and e
                 and isinstance(e[0], str)]
        for e in r.get("event_stream", []):
            if isinstance(e, list) and e and e[0] == spec["success_event"]:
                self.successes += w
                self.times.append((round(e[1]) if len(e) > 1 else 0, w))
                break
        for i, step in enumerate(spec["funnel_events"]):
            if step in names:
                self.funnel[i] += w
        if r.get("new_account") is True:
            self.new += w
        t = r.get("email_type")
        self.types["none" if t is None else t if t in ("primary", "secondary") else "other"] += w
        n = r.get("number_emails")
        ok = isinstance(n, (int, float)) and not isinstance(n, bool) and n >= 0
        self.counts["none" if not ok else "3+" if round(n) >= 3 else str(round(n))] += w
        s = r.get("number_sites_logged_in")
        if isinstance(s, (int, float)) and not isinstance(s, bool):
            self.sites += w * s
            self.sites_w += w


def percentile(values, q):
    values = sorted(values)
    total = sum(w for _, w in values)
    cumulative = 0.0
    for v, w in values:
        cumulative += w
        if cumulative >= q * total:
            return v
    return values[-1][0]


def protect(whole, parts, k):
    """Secondary suppression of one sum; True when it changed something."""
    if whole is None or whole.suppressed:
        return False
    changed = False
    while True:
        hidden = [p for p in parts if p.suppressed]
        shown = [p for p in parts if not p.suppressed]
        if not hidden or sum(p.records for p in hidden) >= k or not shown:
            return changed
        min(shown, key=lambda p: p.records).suppressed = True  # first of the smallest
        changed = True


def expected(records, spec, aliases, values):
    groups, k, period = spec["groups"], spec["min_count"], spec["period"]
    steps = len(spec["funnel_events"])
    rows, total = {}, {}
    seen = {g: [] for g in groups}
    for r in records:
        sr = r.get("sample_rate")
        w = 1 / sr if isinstance(sr, (int, float)) and not isinstance(sr, bool) and sr > 0 else 1
        keys = [("", "")]
        for g in groups:
            v = group_label(r, g, aliases)
            if g in values and v not in values[g]:
                v = "Other"
            if v not in seen[g]:
                if len(seen[g]) >= MAX_VALUES:
                    v = "Other"
                if v not in seen[g]:
                    seen[g].append(v)
            keys.append((g, v))
        row = rows.setdefault(period_start(r["timestamp"], period), {})
        for key in keys:
            row.setdefault(key, Cell(steps)).add(r, w, spec)
            total.setdefault(key, Cell(steps)).add(r, w, spec)
    order = sorted(rows)
    all_rows = [rows[p] for p in order] + [total]
    gindex = {g: i for i, g in enumerate(groups)}
    sort_key = lambda key: (-1, "") if key[0] == "" else (gindex[key[0]], key[1].encode())
    for row in all_rows:
        for cell in row.values():
            cell.suppressed = cell.records < k
    sums = []
    for row in all_rows:
        for g in groups:
            parts = [row[key] for key in sorted(row, key=sort_key) if key[0] == g]
            sums.append((row.get(("", "")), parts))
    for key in sorted(total, key=sort_key):
        sums.append((total[key], [rows[p][key] for p in order if key in rows[p]]))
    changed = True
    while changed:
        changed = False
        for whole, parts in sums:
            changed |= protect(whole, parts, k)
    return order, rows, total


class Checker:
    def __init__(self):
        self.errors = []
        self.figures = 0

    def close(self, where, got, want, rel=1e-9):
        self.figures += 1
        if want is None or got is None:
            if got is not want:
                self.errors.append(f"{where}: report {got!r}, expected {want!r}")
            return
        if abs(got - want) > rel * max(1.0, abs(want)):
            self.errors.append(f"{where}: report {got!r}, expected {want!r}")

    def cell(self, where, got, want, spec, value=None):
        if value is not None and got.get("value") != value:
            self.errors.append(f"{where}: value {got.get('value')!r}, expected {value!r}")
        if got.get("suppressed") != want.suppressed:
            self.errors.append(f"{where}: suppressed {got.get('suppressed')}, expected "
                               f"{want.suppressed} ({want.records} records)")
            return
        if want.suppressed:
            extra = set(got) - {"value", "suppressed"}
            if extra:
                self.errors.append(f"{where}: a withheld cell shows {sorted(extra)}")
            return
        share = lambda a, b: a / b if b > 0 else None
        self.close(where + ".records", got["records"], want.records, 0)
        self.close(where + ".uses", got["uses"], want.uses)
        self.close(where + ".successes", got["successes"], want.successes)
        self.close(where + ".success_rate", got["success_rate"], share(want.successes, want.uses))
        tts = got["time_to_success_ms"]
        if want.times:
            for q, name in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
                exact = percentile(want.times, q)
                self.figures += 1
                if abs(tts[name] - exact) > 0.022 * exact + 0.5:
                    self.errors.append(f"{where}.{name}: report {tts[name]}, exact {exact}")
        elif tts is not None:
            self.errors.append(f"{where}: time_to_success_ms without successes")
        funnel = got["funnel"]
        for i, step in enumerate(spec["funnel_events"]):
            self.close(f"{where}.funnel[{i}].uses", funnel[i]["uses"], want.funnel[i])
            self.close(f"{where}.funnel[{i}].share", funnel[i]["share"],
                       share(want.funnel[i], want.uses))
        self.close(where + ".new_account_share", got["new_account_share"],
                   share(want.new, want.uses))
        for t in EMAIL_TYPES:
            self.close(f"{where}.email_type.{t}", got["email_type"][t],
                       share(want.types[t], want.uses))
        for c in EMAIL_COUNTS:
            self.close(f"{where}.number_emails.{c}", got["number_emails"][c],
                       share(want.counts[c], want.uses))
        self.close(where + ".mean_sites_logged_in", got["mean_sites_logged_in"],
                   share(want.sites, want.sites_w))

    def row(self, where, got, want, spec):
        self.cell(where + ".all", got["all"], want[("", "")], spec)
        for g in spec["groups"]:
            want_keys = sorted((key for key in want if key[0] == g), key=lambda k: k[1].encode())
            got_cells = got["groups"][g]
            if [c["value"] for c in got_cells] != [key[1] for key in want_keys]:
                self.errors.append(f"{where}.{g}: values {[c['value'] for c in got_cells]}, "
                                   f"expected {[key[1] for key in want_keys]}")
                continue
            for c, key in zip(got_cells, want_keys):
                self.cell(f"{where}.{g}[{key[1]}]", c, want[key], spec, key[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--alias", action="append", default=[])
    ap.add_argument("--values", action="append", default=[])
    ap.add_argument("--withheld", action="append", default=[])
    args = ap.parse_args()
    with open(args.report) as f:
        spec = json.load(f)
    with open(args.export) as f:
        records = [json.loads(line) for line in f]
    aliases, values = {}, {}
    for a in args.alias:
        field, rest = a.split(":", 1)
        value, name = rest.rsplit("=", 1)
        aliases.setdefault(field, {})[value] = name
    for v in args.values:
        field, items = v.split("=", 1)
        values[field] = items.split(",")
    order, rows, total = expected(records, spec, aliases, values)
    c = Checker()
    starts = [p["start_ms"] for p in spec["periods"]]
    if starts != order:
        c.errors.append(f"periods {starts}, expected {order}")
    else:
        for p, start in zip(spec["periods"], order):
            c.row(p["start"], p, rows[start], spec)
    c.row("total", spec["total"], total, spec)
    suppressed = sum(cell.suppressed for row in list(rows.values()) + [total]
                     for cell in row.values())
    c.close("cells_suppressed", spec["cells_suppressed"], suppressed, 0)
    text = json.dumps(spec)
    for w in args.withheld:
        field, value = w.split("=", 1)
        for row in spec["periods"] + [spec["total"]]:
            for cell in row["groups"].get(field, []):
                if cell["value"] == value and set(cell) != {"value", "suppressed"}:
                    c.errors.append(f"{field}={value} shows figures: {cell}")
        if not any(cell["value"] == value for row in spec["periods"] + [spec["total"]]
                   for cell in row["groups"].get(field, [])):
            c.errors.append(f"{field}={value} is not in the report at all (the test is void)")
    for e in c.errors[:40]:
        print("MISMATCH:", e, file=sys.stderr)
    if c.errors:
        print(f"{len(c.errors)} of {c.figures} figures differ", file=sys.stderr)
        return 1
    weighted = sum(1 for r in records if r.get("sample_rate", 1) != 1)
    print(f"report check: {c.figures} figures of {len(spec['periods'])} periods and the total "
          f"match {len(records)} exported records ({weighted} weighted), {suppressed} cells "
          f"withheld")
    return 0


if __name__ == "__main__":
    sys.exit(main())
