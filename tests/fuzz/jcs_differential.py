#!/usr/bin/env python3
"""RFC 8785 differential: our canonical bytes (jcs_canonical_dump) against an independent
canonicaliser written here from the RFC: Python's json parser, numbers as IEEE doubles printed by
ECMAScript's Number::toString rules (from repr(), Python's shortest round-trip digits), members
sorted by UTF-16 code units, the RFC's minimal string escapes.

usage: jcs_differential.py DUMP_BINARY CORPUS_DIR_OR_FILE...
Fails when an input both accept gets different bytes, and when ours accepts an input Python's
json refuses (a parser differential: the strict parser exists so that a document means one thing
to every reader). Inputs only Python accepts are counted, not failed: ours also refuses duplicate
keys, nesting deeper than 64 and integers whose double prints other digits.
"""
import json
import math
import subprocess
import sys


def es_number(value):
    if math.isnan(value) or math.isinf(value):
        raise ValueError("not a JSON number")
    if value == 0:
        return "0"
    if value < 0:
        return "-" + es_number(-value)
    mantissa, _, exponent = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    combined = whole + fraction
    stripped = combined.lstrip("0")
    # value = 0.<digits> x 10^point
    point = len(whole) + (int(exponent) if exponent else 0) - (len(combined) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * (-point) + digits
    e = point - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return head + "e" + sign + str(abs(e))


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
           "\t": "\\t"}


def es_string(text):
    out = ['"']
    for ch in text:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return es_number(value)
    if isinstance(value, str):
        return es_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    names = sorted(value, key=lambda name: name.encode("utf-16-be", "surrogatepass"))
    return "{" + ",".join(es_string(n) + ":" + canonical(value[n]) for n in names) + "}"


def unique_members(pairs):
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("duplicate member")
    return members


def refuse_constant(name):
    raise ValueError("not JSON: " + name)


def python_jcs(data):
    """Canonical bytes, or None when this implementation refuses the input."""
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_int=float, parse_float=float, parse_constant=refuse_constant,
                           object_pairs_hook=unique_members)
        return canonical(value).encode("utf-8")  # a lone surrogate cannot be encoded: refused
    except (ValueError, RecursionError, UnicodeError):
        return None


def main():
    dump, inputs = sys.argv[1], sys.argv[2:]
    lines = subprocess.run([dump, *inputs], check=True, capture_output=True).stdout.splitlines()
    both = ours_only = python_only = 0
    failures = []
    for line in lines:
        path, ours = line.decode("utf-8", "surrogateescape").split("\t")
        with open(path, "rb") as f:
            theirs = python_jcs(f.read())
        if ours == "-":
            python_only += theirs is not None
            continue
        if theirs is None:
            ours_only += 1
            failures.append((path, bytes.fromhex(ours), b"(refused)"))
            continue
        both += 1
        if bytes.fromhex(ours) != theirs:
            failures.append((path, bytes.fromhex(ours), theirs))
    print(f"jcs differential: {len(lines)} inputs, {both} accepted by both, "
          f"{len(failures) - ours_only} of them differ; accepted only by ours {ours_only} (failures), "
          f"only by Python {python_only}")
    for path, ours, theirs in failures[:10]:
        print(f"DIFFERS {path}\n  ours:   {ours[:300]!r}\n  python: {theirs[:300]!r}")
    if len(lines) == 0:
        print("no inputs")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
