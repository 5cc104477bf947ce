// The loader on broken files: every kind of mistake, with its exact message
// and position (FILE:LINE:COL, 1-based), and never a fleet.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/loader.hpp"
#include "tests/config/load_text.hpp"

using ffleet_test::errors_of;
using ffleet_test::Lines;

TEST_CASE("errors: five different mistakes in one file are all reported, in file order", "[loader][errors]") {
  Lines errors = errors_of(R"(version: 1
jobs:
  - id: cam-1
    args: [-i, "rtsp://cam1/stream", -c, copy, -f, flv, "rtmp://out/cam1"]
    stale_timout: 10s
    reconnect: yes please
  - id: cam-2
    args: [-i, "rtsp://cam2/stream", -c, copy, -f, flv, "rtmp://out/cam2"]
    reconnect_delay: 5x
    limits: {memory: 512M}
  - id: cam-1
    args: []
)");
  CHECK(errors == Lines{
      "jobs.yaml:5:5: unknown key \"stale_timout\" in job \"cam-1\" (did you mean \"stale_timeout\"?)",
      "jobs.yaml:6:16: \"reconnect\" must be true or false, got \"yes please\"",
      "jobs.yaml:9:22: \"reconnect_delay\": bad duration \"5x\": expected a number with a unit such as 250ms, 5s, 2m, 1h",
      "jobs.yaml:10:22: \"memory\": bad size \"512M\": expected a number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB, such as 512MiB",
      "jobs.yaml:11:9: duplicate id \"cam-1\" (first declared on line 3)",
  });
}

TEST_CASE("errors: ConfigError carries file, 1-based line and column, and the message", "[loader][errors]") {
  auto result = ffleet::load_job_text("version: 1\njobs:\n  - {id: a, args: [], reconnect: maybe}\n", "f.yaml");
  CHECK_FALSE(result.ok());
  REQUIRE(result.errors.size() == 1);
  const ffleet::ConfigError& e = result.errors[0];
  CHECK(e.file == "f.yaml");
  CHECK(e.line == 3);
  CHECK(e.col == 34);
  CHECK(e.message == "\"reconnect\" must be true or false, got \"maybe\"");
  CHECK(e.to_string() == "f.yaml:3:34: \"reconnect\" must be true or false, got \"maybe\"");
  CHECK(ffleet::ConfigError{"f.yaml", 0, 0, "cannot read: x"}.to_string() == "f.yaml: cannot read: x");
}

TEST_CASE("errors: unknown keys, with a suggestion when one is close", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: cam-1
    args: []
    stale_timout: 10s
    backof: true
    xyzzy: 1
    Binary: ffmpeg
)") == Lines{
      "jobs.yaml:5:5: unknown key \"stale_timout\" in job \"cam-1\" (did you mean \"stale_timeout\"?)",
      "jobs.yaml:6:5: unknown key \"backof\" in job \"cam-1\" (did you mean \"backoff\"?)",
      "jobs.yaml:7:5: unknown key \"xyzzy\" in job \"cam-1\"",
      "jobs.yaml:8:5: unknown key \"Binary\" in job \"cam-1\" (did you mean \"binary\"?)",
  });
  CHECK(errors_of("version: 1\njob: []\n") == Lines{
      "jobs.yaml:1:1: missing \"jobs\" (a list of jobs; write \"jobs: []\" for none)",
      "jobs.yaml:2:1: unknown key \"job\" at the top level (did you mean \"jobs\"?)",
  });
  CHECK(errors_of("version: 1\ndefaults: {reconect: true}\njobs: []\n") == Lines{
      "jobs.yaml:2:12: unknown key \"reconect\" in defaults (did you mean \"reconnect\"?)",
  });
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: []
    limits: {cpu: 100, gpu: 1}
    backoff: {max: 1m, reset_afer: 1s}
  - id: b
    inputs: [{adress: z}]
)") == Lines{
      "jobs.yaml:5:24: unknown key \"gpu\" in limits of job \"a\" (did you mean \"cpu\"?)",
      "jobs.yaml:6:24: unknown key \"reset_afer\" in backoff of job \"a\" (did you mean \"reset_after\"?)",
      "jobs.yaml:8:14: input #1 of job \"b\" has no \"address\"",
      "jobs.yaml:8:15: unknown key \"adress\" in input #1 of job \"b\" (did you mean \"address\"?)",
  });
}

