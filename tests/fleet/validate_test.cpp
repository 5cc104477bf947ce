// `ffleet validate FILE` and `ffleet version` as an operator runs them.
#include "daemon.hpp"

#include <cstdio>
#include <filesystem>

using namespace ffleet::test;

namespace {
struct Output {
  int code;
  std::string text;
};

// stdout and stderr together, or stdout alone.
Output run(const std::string& args, bool with_stderr = true) {
  std::string cmd = std::string(FFLEET_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
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
  auto one = dir.write("one.yaml", "version: 1\njobs:\n  - id: a\n    args: [x]\n");
  CHECK(run("validate " + one).text == one + ": ok, 1 job\n");
}

TEST_CASE("ffleet validate: every job file shipped in examples/ (and below) and the package's is valid", "[cli][validate]") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files = {fs::path(FFLEET_SOURCE_DIR) / "packaging" / "jobs.yaml"};  // /etc/ffleet/jobs.yaml
  const auto prometheus = fs::path(FFLEET_SOURCE_DIR) / "examples" / "prometheus";  // Prometheus's own files
  for (auto it = fs::recursive_directory_iterator(fs::path(FFLEET_SOURCE_DIR) / "examples"); it != fs::end(it); ++it) {
    if (it->path() == prometheus) {
      it.disable_recursion_pending();  // checked by promtool in prometheus_test.cpp
      continue;
    }
    auto ext = it->path().extension();
    if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
  }
  for (auto& file : files) {
    auto out = run("validate " + file.string());
    INFO(out.text);
    CHECK(out.code == 0);
  }
  CHECK(files.size() >= 6);  // demo, ladder, many, restream, cluster/jobs and the package's at least
}

TEST_CASE("ffleet validate: errors go to stderr, the ok line to stdout", "[cli][validate]") {
  ScratchDir dir("validate-streams");
  auto bad = dir.write("bad.yaml", "version: 1\njobs:\n  - id: a\n");
  auto errors_only = run("validate " + bad, false);
  CHECK(errors_only.code == 2);
  CHECK(errors_only.text.empty());
  auto good = dir.write("good.yaml", "version: 1\njobs: []\n");
  CHECK(run("validate " + good, false).text == good + ": ok, 0 jobs\n");
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

TEST_CASE("ffleet version and --version print the version, a bad command line exits 2", "[cli]") {
  auto v = run("version");
  CHECK(v.code == 0);
  CHECK(v.text.rfind("ffleet ", 0) == 0);
  auto flag = run("--version");
  CHECK(flag.code == 0);
  CHECK(flag.text == v.text);
  CHECK(run("run").code == 2);
}

TEST_CASE("ffleet: an unknown command is named, with the commands there are", "[cli]") {
  auto top = run("frobnicate");
  CHECK(top.code == 2);
  CHECK(top.text.rfind("ffleet: unknown command: frobnicate (commands: run, validate, ctl, version)\n", 0) == 0);
  auto ctl = run("ctl --connect 127.0.0.1:1 bogus");
  CHECK(ctl.code == 2);
  CHECK(ctl.text.rfind("ffleet: unknown command: ctl bogus (commands: status, start, stop, restart, kill, logs, report, "
                       "reload, shutdown, nodes, apply, drain, uncordon, forget)\n", 0) == 0);
  // Positional arguments are not commands.
  CHECK(run("validate /nonexistent.yaml").text.find("unknown command") == std::string::npos);
}
