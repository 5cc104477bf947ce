// The small pure pieces of the control plane: HOST:PORT parsing and the
// loopback rule, the token, and what ctl prints for people.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/control/host_port.hpp"
#include "app/nodes_table.hpp"
#include "app/report_text.hpp"
#include "app/status_table.hpp"
#include "src/control/token.hpp"

using namespace ffleet;

TEST_CASE("host_port: IPv4, names, bracketed IPv6, port 0, and errors that say why", "[control]") {
  std::string error;
  auto a = parse_host_port("127.0.0.1:7400", &error);
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 7400);
  CHECK(a->to_string() == "127.0.0.1:7400");
  auto b = parse_host_port("[::1]:0", &error);
  REQUIRE(b);
  CHECK(b->host == "::1");
  CHECK(b->port == 0);
  CHECK(b->to_string() == "[::1]:0");
  CHECK(parse_host_port("localhost:80", &error)->host == "localhost");
  for (auto bad : {"", "7400", ":7400", "host:", "host:65536", "host:12x", "::1:7400", "[::1]7400"}) {
    INFO(bad);
    CHECK_FALSE(parse_host_port(bad, &error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("host_port: only what cannot leave the machine is loopback", "[control]") {
  for (auto h : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) CHECK(is_loopback(h));
  for (auto h : {"0.0.0.0", "::", "", "192.168.1.10", "10.0.0.1", "example.com", "128.0.0.1", "::ffff:127.0.0.1x"})
    CHECK_FALSE(is_loopback(h));
}

TEST_CASE("token: from a file (trimmed), else FFLEET_TOKEN, equal only when equal", "[control]") {
  auto dir = std::filesystem::temp_directory_path() / ("ffleet-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "t").string()) << "  abc123\n";
  std::ofstream((dir / "empty").string()) << "\n";
  std::string error;
  CHECK(load_token((dir / "t").string(), &error) == std::optional<std::string>("abc123"));
  CHECK_FALSE(load_token((dir / "empty").string(), &error));
  CHECK(error.find("empty") != std::string::npos);
  CHECK_FALSE(load_token((dir / "absent").string(), &error));
  CHECK(error.find("cannot read") != std::string::npos);
  ::setenv("FFLEET_TOKEN", "from-env", 1);
  CHECK(load_token("", &error) == std::optional<std::string>("from-env"));
  ::unsetenv("FFLEET_TOKEN");
  CHECK(load_token("", &error) == std::optional<std::string>(""));
  std::filesystem::remove_all(dir);

  CHECK(tokens_equal("secret", "secret"));
  CHECK_FALSE(tokens_equal("secret", "secreT"));
  CHECK_FALSE(tokens_equal("secret", "secret2"));
  CHECK_FALSE(tokens_equal("secret", ""));
}

TEST_CASE("status table: a header, one row per job, the last line cut to the width", "[control]") {
  auto jobs = nlohmann::json::parse(R"([
    {"id":"cam-1","state":"running","order":"start","pid":4242,"uptime_s":3725,"cpu_percent":12.5,
     "memory_bytes":12345678,"restarts":2,"reconnect_in_s":null,"gave_up":false,
     "progress":{"fps":25.0,"speed":1.0},"last_line":"a very long last line that goes on and on\tand on"},
    {"id":"idle","state":"failed","order":"start","pid":null,"uptime_s":0,"cpu_percent":0,"memory_bytes":0,
     "restarts":0,"reconnect_in_s":4.2,"gave_up":false,"progress":null,"last_line":""}])");
  auto text = format_status_table(jobs, 0);
  std::istringstream in(text);
  std::vector<std::string> rows;
  for (std::string l; std::getline(in, l);) rows.push_back(l);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].rfind("ID", 0) == 0);
  CHECK(rows[1].find("cam-1") == 0);
  CHECK(rows[1].find("4242") != std::string::npos);
  CHECK(rows[1].find("1h02m") != std::string::npos);
  CHECK(rows[1].find("25.0") != std::string::npos);
  CHECK(rows[1].find("1.00x") != std::string::npos);
  CHECK(rows[1].find("12.5%") != std::string::npos);
  CHECK(rows[1].find("12M") != std::string::npos);
  CHECK(rows[1].find("goes on and on and on") != std::string::npos);  // the tab became a space
  CHECK(rows[2].find("failed (retry 5s)") != std::string::npos);
  CHECK(rows[1].find('|') == std::string::npos);

  auto narrow = format_status_table(jobs, 100);
  std::istringstream in2(narrow);
  for (std::string l; std::getline(in2, l);) {
    size_t columns = 0;
    for (unsigned char c : l) columns += (c & 0xC0) != 0x80;
    CHECK(columns <= 100);
  }
  CHECK(narrow.find("…") != std::string::npos);
}

TEST_CASE("status table: a cluster's status gets a NODE column, pending where no node runs the job", "[control]") {
  auto jobs = nlohmann::json::parse(R"([
    {"id":"cam-1","node":"n2","placement":null,"state":"running","order":"start","pid":4242,"uptime_s":5,
     "cpu_percent":1,"memory_bytes":1,"restarts":0,"progress":null,"last_line":"x"},
    {"id":"gpu-1","node":null,"placement":"no node has label gpu=nvenc","state":"finished","order":"start",
     "pid":null,"uptime_s":0,"cpu_percent":0,"memory_bytes":0,"restarts":0,"progress":null,"last_line":""}])");
  std::istringstream in(format_status_table(jobs, 0));
  std::vector<std::string> rows;
  for (std::string l; std::getline(in, l);) rows.push_back(l);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].rfind("ID     NODE     STATE", 0) == 0);
  CHECK(rows[1].rfind("cam-1  n2       running", 0) == 0);
  CHECK(rows[2].rfind("gpu-1  pending  finished", 0) == 0);
  // A single node's status has no such column.
  jobs[0].erase("node");
  jobs[1].erase("node");
  CHECK(format_status_table(jobs, 0).find("NODE") == std::string::npos);
}

