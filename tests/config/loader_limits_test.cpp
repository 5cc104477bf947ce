// The loader on hostile or careless files: whatever the text, loading costs
// a bounded amount of memory and time, and the errors say what and where.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "tests/config/load_text.hpp"

using ffleet_test::errors_of;
using ffleet_test::Lines;

namespace {

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

bool any_contains(const Lines& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("limits: a stray character after the document is a syntax error, not endless empty documents", "[loader][limits]") {
  // yaml-cpp's LoadAll returned empty documents for these forever.
  CHECK(errors_of(",") == Lines{"jobs.yaml:1:1: invalid YAML: unexpected \",\" after the end of the document"});
  CHECK(errors_of("[a],") == Lines{"jobs.yaml:1:4: invalid YAML: unexpected \",\" after the end of the document"});
  CHECK(errors_of("{a: 1},") == Lines{"jobs.yaml:1:7: invalid YAML: unexpected \",\" after the end of the document"});
  CHECK(errors_of("version: 1\njobs: []\n---\n,\n") == Lines{
      "jobs.yaml:3:1: more than one YAML document: put all jobs in one"});
}

TEST_CASE("limits: deep nesting is refused where it passes the limit", "[loader][limits]") {
  std::string deep = "version: 1\njobs: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
  CHECK(errors_of(deep) == Lines{
      "jobs.yaml:2:38: nested deeper than 32 levels (a job file needs six; see docs/job-file.md, limits)"});
}

TEST_CASE("limits: instances behind an alias written 2000 times stop at the job limit, with few errors", "[loader][limits]") {
  // The 18 KB file that drove validate past 2.3 GB.
  std::string text = "version: 1\njobs:\n  - &j {id: cam, args: [], instances: 1000}\n" + repeat("  - *j\n", 2000);
  Lines errors = errors_of(text);
  CHECK(errors.size() == 102);  // 100 kept, the limit, the count of the rest
  // An alias has the position of its anchor: every error points at line 3.
  CHECK(any_contains(errors, "jobs.yaml:3:5: too many jobs: with job \"cam\" the file has more than 10000 jobs"));
  CHECK(errors.back().rfind("jobs.yaml: and ", 0) == 0);
  CHECK(errors.back().find(" more errors (not shown)") != std::string::npos);
  CHECK(any_contains(errors, "duplicate id \"cam-0\" (first declared on line 3)"));
}

TEST_CASE("limits: aliases of aliases that spell out to gigabytes are refused before any node is read", "[loader][limits]") {
  std::string text = "version: 1\nx0: &a0 [" + repeat("xxxxxxxxxxxxxxxx,", 15) + "x]\n";
  for (int level = 1; level <= 8; ++level)
    text += "x" + std::to_string(level) + ": &a" + std::to_string(level) + " [" +
            repeat("*a" + std::to_string(level - 1) + ",", 15) + "*a" + std::to_string(level - 1) + "]\n";
  text += "jobs: []\n";
  Lines errors = errors_of(text);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("the file is too large once its aliases are spelled out: more than 16 MiB") !=
        std::string::npos);
}

TEST_CASE("limits: the file, one job and the whole fleet have a size limit", "[loader][limits]") {
  std::string big(4 << 20, '#');
  CHECK(errors_of(big + "\n") == Lines{"jobs.yaml: larger than 4 MiB, the limit for a job file (see docs/job-file.md, limits)"});

  std::string long_arg(2 << 20, 'a');
  CHECK(errors_of("version: 1\njobs:\n  - {id: a, args: [" + long_arg + "]}\n") == Lines{
      "jobs.yaml:3:5: job \"a\" is too large: 2097159 bytes of text, more than 1 MiB (see docs/job-file.md, limits)"});

  // 100 KiB a job, 1000 instances: 100 MiB of job text from a small file.
  std::string arg(100 << 10, 'b');
  Lines errors = errors_of("version: 1\njobs:\n  - {id: a, args: [" + arg + "], instances: 1000}\n");
  CHECK(errors == Lines{"jobs.yaml:3:5: too many jobs: with job \"a\" the file has more than 64 MiB of job text "
                        "(counting instances; see docs/job-file.md, limits); the jobs after it were not read"});

  ffleet::LoadLimits small;
  small.max_jobs = 3;
  auto r = ffleet::load_job_text("version: 1\njobs:\n  - {id: a, args: [], instances: 2}\n  - {id: b, args: [], instances: 2}\n",
                                 "f.yaml", small);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string().rfind("f.yaml:4:5: too many jobs: with job \"b\" the file has more than 3 jobs", 0) == 0);
}

