// The loader on valid files: built-in defaults, the defaults: section,
// the two command forms, instances and placeholders.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include "config/loader.hpp"
#include "tests/config/load_text.hpp"

using namespace std::chrono_literals;
using ffleet::JobSpec;
using ffleet_test::fleet_of;
using ffleet_test::job_of;
using Args = std::vector<std::string>;

TEST_CASE("loader: a minimal job gets every built-in default", "[loader]") {
  JobSpec job = job_of(R"(version: 1
jobs:
  - id: cam-1
    args: ["-i", "rtsp://cam1/stream", "-c", "copy", "-f", "flv", "rtmp://out/cam1"]
)");
  CHECK(job.id == "cam-1");
  CHECK(job.binary == "ffmpeg");
  CHECK(job.args == Args{"-i", "rtsp://cam1/stream", "-c", "copy", "-f", "flv", "rtmp://out/cam1"});
  CHECK(job.autostart);
  CHECK(job.reconnect);
  CHECK(job.reconnect_delay == 5s);
  CHECK_FALSE(job.backoff.has_value());
  CHECK(job.max_restarts == 0);
  CHECK(job.restart_window == 60s);
  CHECK(job.stale_timeout == 0s);
  CHECK(job.stop_timeout == 5s);
  CHECK(job.timeout == 0s);
  CHECK(job.limits == ffleet::Limits{});
  CHECK(job.limits.cpu == 0);
  CHECK(job.limits.memory == 0);
  CHECK(job.limits.duration == 0s);
  CHECK(job.env.empty());
  CHECK(job.inherit_env.empty());
  CHECK(job.cwd.empty());
  CHECK(job.log_lines == 100);
  CHECK(job.history == 5);
  CHECK(job.pos.file == "jobs.yaml");
  CHECK(job.pos.line == 3);
  CHECK(job.pos.col == 5);
}

TEST_CASE("loader: every field, as written", "[loader]") {
  JobSpec job = job_of(R"(version: 1
jobs:
  - id: cam-1
    binary: /usr/bin/ffmpeg
    args: [-i, in.mp4, out.mp4]
    autostart: false
    reconnect: false
    reconnect_delay: 2s
    backoff: {max: 1m, factor: 1.5, reset_after: 30s, jitter: 0.25}
    max_restarts: 10
    restart_window: 5m
    stale_timeout: 30s
    stop_timeout: 250ms
    timeout: 1h30m
    limits: {cpu: 150, memory: 512MiB, duration: 5s}
    env: {TZ: UTC, LANG: C.UTF-8}
    inherit_env: [PATH, HOME]
    cwd: /srv/cam-1
    log_lines: 500
    history: 20
)");
  CHECK(job.binary == "/usr/bin/ffmpeg");
  CHECK(job.args == Args{"-i", "in.mp4", "out.mp4"});
  CHECK_FALSE(job.autostart);
  CHECK_FALSE(job.reconnect);
  CHECK(job.reconnect_delay == 2s);
  REQUIRE(job.backoff.has_value());
  CHECK(job.backoff->max == 1min);
  CHECK(job.backoff->factor == 1.5);
  CHECK(job.backoff->reset_after == 30s);
  CHECK(job.backoff->jitter == 0.25);
  CHECK(job.max_restarts == 10);
  CHECK(job.restart_window == 5min);
  CHECK(job.stale_timeout == 30s);
  CHECK(job.stop_timeout == 250ms);
  CHECK(job.timeout == 90min);
  CHECK(job.limits.cpu == 150);
  CHECK(job.limits.memory == 512ull * 1024 * 1024);
  CHECK(job.limits.duration == 5s);
  CHECK(job.env == std::map<std::string, std::string>{{"TZ", "UTC"}, {"LANG", "C.UTF-8"}});
  CHECK(job.inherit_env == Args{"PATH", "HOME"});
  CHECK(job.cwd == "/srv/cam-1");
  CHECK(job.log_lines == 500);
  CHECK(job.history == 20);
}