TEST_CASE("errors: a key given twice", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: []
    args: [x]
    env: {A: "1", A: "2"}
)") == Lines{
      "jobs.yaml:5:5: duplicate key \"args\" in job \"a\" (first on line 4)",
      "jobs.yaml:6:19: duplicate key \"A\" in env of job \"a\" (first on line 6)",
  });
}

TEST_CASE("errors: wrong types", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: cam-1
    args: [-i, x]
    reconnect: yes please
    autostart: [true]
    binary: {a: b}
    cwd:
    log_lines: lots
    timeout: [1]
    backoff: sometimes
    limits: 5
    env: [A]
    inherit_env: PATH
)") == Lines{
      "jobs.yaml:5:16: \"reconnect\" must be true or false, got \"yes please\"",
      "jobs.yaml:6:16: \"autostart\" must be true or false, got a list",
      "jobs.yaml:7:13: \"binary\" must be a string, got a map",
      "jobs.yaml:8:5: \"cwd\" must be a string, got nothing",
      "jobs.yaml:9:16: \"log_lines\" must be a whole number, got \"lots\"",
      "jobs.yaml:10:14: \"timeout\" must be a duration such as 5s, got a list",
      "jobs.yaml:11:14: \"backoff\" must be a map, true or false, got \"sometimes\"",
      "jobs.yaml:12:13: \"limits\" must be a map, got \"5\"",
      "jobs.yaml:13:10: \"env\" must be a map of names to values, got a list",
      "jobs.yaml:14:18: \"inherit_env\" must be a list of strings, got \"PATH\"",
  });
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: "-i x"
  - id: b
    args: [-i, [x], -f, null, "-"]
  - id: c
    limits: {cpu: lots, memory: [1]}
    args: []
)") == Lines{
      "jobs.yaml:4:11: \"args\" must be a list of strings, got \"-i x\"",
      "jobs.yaml:6:16: items of \"args\" must be strings, got a list",
      "jobs.yaml:6:25: items of \"args\" must be strings, got null (quote it to pass the word: \"null\")",
      "jobs.yaml:8:19: \"cpu\" must be a number, got \"lots\"",
      "jobs.yaml:8:33: \"memory\" must be a size such as 512MiB, got a list",
  });
}

TEST_CASE("errors: bad durations and sizes", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: []
    reconnect_delay: 5x
    stop_timeout: -5s
    stale_timeout: 30s1m
    restart_window: ""
    limits: {memory: 512M, duration: 1.5ms}
    backoff: {max: 1y}
)") == Lines{
      "jobs.yaml:5:22: \"reconnect_delay\": bad duration \"5x\": expected a number with a unit such as 250ms, 5s, 2m, 1h",
      "jobs.yaml:6:19: \"stop_timeout\": bad duration \"-5s\": must not be negative",
      "jobs.yaml:7:20: \"stale_timeout\": bad duration \"30s1m\": units must go from largest to smallest, each at most once",
      "jobs.yaml:8:21: \"restart_window\": bad duration \"\": expected a number with a unit such as 250ms, 5s, 2m, 1h",
      "jobs.yaml:9:22: \"memory\": bad size \"512M\": expected a number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB, such as 512MiB",
      "jobs.yaml:9:38: \"duration\": bad duration \"1.5ms\": finer than a millisecond",
      "jobs.yaml:10:20: \"max\": bad duration \"1y\": expected a number with a unit such as 250ms, 5s, 2m, 1h",
  });
}

