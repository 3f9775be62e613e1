#!/usr/bin/env python3
"""Records, for each input line, how the installed Ralph treats it (run with Ralph's own Python).

The statements themselves come from the `ralph convert` CLI output (ralph-output.ndjson); this script
only adds what the CLI does not print per line when run with --ignore-errors: whether a skipped line
was unsupported (no model or no conversion set) or invalid (conversion or validation error). It also
checks that every CLI statement maps back to exactly one converted input line through its id.

Usage: record.py INPUT CLI_OUTPUT PLATFORM_URL UUID_NAMESPACE > ralph-status.ndjson
"""

import json
import sys
from uuid import UUID, uuid5

from pydantic import ValidationError
from ralph.exceptions import ConversionException, MissingConversionSetException, UnknownEventException
from ralph.models.converter import Converter
from ralph.models.selector import ModelSelector


def main():
    input_path, output_path, platform_url, namespace = sys.argv[1:5]
    converter = Converter(
        model_selector=ModelSelector("ralph.models.edx"),
        module="ralph.models.edx.converters.xapi",
        platform_url=platform_url,
        uuid_namespace=namespace,
    )
    with open(output_path, encoding="utf-8") as handle:
        cli = {}
        for row in handle:
            statement = json.loads(row)
            cli[statement["id"]] = statement
    used = set()
    # Read exactly as the CLI reads sys.stdin on Linux with PYTHONUTF8=1: lines end at "\n" only and
    # keep it ("\r\n" too); bytes that are not UTF-8 become lone surrogates (surrogateescape).
    with open(input_path, encoding="utf-8", errors="surrogateescape", newline="\n") as handle:
        for number, line in enumerate(handle, start=1):
            record = {"line": number}
            try:
                statement = json.loads(
                    converter._convert_event(line).model_dump_json(exclude_none=True, by_alias=True)
                )
                record["status"] = "converted"
                expected_id = str(uuid5(UUID(namespace), line))
                if statement["id"] != expected_id or cli.get(expected_id) != statement:
                    raise SystemExit(f"line {number}: CLI output and library output differ")
                used.add(expected_id)
            except (UnknownEventException, MissingConversionSetException) as err:
                record["status"] = "unsupported"
                record["ralph"] = type(err).__name__
            except (ConversionException, ValidationError) as err:
                record["status"] = "invalid"
                record["ralph"] = type(err).__name__
            except json.JSONDecodeError:
                record["status"] = "invalid"
                record["ralph"] = "JSONDecodeError"
            sys.stdout.write(json.dumps(record) + "\n")
    if used != set(cli):
        raise SystemExit(f"{len(set(cli) - used)} CLI statements match no converted line")


if __name__ == "__main__":
    main()