TEST_CASE("loader: small conveniences of YAML are honoured", "[loader]") {
  JobSpec job = job_of(R"(version: 1
jobs:
  - id: 42
    args: [-f, "null", "-", yes, 1.50]
    autostart: no
    reconnect: on
    reconnect_delay: 0.5
    stop_timeout: 10
    backoff: true
    limits: {memory: 1048576, cpu: 50.5}
    env: {PORT: 8080, EMPTY: ""}
)");
  CHECK(job.id == "42");
  CHECK(job.args == Args{"-f", "null", "-", "yes", "1.50"});  // scalars kept as written
  CHECK_FALSE(job.autostart);
  CHECK(job.reconnect);
  CHECK(job.reconnect_delay == 500ms);
  CHECK(job.stop_timeout == 10s);
  REQUIRE(job.backoff.has_value());
  CHECK(*job.backoff == ffleet::Backoff{});
  CHECK(job.limits.memory == 1048576);
  CHECK(job.limits.cpu == 50.5);
  CHECK(job.env == std::map<std::string, std::string>{{"PORT", "8080"}, {"EMPTY", ""}});
}

TEST_CASE("loader: an empty jobs list, or one with every entry commented out, is a fleet of none", "[loader]") {
  CHECK(fleet_of("version: 1\njobs: []\n").jobs.empty());
  CHECK(fleet_of("version: 1\njobs:\n#  - id: cam-1\n").jobs.empty());
  CHECK(fleet_of("version: 1\ndefaults:\njobs: []\n").jobs.empty());
  CHECK(fleet_of("version: 1\njobs: []\n").path == "jobs.yaml");
}

TEST_CASE("loader: jobs keep file order and their positions", "[loader]") {
  auto fleet = fleet_of(R"(version: 1
jobs:
  - id: b
    args: []
  - {id: a, args: []}
)");
  REQUIRE(fleet.jobs.size() == 2);
  CHECK(fleet.jobs[0].id == "b");
  CHECK(fleet.jobs[0].pos.line == 3);
  CHECK(fleet.jobs[1].id == "a");
  CHECK(fleet.jobs[1].pos.line == 5);
  CHECK(fleet.jobs[1].pos.col == 5);  // the flow map's brace
}

TEST_CASE("loader: the structured form expands options, inputs, outputs in that order", "[loader]") {
  JobSpec job = job_of(R"(version: 1
jobs:
  - id: cam-1
    options: ["-hide_banner", "-loglevel", "level+info"]
    inputs:
      - {address: "rtsp://cam1/stream", options: ["-rtsp_transport", "tcp"]}
      - {address: "logo.png"}
    outputs:
      - {address: "rtmp://out/cam1", options: ["-c", "copy", "-f", "flv"]}
      - address: "out.ts"
        options: ["-f", "mpegts"]
)");
  CHECK(job.args == Args{"-hide_banner", "-loglevel", "level+info",
                         "-rtsp_transport", "tcp", "-i", "rtsp://cam1/stream",
                         "-i", "logo.png",
                         "-c", "copy", "-f", "flv", "rtmp://out/cam1",
                         "-f", "mpegts", "out.ts"});
}

TEST_CASE("loader: the structured form needs only inputs or outputs", "[loader]") {
  CHECK(job_of("version: 1\njobs:\n  - {id: probe, binary: ffprobe, inputs: [{address: a.mp4}]}\n").args ==
        Args{"-i", "a.mp4"});
  CHECK(job_of("version: 1\njobs:\n  - {id: gen, outputs: [{address: out.mp4, options: [-t, '1']}]}\n").args ==
        Args{"-t", "1", "out.mp4"});
  // args may be empty: the binary may be a script that needs none.
  CHECK(job_of("version: 1\njobs:\n  - {id: script, binary: ./run.sh, args: []}\n").args.empty());
}