TEST_CASE("limits: at most 100 errors are printed, then how many more there are", "[loader][limits]") {
  std::string text = "version: 1\njobs:\n  - id: a\n    args: []\n";
  for (int i = 0; i < 150; ++i) text += "    bad_key_" + std::to_string(i) + ": 1\n";
  Lines errors = errors_of(text);
  REQUIRE(errors.size() == 101);
  CHECK(errors[0] == "jobs.yaml:5:5: unknown key \"bad_key_0\" in job \"a\"");
  CHECK(errors[99] == "jobs.yaml:104:5: unknown key \"bad_key_99\" in job \"a\"");
  CHECK(errors[100] == "jobs.yaml: and 50 more errors (not shown)");
}

TEST_CASE("limits: huge and hostile ids and values are cut and escaped in messages", "[loader][limits]") {
  std::string id(1 << 20, 'x');
  Lines errors = errors_of("version: 1\njobs:\n  - {id: " + id + ", args: []}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "jobs.yaml:3:10: bad id \"" + std::string(80, 'x') + "...\": longer than 64 characters");

  errors = errors_of("version: 1\njobs:\n  - {id: \"a\\nFORGED line\\e[31m\", args: []}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "jobs.yaml:3:10: bad id \"a\\nFORGED line\\x1b[31m\": use only letters, digits, '.', '_' and '-'");
}

TEST_CASE("limits: NUL bytes in anything that reaches a process are refused where they are", "[loader][limits]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    binary: "ff\0mpeg"
    args: [-i, "x\0y"]
    cwd: "/tmp\0/x"
    env: {A: "1\0"}
    inherit_env: ["PA\0TH"]
  - id: b
    outputs: [{address: "out\0", options: ["-f", "\0"]}]
)") == Lines{
      "jobs.yaml:4:13: \"binary\" contains a NUL byte (\\0), which no program argument, path or environment value can hold",
      "jobs.yaml:5:16: item 2 of \"args\" contains a NUL byte (\\0), which no program argument, path or environment value can hold",
      "jobs.yaml:6:10: \"cwd\" contains a NUL byte (\\0), which no program argument, path or environment value can hold",
      "jobs.yaml:7:14: \"A\" contains a NUL byte (\\0), which no program argument, path or environment value can hold",
      "jobs.yaml:8:19: item 1 of \"inherit_env\" contains a NUL byte (\\0), which no program argument, path or environment value can hold",
      "jobs.yaml:10:25: \"address\" contains a NUL byte (\\0), which no program argument, path or environment value can hold",
      "jobs.yaml:10:50: item 2 of \"options\" contains a NUL byte (\\0), which no program argument, path or environment value can hold",
  });
}

TEST_CASE("limits: load_job_file reads no more than the limit of a huge file and refuses a FIFO at once", "[loader][limits]") {
  char dir[] = "/tmp/ffleet-limits-XXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string sparse = std::string(dir) + "/huge.yaml";
  int fd = open(sparse.c_str(), O_WRONLY | O_CREAT, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, off_t{64} << 30) == 0);  // 64 GiB of holes: reading it whole would never end
  close(fd);
  auto huge = ffleet::load_job_file(sparse);
  REQUIRE(huge.errors.size() == 1);
  CHECK(huge.errors[0].to_string() == sparse + ": larger than 4 MiB, the limit for a job file (see docs/job-file.md, limits)");

  std::string fifo = std::string(dir) + "/fifo.yaml";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto pipe = ffleet::load_job_file(fifo);  // no writer: a blocking open would hang here
  REQUIRE(pipe.errors.size() == 1);
  CHECK(pipe.errors[0].to_string() == fifo + ": cannot read: not a regular file");
  std::remove(sparse.c_str());
  std::remove(fifo.c_str());
  rmdir(dir);
}

TEST_CASE("limits: the number of YAML nodes is bounded, so is the parser's memory", "[loader][limits]") {
  std::string text = "version: 1\njobs:\n  - id: a\n    args: [" + repeat("a,", 300000) + "a]\n";
  CHECK(errors_of(text) == Lines{
      "jobs.yaml:4:499992: more than 250000 YAML nodes (values, lists and maps; see docs/job-file.md, limits)"});
}