TEST_CASE("errors: negative and out-of-range numbers", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: []
    max_restarts: -1
    history: 10001
    log_lines: 1.5
    instances: 0
    limits: {cpu: -5, memory: -1KiB}
    backoff: {factor: 0.5, jitter: 1}
  - id: b
    args: []
    max_restarts: 4294967296
    instances: 1001
    backoff: {jitter: -0.1}
    log_lines: 0
    history: 0
)") == Lines{
      "jobs.yaml:5:19: \"max_restarts\" must not be negative, got \"-1\"",
      "jobs.yaml:6:14: \"history\" must be between 1 and 10000, got \"10001\"",
      "jobs.yaml:7:16: \"log_lines\" must be a whole number, got \"1.5\"",
      "jobs.yaml:8:16: \"instances\" must be between 1 and 1000, got \"0\"",
      "jobs.yaml:9:19: \"cpu\" must not be negative, got \"-5\"",
      "jobs.yaml:9:31: \"memory\": bad size \"-1KiB\": must not be negative",
      "jobs.yaml:10:23: \"factor\" must be at least 1, got \"0.5\"",
      "jobs.yaml:10:36: \"jitter\" must be less than 1, got \"1\"",
      "jobs.yaml:13:19: \"max_restarts\" must be at most 4294967295, got \"4294967296\"",
      "jobs.yaml:14:16: \"instances\" must be between 1 and 1000, got \"1001\"",
      "jobs.yaml:15:23: \"jitter\" must not be negative, got \"-0.1\"",
      "jobs.yaml:16:16: \"log_lines\" must be between 1 and 1000000, got \"0\"",
      "jobs.yaml:17:14: \"history\" must be between 1 and 10000, got \"0\"",
  });
}

TEST_CASE("errors: bad and missing ids", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: cam 1
    args: []
  - id: -cam
    args: []
  - id: ""
    args: []
  - args: []
  - id: [a]
    args: []
  - id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    args: []
  - id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    instances: 10
    args: []
  - cam-1
  - id: ok
    args: []
    stale_timout: 1s
)") == Lines{
      "jobs.yaml:3:9: bad id \"cam 1\": use only letters, digits, '.', '_' and '-'",
      "jobs.yaml:5:9: bad id \"-cam\": it must start with a letter or a digit",
      "jobs.yaml:7:9: bad id \"\": it is empty",
      "jobs.yaml:9:5: job #4 has no \"id\"",
      "jobs.yaml:10:9: \"id\" must be a string, got a list",
      "jobs.yaml:12:9: bad id \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": longer than 64 characters",
      "jobs.yaml:14:9: bad id \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-0\" made by \"instances\": longer than 64 characters",
      "jobs.yaml:17:5: job #8 must be a map with \"id\" and a command, got \"cam-1\"",
      "jobs.yaml:20:5: unknown key \"stale_timout\" in job \"ok\" (did you mean \"stale_timeout\"?)",
  });
  // The longest id allowed: 64 characters.
  CHECK(ffleet_test::job_of("version: 1\njobs:\n  - id: " + std::string(64, 'a') + "\n    args: []\n").id.size() == 64);
}

TEST_CASE("errors: an entry without an id is named by its number", "[loader][errors]") {
  CHECK(errors_of("version: 1\njobs:\n  - {args: [], reconect: true}\n") == Lines{
      "jobs.yaml:3:5: job #1 has no \"id\"",
      "jobs.yaml:3:16: unknown key \"reconect\" in job #1 (did you mean \"reconnect\"?)",
  });
}

TEST_CASE("errors: duplicate ids name the first declaration's line, instances included", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: cam
    instances: 2
    args: []
  - id: cam-1
    args: []
  - id: x
    args: []
  - id: x
    args: []
  - id: x
    args: []
)") == Lines{
      "jobs.yaml:6:9: duplicate id \"cam-1\" (first declared on line 3)",
      "jobs.yaml:10:9: duplicate id \"x\" (first declared on line 8)",
      "jobs.yaml:12:9: duplicate id \"x\" (first declared on line 8)",
  });
}

