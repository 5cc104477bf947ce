// docs/job-file.schema.json and the loader agree: every example and every
// file of tests/data/job-files/valid passes both `ffleet validate` and the
// schema (Debian's python3-jsonschema, tests/schema/check_job_file.py);
// every file of invalid/ fails both. The files of loader-only/ show what
// only the loader can check (ids unique across jobs, a command after the
// defaults, comparisons of two fields): the schema passes them, the loader
// does not. Also: docs/openapi.yaml parses and names every operation.
#include "control_helpers.hpp"
#include "tools.hpp"

#include <filesystem>

using namespace ffleet::test;

namespace {

const std::string schema = source_root + "/docs/job-file.schema.json";
const std::string corpus = source_root + "/tests/data/job-files";

// Debian's python3 with python3-jsonschema and python3-yaml (not whatever
// python3 comes first on PATH).
bool python_available() {
  static int state = -1;
  auto usable = [] {
    ScratchDir dir("python");
    return run_program(dir, {"/bin/sh", "-c", "/usr/bin/python3 -c 'import jsonschema, yaml'"}, {}, 60s).code == 0;
  };
  if (state < 0) {
    if (!usable()) {
      ScratchDir dir("install-python");
      run_program(dir, {"/bin/bash", source_root + "/scripts/install-deps.sh", "python3-jsonschema", "python3-yaml"},
                  {}, 600s);
    }
    state = usable() ? 1 : 0;
  }
  if (state == 0) WARN("SKIPPED: /usr/bin/python3 with python3-jsonschema and python3-yaml is not available");
  return state == 1;
}

std::vector<std::string> yaml_files(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct Verdicts {
  Finished loader, schema;
};

Verdicts judge(const std::string& file) {
  ScratchDir dir("schema");
  return {run_program(dir, {FFLEET_BINARY, "validate", file}),
          run_program(dir, {"/usr/bin/python3", source_root + "/tests/schema/check_job_file.py", schema, file})};
}

}  // namespace

TEST_CASE("schema: every example and every valid job file passes the loader and the schema", "[fleet][schema]") {
  if (!python_available()) return;
  auto files = yaml_files(corpus + "/valid");
  auto examples = yaml_files(source_root + "/examples");
  REQUIRE(examples.size() >= 4);
  files.insert(files.end(), examples.begin(), examples.end());
  // Not under examples/ directly, valid all the same: the cluster example's
  // fleet and the job file the package installs as /etc/ffleet/jobs.yaml.
  files.push_back(source_root + "/examples/cluster/jobs.yaml");
  files.push_back(source_root + "/packaging/jobs.yaml");
  for (auto& file : files) {
    auto v = judge(file);
    INFO(file << "\nloader: " << v.loader.out << v.loader.err << "\nschema: " << v.schema.out << v.schema.err);
    CHECK(v.loader.code == 0);
    CHECK(v.schema.code == 0);
  }
  // Editors with yaml-language-server find the schema from the examples' first line.
  for (auto& file : examples) {
    INFO(file);
    CHECK(lines_of(slurp(file)).at(0) == "# yaml-language-server: $schema=../docs/job-file.schema.json");
  }
}

TEST_CASE("schema: every invalid job file fails the loader and the schema", "[fleet][schema]") {
  if (!python_available()) return;
  auto files = yaml_files(corpus + "/invalid");
  REQUIRE(files.size() >= 20);
  for (auto& file : files) {
    auto v = judge(file);
    INFO(file << "\nloader: " << v.loader.out << v.loader.err << "\nschema: " << v.schema.out << v.schema.err);
    CHECK(v.loader.code == 2);
    CHECK(v.schema.code == 1);
    CHECK(v.schema.out.find(": invalid: ") != std::string::npos);
  }
}

TEST_CASE("schema: what only the loader checks passes the schema and fails the loader", "[fleet][schema]") {
  if (!python_available()) return;
  for (auto& file : yaml_files(corpus + "/loader-only")) {
    auto v = judge(file);
    INFO(file << "\nloader: " << v.loader.out << v.loader.err << "\nschema: " << v.schema.out << v.schema.err);
    CHECK(v.loader.code == 2);
    CHECK(v.schema.code == 0);
  }
}

TEST_CASE("schema: docs/openapi.yaml parses and every operation has a unique operationId", "[fleet][schema]") {
  if (!python_available()) return;
  ScratchDir dir("openapi");
  auto r = run_program(dir, {"/usr/bin/python3", source_root + "/tests/schema/check_openapi.py",
                             source_root + "/docs/openapi.yaml"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find(" operations, each with a unique operationId") != std::string::npos);
}
