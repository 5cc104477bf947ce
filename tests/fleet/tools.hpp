// Programs from outside the build that some tests drive: chromium, node,
// promtool. A missing one is installed once per test binary with
// scripts/install-deps.sh (the Makefile's test-deps do the same up front);
// if that fails the test says so with a warning and passes, because the main
// build must not depend on a browser or a monitoring system.
#pragma once

#include <map>
#include <string>

#include "control_helpers.hpp"

namespace ffleet::test {

inline const std::string source_root = std::string(FFLEET_TEST_DATA) + "/../..";

inline bool have(const std::string& program) {
  ScratchDir dir("which");
  return run_program(dir, {"/usr/bin/which", program}, {}, 10s).code == 0;
}

// Whether `program` is on PATH, after trying once to install Debian's
// `package` when it is not.
inline bool tool_available(const std::string& program, const std::string& package) {
  static std::map<std::string, bool> known;
  auto i = known.find(program);
  if (i == known.end()) {
    if (!have(program)) {
      ScratchDir dir("install-" + package);
      auto r = run_program(dir, {"/bin/bash", source_root + "/scripts/install-deps.sh", package}, {}, 600s);
      if (r.code != 0) WARN("could not install " << package << ": " << r.err);
    }
    i = known.emplace(program, have(program)).first;
  }
  if (!i->second) WARN("SKIPPED: " << program << " is not installed and could not be installed");
  return i->second;
}

// A folder whose node_modules hold the packages of tests/ui/package.json
// (the versions of its package-lock.json), installed with `npm ci` into the
// build tree once; "" (with a warning) when node or npm is missing or the
// install fails.
inline std::string node_packages() {
  static std::string dir;
  static bool tried = false;
  if (!tried) {
    tried = true;
    if (!tool_available("node", "nodejs") || !tool_available("npm", "npm")) return "";
    std::string target = std::string(FFLEET_TEST_HELPERS) + "/node";
    std::filesystem::create_directories(target);
    bool fresh = true;
    for (auto name : {"package.json", "package-lock.json"}) {
      auto from = source_root + "/tests/ui/" + name, to = target + "/" + name;
      if (slurp(from) != slurp(to)) fresh = false;
      std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    }
    if (!fresh || !std::filesystem::exists(target + "/node_modules")) {
      ScratchDir scratch("npm-ci");
      auto r = run_program(scratch, {"/usr/bin/env", "npm", "ci", "--prefix", target, "--no-audit", "--no-fund"}, {},
                           600s);
      if (r.code != 0) WARN("npm ci failed: " << r.out << r.err);
      else dir = target;
    } else {
      dir = target;
    }
  }
  if (dir.empty()) WARN("SKIPPED: the node packages of tests/ui/package.json are not installed");
  return dir;
}

}  // namespace ffleet::test
