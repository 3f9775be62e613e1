#!/usr/bin/env python3
"""Records, for each input line, the verdict of `ralph validate --format edx` (run with Ralph's Python).

Reads the input as the CLI reads sys.stdin on Linux with PYTHONUTF8=1 (lines end at "\\n" and keep
it; bytes that are not UTF-8 become lone surrogates) and calls the validator the CLI calls, with
the CLI's exception handling: valid, invalid (JSON or model error), unknown (no model). Any other
exception would stop the CLI with a traceback even with --ignore-errors; it is recorded as
`invalid` with its type, so the difference stays visible.

Usage: record_validate.py INPUT [RALPH_CLI] > ralph-validate-status.ndjson
  With RALPH_CLI, also runs `RALPH_CLI validate --format edx --ignore-errors` on INPUT and checks
  that it writes one line per `valid` verdict up to the first crash (where the CLI stops).
"""

import json
import subprocess
import sys

from pydantic import ValidationError
from ralph.exceptions import UnknownEventException
from ralph.models.selector import ModelSelector
from ralph.models.validator import Validator


def main():
    validator = Validator(ModelSelector("ralph.models.edx"))
    verdicts = []
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape", newline="\n") as handle:
        for number, line in enumerate(handle, start=1):
            record = {"line": number}
            try:
                validator._validate_event(line)
                record["status"] = "valid"
            except (json.JSONDecodeError, TypeError) as err:
                record["status"] = "invalid"
                record["ralph"] = type(err).__name__
            except UnknownEventException:
                record["status"] = "unknown"
            except ValidationError as err:
                record["status"] = "invalid"
                record["ralph"] = type(err).__name__
                record["locs"] = sorted({"/" + "/".join(str(p) for p in e["loc"]) for e in err.errors()})[:5]
            except Exception as err:  # noqa: BLE001 - the CLI would stop here (traceback)
                record["status"] = "invalid"
                record["ralph"] = "crash:" + type(err).__name__
            sys.stdout.write(json.dumps(record) + "\n")
            verdicts.append(record)
    if len(sys.argv) > 2:
        with open(sys.argv[1], "rb") as handle:
            cli = subprocess.run([sys.argv[2], "validate", "--format", "edx", "--ignore-errors"], stdin=handle,
                                 capture_output=True, check=False)
        expected = 0
        for record in verdicts:
            if record.get("ralph", "").startswith("crash:"):
                break
            expected += record["status"] == "valid"
        written = cli.stdout.count(b"\n")
        if written != expected:
            raise SystemExit(f"ralph validate CLI wrote {written} lines, the library path gives {expected}")


if __name__ == "__main__":
    main()