TEST_CASE("loader: defaults apply to every job and the job wins", "[loader][defaults]") {
  auto fleet = fleet_of(R"(version: 1
defaults:
  binary: /opt/ffmpeg
  reconnect_delay: 2s
  stop_timeout: 1s
  autostart: false
  inherit_env: [PATH]
  log_lines: 50
jobs:
  - id: a
    args: []
  - id: b
    args: []
    reconnect_delay: 5s
    autostart: true
    inherit_env: [TZ]
)");
  REQUIRE(fleet.jobs.size() == 2);
  const JobSpec& a = fleet.jobs[0];
  const JobSpec& b = fleet.jobs[1];
  CHECK(a.binary == "/opt/ffmpeg");
  CHECK(a.reconnect_delay == 2s);
  CHECK(a.stop_timeout == 1s);
  CHECK_FALSE(a.autostart);
  CHECK(a.inherit_env == Args{"PATH"});
  CHECK(a.log_lines == 50);
  CHECK(b.binary == "/opt/ffmpeg");
  CHECK(b.reconnect_delay == 5s);  // given as the built-in value, still wins over the defaults
  CHECK(b.stop_timeout == 1s);
  CHECK(b.autostart);
  CHECK(b.inherit_env == Args{"TZ"});  // lists replace
}

TEST_CASE("loader: env, backoff and limits merge with the defaults key by key", "[loader][defaults]") {
  auto fleet = fleet_of(R"(version: 1
defaults:
  env: {TZ: UTC, LANG: C}
  backoff: {max: 1m, jitter: 0}
  limits: {cpu: 200, duration: 10s}
jobs:
  - id: a
    args: []
  - id: b
    args: []
    env: {LANG: de_DE.UTF-8, EXTRA: "1"}
    backoff: {factor: 3}
    limits: {memory: 1GiB, cpu: 0}
  - id: c
    args: []
    backoff: false
)");
  REQUIRE(fleet.jobs.size() == 3);
  const JobSpec& a = fleet.jobs[0];
  const JobSpec& b = fleet.jobs[1];
  const JobSpec& c = fleet.jobs[2];
  CHECK(a.env == std::map<std::string, std::string>{{"TZ", "UTC"}, {"LANG", "C"}});
  REQUIRE(a.backoff.has_value());
  CHECK(a.backoff->max == 1min);
  CHECK(a.backoff->jitter == 0);
  CHECK(a.backoff->factor == 2);
  CHECK(a.limits.cpu == 200);
  CHECK(a.limits.duration == 10s);

  CHECK(b.env == std::map<std::string, std::string>{{"TZ", "UTC"}, {"LANG", "de_DE.UTF-8"}, {"EXTRA", "1"}});
  REQUIRE(b.backoff.has_value());
  CHECK(b.backoff->max == 1min);
  CHECK(b.backoff->jitter == 0);
  CHECK(b.backoff->factor == 3);
  CHECK(b.backoff->reset_after == 60s);
  CHECK(b.limits.cpu == 0);  // 0 turns the defaults' limit off
  CHECK(b.limits.memory == 1ull << 30);
  CHECK(b.limits.duration == 10s);

  CHECK_FALSE(c.backoff.has_value());  // `backoff: false` turns the defaults' off
}

TEST_CASE("loader: backoff true in a job over a defaults' backoff map keeps the map's values", "[loader][defaults]") {
  JobSpec job = job_of(R"(version: 1
defaults:
  backoff: {max: 2m}
jobs:
  - {id: a, args: [], backoff: true}
)");
  REQUIRE(job.backoff.has_value());
  CHECK(job.backoff->max == 2min);
}