TEST_CASE("human forms of durations and sizes", "[control]") {
  CHECK(human_duration(0) == "0.00s");
  CHECK(human_duration(0.93) == "0.93s");
  CHECK(human_duration(9.999) == "9.99s");
  CHECK(human_duration(10) == "10s");
  CHECK(human_duration(59.9) == "59s");
  CHECK(human_duration(61) == "1m01s");
  CHECK(human_duration(3600) == "1h00m");
  CHECK(human_duration(90061) == "1d01h");
  CHECK(human_bytes(512) == "512B");
  CHECK(human_bytes(1536) == "1.5K");
  CHECK(human_bytes(12345678) == "12M");
}

TEST_CASE("logs and reports as text", "[control]") {
  auto log = nlohmann::json::parse(R"([{"ts":"2026-11-26T13:00:00.123456Z","text":"hello"}])");
  CHECK(format_log(log) == "2026-11-26T13:00:00.123456Z  hello\n");
  CHECK(format_reports(nlohmann::json::array()) == "no finished runs yet\n");
  auto reports = nlohmann::json::parse(R"([{"run":3,"started":"2026-11-26T13:00:00.000000Z",
    "ended":"2026-11-26T13:00:12.500000Z","runtime_s":12.5,"exit_state":"failed","exit_code":1,"signal":null,
    "reason":"exit code 1","last_progress":{"frame":10,"fps":25,"q":28,"size_bytes":2048,"time_s":0.4,
    "bitrate_kbps":170,"speed":1,"dup":0,"drop":0},"prelude":["ffmpeg version x"],
    "log":[{"ts":"2026-11-26T13:00:12.400000Z","text":"Conversion failed!"}],
    "levels":{"error":1,"info":0},"usage":{"cpu_max":50,"cpu_avg":25,"memory_max":1048576,"memory_avg":524288}}])");
  auto text = format_reports(reports);
  CHECK(text.rfind("run 3: failed (exit code 1)\n", 0) == 0);  // the reason is the ending: said once
  CHECK(text.find("ran 12s") != std::string::npos);
  auto quick = format_reports(nlohmann::json::parse(R"([{"run":1,"runtime_s":0.93,"exit_state":"killed",
    "signal":2,"reason":"stopped by operator"}])"));
  CHECK(quick.rfind("run 1: killed (signal 2), stopped by operator\n", 0) == 0);
  CHECK(quick.find("ran 0.93s") != std::string::npos);
  CHECK(text.find("last progress: frame=10 fps=25.0") != std::string::npos);
  CHECK(text.find("cpu max 50.0% avg 25.0%, memory max 1.0M avg 512K") != std::string::npos);
  CHECK(text.find("lines by level: error=1\n") != std::string::npos);
  CHECK(text.find("    ffmpeg version x\n") != std::string::npos);
  CHECK(text.find("Conversion failed!") != std::string::npos);
}

TEST_CASE("ctl nodes: one row per node, the leader starred, no capacity and no labels as -", "[ctl][cluster]") {
  auto nodes = nlohmann::json::parse(R"([
    {"name":"n1","address":"127.0.0.1:7401","state":"ready","leader":true,"jobs":4,"capacity":null,"labels":{}},
    {"name":"n2","address":"127.0.0.1:7402","state":"draining","leader":false,"jobs":0,"capacity":10,"labels":{"gpu":"nvenc"}}])");
  auto text = ffleet::format_nodes_table(nodes);
  CHECK(text ==
        "NAME  STATE     LEADER  JOBS  CAPACITY  ADDRESS         LABELS\n"
        "n1    ready     *       4     -         127.0.0.1:7401  -\n"
        "n2    draining          0     10        127.0.0.1:7402  gpu=nvenc\n");
}
