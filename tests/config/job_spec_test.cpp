// JobSpec equality is what reload uses to find changed jobs: every field of
// the definition counts, the position in the file does not.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "config/job_spec.hpp"
#include "tests/config/load_text.hpp"

using namespace std::chrono_literals;
using ffleet::JobSpec;

TEST_CASE("job spec: a copy is equal, a moved declaration too", "[job_spec]") {
  JobSpec a;
  a.id = "cam-1";
  a.args = {"-i", "x"};
  JobSpec b = a;
  CHECK(a == b);
  CHECK_FALSE(a != b);
  b.pos = ffleet::SourcePos{"other.yaml", 40, 3};
  CHECK(a == b);
}

TEST_CASE("job spec: a change to any one field of the definition makes it differ", "[job_spec]") {
  const std::vector<std::pair<std::string, std::function<void(JobSpec&)>>> changes = {
      {"id", [](JobSpec& j) { j.id = "cam-2"; }},
      {"binary", [](JobSpec& j) { j.binary = "/usr/bin/ffmpeg"; }},
      {"args", [](JobSpec& j) { j.args.push_back("-y"); }},
      {"autostart", [](JobSpec& j) { j.autostart = false; }},
      {"reconnect", [](JobSpec& j) { j.reconnect = false; }},
      {"reconnect_delay", [](JobSpec& j) { j.reconnect_delay = 6s; }},
      {"backoff present", [](JobSpec& j) { j.backoff = ffleet::Backoff{}; }},
      {"max_restarts", [](JobSpec& j) { j.max_restarts = 3; }},
      {"restart_window", [](JobSpec& j) { j.restart_window = 61s; }},
      {"stale_timeout", [](JobSpec& j) { j.stale_timeout = 1s; }},
      {"stop_timeout", [](JobSpec& j) { j.stop_timeout = 1s; }},
      {"timeout", [](JobSpec& j) { j.timeout = 1s; }},
      {"limits.cpu", [](JobSpec& j) { j.limits.cpu = 100; }},
      {"limits.memory", [](JobSpec& j) { j.limits.memory = 1; }},
      {"limits.duration", [](JobSpec& j) { j.limits.duration = 1s; }},
      {"env", [](JobSpec& j) { j.env["TZ"] = "UTC"; }},
      {"inherit_env", [](JobSpec& j) { j.inherit_env.push_back("PATH"); }},
      {"cwd", [](JobSpec& j) { j.cwd = "/tmp"; }},
      {"log_lines", [](JobSpec& j) { j.log_lines = 101; }},
      {"history", [](JobSpec& j) { j.history = 6; }},
      {"log_file", [](JobSpec& j) { j.log_file = "/var/log/ffleet/x.log"; }},
      {"log_max_size", [](JobSpec& j) { j.log_max_size = 1; }},
      {"log_keep", [](JobSpec& j) { j.log_keep = 9; }},
  };
  JobSpec base;
  base.id = "cam-1";
  base.args = {"-i", "x"};
  for (const auto& [name, change] : changes) {
    INFO(name);
    JobSpec changed = base;
    change(changed);
    CHECK(changed != base);
    CHECK_FALSE(changed == base);
  }
}

TEST_CASE("job spec: each backoff field counts", "[job_spec]") {
  JobSpec a;
  a.backoff = ffleet::Backoff{};
  for (int field = 0; field < 4; ++field) {
    JobSpec b = a;
    if (field == 0) b.backoff->max = 1min;
    if (field == 1) b.backoff->factor = 3;
    if (field == 2) b.backoff->reset_after = 1s;
    if (field == 3) b.backoff->jitter = 0;
    INFO(field);
    CHECK(a != b);
  }
}

TEST_CASE("job spec: reloading an edited file tells changed jobs from moved ones", "[job_spec][loader]") {
  auto before = ffleet_test::fleet_of(R"(version: 1
jobs:
  - {id: a, args: [-i, x]}
  - {id: b, args: [-i, y]}
  - {id: c, args: [-i, z]}
)");
  auto after = ffleet_test::fleet_of(R"(version: 1
defaults:
  stop_timeout: 5s
jobs:
  # a comment that moves every job down
  - {id: a, args: [-i, x]}
  - {id: b, args: [-i, y], reconnect_delay: 5s}
  - {id: c, args: [-i, z2]}
)");
  REQUIRE(before.jobs.size() == 3);
  REQUIRE(after.jobs.size() == 3);
  CHECK(before.jobs[0].pos.line != after.jobs[0].pos.line);
  CHECK(before.jobs[0] == after.jobs[0]);  // moved only
  CHECK(before.jobs[1] == after.jobs[1]);  // built-in values written out: same definition
  CHECK(before.jobs[2] != after.jobs[2]);  // command changed
}