TEST_CASE("loader: the command merges with the defaults as one unit", "[loader][defaults]") {
  auto fleet = fleet_of(R"(version: 1
defaults:
  options: [-hide_banner]
  outputs: [{address: "rtmp://out/{id}", options: [-c, copy, -f, flv]}]
jobs:
  - id: a
    inputs: [{address: "rtsp://cam-a"}]
  - id: b
    args: [-i, x, y]
  - id: c
    options: [-v, error]
    inputs: [{address: "rtsp://cam-c"}]
  - id: d
)");
  REQUIRE(fleet.jobs.size() == 4);
  CHECK(fleet.jobs[0].args == Args{"-hide_banner", "-i", "rtsp://cam-a", "-c", "copy", "-f", "flv", "rtmp://out/a"});
  CHECK(fleet.jobs[1].args == Args{"-i", "x", "y"});  // args: the defaults' structured form is ignored
  CHECK(fleet.jobs[2].args == Args{"-v", "error", "-i", "rtsp://cam-c", "-c", "copy", "-f", "flv", "rtmp://out/c"});
  CHECK(fleet.jobs[3].args == Args{"-hide_banner", "-c", "copy", "-f", "flv", "rtmp://out/d"});  // all from defaults
}

TEST_CASE("loader: defaults may give args, with placeholders", "[loader][defaults]") {
  auto fleet = fleet_of(R"(version: 1
defaults:
  args: [-i, "rtsp://cams/{id}", -f, flv, "rtmp://out/{id}"]
jobs:
  - id: north
  - id: south
  - id: east
    inputs: [{address: "rtsp://other"}]
)");
  REQUIRE(fleet.jobs.size() == 3);
  CHECK(fleet.jobs[0].args == Args{"-i", "rtsp://cams/north", "-f", "flv", "rtmp://out/north"});
  CHECK(fleet.jobs[1].args == Args{"-i", "rtsp://cams/south", "-f", "flv", "rtmp://out/south"});
  CHECK(fleet.jobs[2].args == Args{"-i", "rtsp://other"});  // a structured job ignores the defaults' args
}

TEST_CASE("loader: instances expand into <id>-0 ... <id>-<N-1> with {index} and {id}", "[loader][instances]") {
  auto fleet = fleet_of(R"(version: 1
defaults:
  cwd: "/srv/{id}"
jobs:
  - id: before
    args: ["{index}"]
  - id: worker
    instances: 3
    binary: "/opt/{id}/bin"
    args: [-i, "udp://239.0.0.{index}:1234", "-metadata", "title={id}", "%{pts}", "{other}"]
    env: {SLOT: "{index}", NAME: "{id}-x"}
    inherit_env: [PATH]
  - id: after
    args: ["{id}:{index}"]
)");
  REQUIRE(fleet.jobs.size() == 5);
  std::vector<std::string> ids;
  for (const auto& j : fleet.jobs) ids.push_back(j.id);
  CHECK(ids == Args{"before", "worker-0", "worker-1", "worker-2", "after"});

  const JobSpec& w2 = fleet.jobs[3];
  CHECK(w2.binary == "/opt/worker-2/bin");
  CHECK(w2.args == Args{"-i", "udp://239.0.0.2:1234", "-metadata", "title=worker-2", "%{pts}", "{other}"});
  CHECK(w2.env == std::map<std::string, std::string>{{"SLOT", "2"}, {"NAME", "worker-2-x"}});
  CHECK(w2.cwd == "/srv/worker-2");
  CHECK(w2.pos.line == 7);
  CHECK(fleet.jobs[1].args[1] == "udp://239.0.0.0:1234");

  // With one instance the id is as written and {index} is 0.
  CHECK(fleet.jobs[0].args == Args{"0"});
  CHECK(fleet.jobs[0].cwd == "/srv/before");
  CHECK(fleet.jobs[4].args == Args{"after:0"});
}

TEST_CASE("loader: instances: 1 is the entry itself", "[loader][instances]") {
  JobSpec job = job_of("version: 1\njobs:\n  - {id: solo, instances: 1, args: ['{id}-{index}']}\n");
  CHECK(job.id == "solo");
  CHECK(job.args == Args{"solo-0"});
}

