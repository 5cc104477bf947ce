#!/usr/bin/python3
# Validates job files against docs/job-file.schema.json with Debian's
# python3-jsonschema (Draft 2020-12) and python3-yaml, as an editor with
# yaml-language-server would. Run with /usr/bin/python3: the Debian packages.
#
#   check_job_file.py SCHEMA FILE...
#
# Prints "FILE: ok" or "FILE: invalid: <first error>" per file; exits 0 when
# every file is valid, 1 when any is not, 2 on a broken schema or usage.
import json
import sys

import jsonschema
import yaml


def main(argv):
    if len(argv) < 3:
        print("usage: check_job_file.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    all_valid = True
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                document = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            print(f"{path}: invalid: cannot read as YAML: {e}".replace("\n", " "))
            all_valid = False
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
            print(f"{path}: invalid: at {where}: {errors[0].message}")
            all_valid = False
        else:
            print(f"{path}: ok")
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