TEST_CASE("errors: the command: both forms, neither, broken structured form", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: [-i, x]
    inputs: [{address: y}]
  - id: b
    outputs: [{address: y}]
    args: [-i, x]
  - id: c
    options: [-v]
  - id: d
    inputs: ["rtsp://x", {options: [-re]}, {address: ""}]
    outputs: {address: y}
  - id: e
    autostart: false
)") == Lines{
      "jobs.yaml:5:5: both \"args\" and \"inputs\" in job \"a\": use one form or the other",
      "jobs.yaml:8:5: both \"args\" and \"outputs\" in job \"b\": use one form or the other",
      "jobs.yaml:9:5: job \"c\" has no command: give args or inputs/outputs",
      "jobs.yaml:12:14: input #1 of job \"d\" must be a map with \"address\" and \"options\", got \"rtsp://x\"",
      "jobs.yaml:12:26: input #2 of job \"d\" has no \"address\"",
      "jobs.yaml:12:54: \"address\" must not be empty",
      "jobs.yaml:13:14: \"outputs\" must be a list, got a map",
      "jobs.yaml:14:5: job \"e\" has no command: give args or inputs/outputs",
  });
}

TEST_CASE("errors: one mistake, one message: a broken field is not also a missing command", "[loader][errors]") {
  CHECK(errors_of("version: 1\njobs:\n  - {id: a, args: \"-i x\"}\n") == Lines{
      "jobs.yaml:3:19: \"args\" must be a list of strings, got \"-i x\"",
  });
}

TEST_CASE("errors: version missing, wrong, or the file not a job file at all", "[loader][errors]") {
  CHECK(errors_of("jobs: []\n") == Lines{"jobs.yaml:1:1: missing \"version\" (add \"version: 1\")"});
  CHECK(errors_of("version: 2\njobs: []\n") == Lines{"jobs.yaml:1:10: \"version\" must be 1, got \"2\""});
  CHECK(errors_of("version: \"1.0\"\njobs: []\n") == Lines{"jobs.yaml:1:10: \"version\" must be 1, got \"1.0\""});
  CHECK(errors_of("version:\njobs: []\n") == Lines{"jobs.yaml:1:1: \"version\" must be 1, got nothing"});
  CHECK(errors_of("") == Lines{"jobs.yaml:1:1: the file is empty: a job file needs \"version: 1\" and \"jobs:\""});
  CHECK(errors_of("# nothing\n") == Lines{"jobs.yaml:1:1: the file is empty: a job file needs \"version: 1\" and \"jobs:\""});
  CHECK(errors_of("- version: 1\n") == Lines{"jobs.yaml:1:1: a job file must be a map with \"version\" and \"jobs\", got a list"});
  CHECK(errors_of("hello\n") == Lines{"jobs.yaml:1:1: a job file must be a map with \"version\" and \"jobs\", got \"hello\""});
  CHECK(errors_of("version: 1\njobs: []\n---\nversion: 1\n") == Lines{
      "jobs.yaml:3:1: more than one YAML document: put all jobs in one"});
}

TEST_CASE("errors: jobs and defaults of the wrong shape", "[loader][errors]") {
  CHECK(errors_of("version: 1\njobs: {}\n") == Lines{"jobs.yaml:2:7: \"jobs\" must be a list, got a map"});
  CHECK(errors_of("version: 1\ndefaults: [1]\njobs: 5\n") == Lines{
      "jobs.yaml:2:11: \"defaults\" must be a map, got a list",
      "jobs.yaml:3:7: \"jobs\" must be a list, got \"5\"",
  });
  CHECK(errors_of("version: 1\njobs:\n  - [a]\n") == Lines{
      "jobs.yaml:3:5: job #1 must be a map with \"id\" and a command, got a list"});
}

TEST_CASE("errors: what defaults cannot hold", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
defaults:
  id: x
  instances: 3
  args: []
  inputs: [{address: a}]
jobs:
  - id: a
)") == Lines{
      "jobs.yaml:3:3: \"id\" cannot be set in defaults",
      "jobs.yaml:4:3: \"instances\" cannot be set in defaults",
      "jobs.yaml:6:3: both \"args\" and \"inputs\" in defaults: use one form or the other",
  });
}

TEST_CASE("errors: env and inherit_env names and values", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: []
    env: {B:, 1X: y, OK: [1]}
    inherit_env: [PATH, "BAD-NAME"]
)") == Lines{
      "jobs.yaml:5:11: env \"B\" has no value (write B: \"\" for an empty one)",
      "jobs.yaml:5:15: bad environment variable name \"1X\": use letters, digits and '_', not starting with a digit",
      "jobs.yaml:5:26: \"OK\" must be a string, got a list",
      "jobs.yaml:6:25: bad environment variable name \"BAD-NAME\": use letters, digits and '_', not starting with a digit",
  });
}

