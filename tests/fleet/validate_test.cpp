// `ffleet validate FILE` and `ffleet version` as an operator runs them.
#include "daemon.hpp"

#include <cstdio>

using namespace ffleet::test;

namespace {
struct Output {
  int code;
  std::string text;
};

Output run(const std::string& args) {
  std::string cmd = std::string(FFLEET_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text};
}
}  // namespace

TEST_CASE("ffleet validate: a good file prints FILE: ok, N jobs and exits 0", "[cli][validate]") {
  ScratchDir dir("validate-ok");
  auto file = dir.write("jobs.yaml", "version: 1\njobs:\n  - id: a\n    args: [x]\n    instances: 3\n");
  auto out = run("validate " + file);
  CHECK(out.code == 0);
  CHECK(out.text == file + ": ok, 3 jobs\n");
}

TEST_CASE("ffleet validate: a file with five mistakes prints all five as FILE:LINE:COL and exits 2", "[cli][validate]") {
  ScratchDir dir("validate-bad");
  auto file = dir.write("jobs.yaml",
                        "version: 1\n"
                        "jobs:\n"
                        "  - id: cam-1\n"
                        "    args: [a]\n"
                        "    stale_timout: 5s\n"           // unknown key
                        "    reconnect_delay: soon\n"      // bad duration
                        "  - id: cam-1\n"                  // duplicate id
                        "    args: [b]\n"
                        "    limits: {memory: lots}\n"     // bad size
                        "  - id: \"bad id!\"\n"            // bad id
                        "    args: [c]\n");
  auto out = run("validate " + file);
  CHECK(out.code == 2);
  CAPTURE(out.text);
  CHECK(out.text.find(file + ":5:5: ") != std::string::npos);
  CHECK(out.text.find(file + ":6:22: ") != std::string::npos);
  CHECK(out.text.find(file + ":7:9: ") != std::string::npos);
  CHECK(out.text.find(file + ":9:22: ") != std::string::npos);
  CHECK(out.text.find(file + ":10:9: ") != std::string::npos);
  CHECK(std::count(out.text.begin(), out.text.end(), '\n') == 5);
}

TEST_CASE("ffleet version prints the version, a bad command line exits 2", "[cli]") {
  auto v = run("version");
  CHECK(v.code == 0);
  CHECK(v.text.rfind("ffleet ", 0) == 0);
  CHECK(run("frobnicate").code == 2);
  CHECK(run("run").code == 2);
}