TEST_CASE("loader: YAML anchors and aliases work", "[loader]") {
  auto fleet = fleet_of(R"(version: 1
jobs:
  - id: a
    args: &common [-i, "rtsp://{id}"]
  - id: b
    args: *common
)");
  REQUIRE(fleet.jobs.size() == 2);
  CHECK(fleet.jobs[1].args == Args{"-i", "rtsp://b"});
}

TEST_CASE("loader: load_job_file reads a file and names it in the fleet and in errors", "[loader]") {
  char path[] = "/tmp/ffleet-loader-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "version: 1\njobs:\n  - {id: a, args: []}\n";
  }
  auto ok = ffleet::load_job_file(path);
  REQUIRE(ok.ok());
  CHECK(ok.fleet->path == path);
  CHECK(ok.fleet->jobs.at(0).pos.file == path);
  {
    std::ofstream out(path);
    out << "version: 2\njobs: []\n";
  }
  auto bad = ffleet::load_job_file(path);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() == std::string(path) + ":1:10: \"version\" must be 1, got \"2\"");
  std::remove(path);

  auto missing = ffleet::load_job_file("/nonexistent/jobs.yaml");
  CHECK_FALSE(missing.ok());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].to_string() == "/nonexistent/jobs.yaml: cannot read: No such file or directory");
  auto directory = ffleet::load_job_file("/tmp");
  REQUIRE(directory.errors.size() == 1);
  CHECK(directory.errors[0].to_string() == "/tmp: cannot read: Is a directory");
}

TEST_CASE("loader: log_file with {id} in the defaults gives each job its own file, rotation by size", "[loader][log_file]") {
  auto fleet = fleet_of(R"(version: 1
defaults:
  log_file: "/var/log/ffleet/{id}.log"
  log_max_size: 1MiB
jobs:
  - id: cam
    instances: 2
    args: []
  - id: quiet
    args: []
    log_keep: 0
  - id: plain
    args: []
    log_file: /tmp/plain.log
    log_max_size: 0
)");
  REQUIRE(fleet.jobs.size() == 4);
  CHECK(fleet.jobs[0].log_file == "/var/log/ffleet/cam-0.log");
  CHECK(fleet.jobs[1].log_file == "/var/log/ffleet/cam-1.log");
  CHECK(fleet.jobs[0].log_max_size == 1024 * 1024);
  CHECK(fleet.jobs[0].log_keep == 5);
  CHECK(fleet.jobs[2].log_keep == 0);
  CHECK(fleet.jobs[3].log_file == "/tmp/plain.log");
  CHECK(fleet.jobs[3].log_max_size == 0);
  // Without log_file: no file, the built-in rotation values.
  auto none = job_of("version: 1\njobs:\n  - {id: a, args: []}\n");
  CHECK(none.log_file.empty());
  CHECK(none.log_max_size == 10 * 1024 * 1024);
  CHECK(none.log_keep == 5);
}

TEST_CASE("loader: node and node_labels, from defaults or the job, placeholders expanded", "[loader][cluster]") {
  auto fleet = fleet_of(R"(version: 1
defaults:
  node_labels: {gpu: nvenc}
jobs:
  - {id: a, args: []}
  - {id: b, args: [], node: n2, node_labels: {}}
)");
  REQUIRE(fleet.jobs.size() == 2);
  CHECK(fleet.jobs[0].node.empty());
  CHECK(fleet.jobs[0].node_labels == std::map<std::string, std::string>{{"gpu", "nvenc"}});
  CHECK(fleet.jobs[1].node == "n2");
  CHECK(fleet.jobs[1].node_labels.empty());
  // Where a job runs is not what it runs: a single node does not restart it.
  CHECK(fleet.jobs[0] == JobSpec(fleet.jobs[0]));
  JobSpec moved = fleet.jobs[0];
  moved.node = "n3";
  CHECK(moved == fleet.jobs[0]);
  CHECK_FALSE(ffleet::same_job_and_placement(moved, fleet.jobs[0]));
}
