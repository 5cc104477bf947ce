#!/usr/bin/python3
# Checks docs/openapi.yaml: it parses as YAML, says openapi 3.x, and every
# operation (a method under a path) has an operationId, none twice, so code
# generators name their functions after it.
#
#   check_openapi.py FILE
import sys

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    if not str(spec.get("openapi", "")).startswith("3."):
        print(f"{argv[1]}: not an OpenAPI 3 document")
        return 1
    seen, problems, count = {}, [], 0
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            count += 1
            op = item[method].get("operationId")
            where = f"{method.upper()} {path}"
            if not op:
                problems.append(f"{where}: no operationId")
            elif op in seen:
                problems.append(f"{where}: operationId {op} also used by {seen[op]}")
            else:
                seen[op] = where
    for p in problems:
        print(f"{argv[1]}: {p}")
    if problems:
        return 1
    print(f"{argv[1]}: {count} operations, each with a unique operationId")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