TEST_CASE("errors: across fields", "[loader][errors]") {
  CHECK(errors_of(R"(version: 1
jobs:
  - id: a
    args: []
    reconnect_delay: 10s
    backoff: {max: 5s}
  - id: b
    binary: ""
    args: []
)") == Lines{
      "jobs.yaml:3:5: backoff max 5s is shorter than reconnect_delay 10s in job \"a\"",
      "jobs.yaml:8:13: \"binary\" must not be empty",
  });
}

TEST_CASE("errors: YAML syntax errors get the same form, from the parser's position", "[loader][errors]") {
  CHECK(errors_of("version: 1\njobs:\n  - id: a\n    args: [x, y\n  - id: b\n") == Lines{
      "jobs.yaml:5:7: invalid YAML: end of sequence flow not found"});
  CHECK(errors_of("version: 1\njobs:\n  - id: a\n    args: []\n   bad_indent: 1\n") == Lines{
      "jobs.yaml:5:4: invalid YAML: end of sequence not found"});
  CHECK(errors_of("a: b: c\n") == Lines{"jobs.yaml:1:5: invalid YAML: illegal map value"});
  CHECK(errors_of("version: 1\njobs: *nowhere\n") == Lines{
      "jobs.yaml:2:7: invalid YAML: the referenced anchor is not defined"});
  CHECK(errors_of("version: 1\njobs:\n  - id: a\n    args: []\n    [x]: 1\n") == Lines{
      "jobs.yaml:5:5: keys must be plain names in job \"a\", got a list"});
}

TEST_CASE("errors: hostile input never crashes", "[loader][errors]") {
  std::string deep(5000, '[');
  CHECK_FALSE(ffleet_test::load("version: 1\njobs: " + deep + "\n").ok());
  CHECK_FALSE(ffleet_test::load(std::string("version: 1\0jobs: []\n", 20)).ok());
  CHECK_FALSE(ffleet_test::load("\xff\xfe\x00garbage").ok());
  CHECK_FALSE(ffleet_test::load("version: 1\njobs:\n  - &a {id: x, args: []}\n  - *a\n").ok());  // duplicate id
}

TEST_CASE("errors: a log_file shared by two jobs, empty, a folder, or a bad rotation", "[loader][errors][log_file]") {
  Lines errors = errors_of(R"(version: 1
defaults:
  log_file: /var/log/ffleet/all.log
jobs:
  - id: a
    args: []
  - id: b
    args: []
  - id: c
    args: []
    log_file: ""
  - id: d
    args: []
    log_file: /var/log/ffleet/
    log_max_size: big
    log_keep: -1
)");
  CHECK(errors == Lines{
      "jobs.yaml:7:9: log_file \"/var/log/ffleet/all.log\" of job \"b\" is already the log file of job \"a\": put {id} in the path",
      "jobs.yaml:11:15: \"log_file\" must not be empty (leave it out for none)",
      "jobs.yaml:14:15: \"log_file\" names a folder: give a file name, e.g. \"/var/log/ffleet/{id}.log\"",
      "jobs.yaml:15:19: \"log_max_size\": bad size \"big\": expected a number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB, such as 512MiB",
      "jobs.yaml:16:15: \"log_keep\" must not be negative, got \"-1\"",
  });
}

TEST_CASE("loader errors: a bad node name and node_labels that are not a map", "[loader][cluster]") {
  auto errors = ffleet_test::errors_of(R"(version: 1
jobs:
  - {id: a, args: [], node: "bad name"}
  - {id: b, args: [], node_labels: [gpu]}
)");
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].rfind("jobs.yaml:3:", 0) == 0);
  CHECK(errors[0].find("bad node name") != std::string::npos);
  CHECK(errors[1].rfind("jobs.yaml:4:", 0) == 0);
  CHECK(errors[1].find("\"node_labels\" must be a map") != std::string::npos);
}
