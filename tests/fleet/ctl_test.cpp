// `ffleet ctl` against a real daemon: every command of docs/control.md in
// text and JSON, unknown jobs, an unreachable, frozen or dying daemon, and
// the token.
#include "control_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace ffleet::test;

namespace {

const std::vector<std::string> spec_keys = {"id",    "state",          "order",   "pid",         "run",
                                            "since", "duration_s",     "states",  "reconnect_in_s",
                                            "gave_up", "cpu_percent",  "memory_bytes", "progress", "last_line"};

struct Fleet {
  ScratchDir dir;
  std::string file;
  Daemon daemon;
  uint16_t port;

  explicit Fleet(const std::string& name, const std::string& extra_jobs = "", std::vector<std::string> extra = {})
      : dir(name),
        file(dir.write("jobs.yaml", fake_fleet(extra_jobs))),
        daemon(dir, file, std::move(extra), "127.0.0.1:0"),
        port(listening_port(daemon, "control")) {
    daemon.wait_event(running("cam-1"));
    daemon.wait_event(running("cam-2"));
  }

  Finished ctl(std::vector<std::string> words, const std::vector<std::string>& env = {}) {
    return ffleet::test::ctl(dir, port, std::move(words), env);
  }

  Json status(const std::string& id) {
    auto r = ctl({"status", id, "--json"});
    REQUIRE(r.code == 0);
    return Json::parse(r.out);
  }
};

}  // namespace

TEST_CASE("ctl status: a table for people and the spec's JSON for scripts", "[fleet][ctl]") {
  Fleet f("ctl-status");
  // Progress arrives every 100 ms: wait until the table has numbers to show.
  REQUIRE(eventually([&] { return f.status("cam-1")["progress"].is_object(); }));

  auto table = f.ctl({"status"});
  REQUIRE(table.code == 0);
  auto rows = lines_of(table.out);
  REQUIRE(rows.size() == 4);
  for (auto column : {"ID", "STATE", "ORDER", "PID", "UPTIME", "FPS", "SPEED", "CPU", "MEM", "RESTARTS", "LAST LINE"})
    CHECK(rows[0].find(column) != std::string::npos);
  CHECK(rows[1].rfind("cam-1", 0) == 0);
  CHECK(rows[1].find("running") != std::string::npos);
  CHECK(rows[1].find("start") != std::string::npos);
  CHECK(rows[1].find("x") != std::string::npos);  // speed, e.g. "1.00x"
  CHECK(rows[3].rfind("idle", 0) == 0);
  CHECK(rows[3].find("finished") != std::string::npos);

  // Not a terminal here, so COLUMNS decides; the last line is cut to fit.
  auto cut = ffleet::test::ctl(f.dir, f.port, {"status"}, {"COLUMNS=90"});
  bool some_cut = false;
  for (auto& row : lines_of(cut.out)) {
    size_t columns = 0;
    for (unsigned char c : row) columns += (c & 0xC0) != 0x80;
    CHECK(columns <= 90);
    some_cut = some_cut || row.find("…") != std::string::npos;
  }
  CHECK(some_cut);  // the progress lines are longer than what is left

  auto all = f.ctl({"status", "--json"});
  REQUIRE(all.code == 0);
  auto array = Json::parse(all.out);
  REQUIRE(array.is_array());
  REQUIRE(array.size() == 3);
  for (auto& job : array)
    for (auto& key : spec_keys) CHECK(job.contains(key));
  CHECK(array[0]["id"] == "cam-1");
  CHECK(array[0]["state"] == "running");
  CHECK(array[0]["order"] == "start");
  CHECK(array[0]["pid"].is_number());
  CHECK(array[0]["states"]["running"] == 1);
  CHECK(array[2]["id"] == "idle");
  CHECK(array[2]["pid"].is_null());
  CHECK(array[2]["order"] == "stop");

  auto one = f.status("cam-2");
  CHECK(one.is_object());
  CHECK(one["id"] == "cam-2");
  for (auto& key : spec_keys) CHECK(one.contains(key));
  CHECK(process_alive(one["pid"].get<int>()));
}

TEST_CASE("ctl: an unknown job is a clear message and exit 1", "[fleet][ctl]") {
  Fleet f("ctl-unknown");
  for (auto cmd : {"status", "start", "stop", "restart", "kill", "logs", "report"}) {
    auto r = f.ctl({cmd, "nope"});
    CHECK(r.code == 1);
    CHECK(r.err.find("unknown job \"nope\"") != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("ctl stop, start, kill, restart change the fleet as the spec says", "[fleet][ctl]") {
  Fleet f("ctl-commands");

  auto stop = f.ctl({"stop", "cam-1"});
  CHECK(stop.code == 0);
  CHECK(stop.out == "cam-1: stopped\n");  // stop waits for the exit
  auto stopped = f.status("cam-1");
  CHECK(stopped["order"] == "stop");
  CHECK(stopped["pid"].is_null());

  auto start = f.ctl({"start", "cam-1"});
  CHECK(start.code == 0);
  CHECK(start.out.rfind("cam-1: ", 0) == 0);
  f.daemon.wait_event(running("cam-1", 2));

  int before = f.status("cam-2")["pid"];
  auto kill = f.ctl({"kill", "cam-2"});
  CHECK(kill.code == 0);
  f.daemon.wait_event(exited("cam-2"));
  f.daemon.wait_event(running("cam-2", 2));  // kill keeps the order: it reconnects
  CHECK(f.status("cam-2")["order"] == "start");
  CHECK_FALSE(process_alive(before));

  auto restart = f.ctl({"restart", "cam-2"});
  CHECK(restart.code == 0);
  f.daemon.wait_event(running("cam-2", 3));

  auto idle = f.ctl({"start", "idle"});
  CHECK(idle.code == 0);
  f.daemon.wait_event(running("idle", 1));

  auto usage = ffleet::test::ctl(f.dir, f.port, {"stop"});  // no id
  CHECK(usage.code == 2);
}

TEST_CASE("ctl logs and report: the job's lines and its run history", "[fleet][ctl]") {
  Fleet f("ctl-logs");
  REQUIRE(eventually([&] { return lines_of(f.ctl({"logs", "cam-1"}).out).size() >= 3; }));
  auto logs = f.ctl({"logs", "cam-1", "-n", "3"});
  REQUIRE(logs.code == 0);
  auto lines = lines_of(logs.out);
  CHECK(lines.size() == 3);
  for (auto& l : lines) CHECK(std::regex_search(l, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z  )")));
  auto more = f.ctl({"logs", "cam-1"});
  CHECK(more.out.find("ffmpeg version 6.0-fake") != std::string::npos);

  auto empty = f.ctl({"report", "cam-1"});
  CHECK(empty.code == 0);
  CHECK(empty.out == "no finished runs yet\n");

  REQUIRE(f.ctl({"stop", "cam-1"}).code == 0);
  auto report = f.ctl({"report", "cam-1"});
  CHECK(report.code == 0);
  CHECK(report.out.rfind("run 1: ", 0) == 0);
  CHECK(report.out.find("last progress: frame=") != std::string::npos);
  auto json = f.ctl({"report", "cam-1", "--json"});
  REQUIRE(json.code == 0);
  auto runs = Json::parse(json.out);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["run"] == 1);
  CHECK(runs[0]["last_progress"]["frame"].get<int>() > 0);
}

TEST_CASE("ctl reload: prints what changed, and for an invalid file every error with exit 2", "[fleet][ctl][reload]") {
  Fleet f("ctl-reload");
  f.dir.write("jobs.yaml", "version: 1\n"
                           "defaults:\n"
                           "  binary: " + helper("helper_fakeffmpeg") + "\n"
                           "  args: [\"--interval-ms\", \"100\"]\n"
                           "jobs:\n"
                           "  - id: cam-1\n"
                           "  - id: cam-2\n"
                           "    args: [\"--interval-ms\", \"200\"]\n"
                           "  - id: cam-3\n");
  auto r = f.ctl({"reload"});
  CHECK(r.code == 0);
  CHECK(r.out == "added: cam-3\nremoved: idle\nchanged: cam-1 cam-2\n");  // cam-1 lost its reconnect_delay
  f.daemon.wait_event(running("cam-3"));

  f.dir.write("jobs.yaml", "version: 1\njobs:\n  - id: bad\n    nonsense: 1\n  - id: bad\n");
  auto bad = f.ctl({"reload"});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("the fleet is unchanged") != std::string::npos);
  auto errors = lines_of(bad.err);
  CHECK(errors.size() >= 3);  // the summary, then one line per error
  for (size_t i = 1; i < errors.size(); ++i) CHECK(errors[i].find("jobs.yaml:") != std::string::npos);
  CHECK(Json::parse(f.ctl({"status", "--json"}).out).size() == 3);
}

TEST_CASE("ctl shutdown: the daemon stops every job and exits 0", "[fleet][ctl]") {
  Fleet f("ctl-shutdown");
  int pid = f.status("cam-1")["pid"];
  auto r = f.ctl({"shutdown"});
  CHECK(r.code == 0);
  CHECK(r.out == "shutting down\n");
  CHECK(f.daemon.wait_exit() == 0);
  CHECK_FALSE(process_alive(pid));
}

TEST_CASE("ctl: no daemon at the address is exit 1 within 3 s", "[fleet][ctl][unreachable]") {
  ScratchDir dir("ctl-nodaemon");
  // A port nobody listens on: bind one, note it, close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  auto r = ctl(dir, ntohs(addr.sin_port), {"status"});
  CHECK(r.code == 1);
  CHECK(r.err.find("cannot reach the daemon") != std::string::npos);
  CHECK(r.seconds < 3.0);
}

TEST_CASE("ctl: a frozen daemon (SIGSTOP) is exit 1, not a hang", "[fleet][ctl][unreachable]") {
  Fleet f("ctl-frozen");
  f.daemon.signal(SIGSTOP);
  auto r = f.ctl({"status"});
  f.daemon.signal(SIGCONT);
  CHECK(r.code == 1);
  CHECK(r.err.find("cannot reach the daemon") != std::string::npos);
  CHECK(r.seconds < 30.0);  // the 10 s connect limit, with room for a loaded machine
}

// The job ignores SIGINT, so `stop` waits its whole stop_timeout: the daemon
// can be frozen or killed while ctl waits for the answer.
static const std::string stubborn_job =
    "  - id: stubborn\n"
    "    binary: " + helper("helper_ignoresigint") + "\n"
    "    stop_timeout: 30s\n";

TEST_CASE("ctl: the daemon frozen mid-command is exit 1, not a hang", "[fleet][ctl][unreachable]") {
  Fleet f("ctl-frozen-mid", stubborn_job);
  auto started = f.daemon.wait_event(running("stubborn"));
  REQUIRE(eventually([&] { return ignores_signal(started["pid"].get<int>(), SIGINT); }));  // past its set-up
  std::thread freeze([&] {
    f.daemon.wait_event([](const Json& e) { return e["event"] == "state" && e["job"] == "stubborn" && e["to"] == "finishing"; });
    f.daemon.signal(SIGSTOP);
  });
  auto r = f.ctl({"stop", "stubborn"});
  freeze.join();
  f.daemon.signal(SIGCONT);
  CHECK(r.code == 1);
  CHECK(r.err.find("connection to the daemon was lost") != std::string::npos);
  CHECK(r.seconds < 50.0);  // at most two 11 s heartbeat ticks after the freeze; well below the 75 s reply limit
}

TEST_CASE("ctl: the daemon killed mid-command is exit 1 at once", "[fleet][ctl][unreachable]") {
  Fleet f("ctl-killed-mid", stubborn_job);
  auto started = f.daemon.wait_event(running("stubborn"));
  REQUIRE(eventually([&] { return ignores_signal(started["pid"].get<int>(), SIGINT); }));  // past its set-up
  std::thread kill([&] {
    f.daemon.wait_event([](const Json& e) { return e["event"] == "state" && e["job"] == "stubborn" && e["to"] == "finishing"; });
    f.daemon.signal(SIGKILL);
  });
  auto r = f.ctl({"stop", "stubborn"});
  kill.join();
  CHECK(r.code == 1);
  CHECK(r.err.find("connection to the daemon was lost") != std::string::npos);
  CHECK(r.seconds < 3.0);
}

TEST_CASE("ctl with a token: missing or wrong is refused and logged, right works (file or env)", "[fleet][ctl][token]") {
  ScratchDir secrets("ctl-token-files");
  auto token_file = secrets.write("token", "s3cret-token\n");
  auto wrong_file = secrets.write("wrong", "not-it\n");
  Fleet f("ctl-token", "", {"--token-file", token_file});

  auto none = f.ctl({"status"}, {"FFLEET_TOKEN="});
  CHECK(none.code == 1);
  CHECK(none.err == "ffleet ctl: unauthorized\n");
  auto wrong = f.ctl({"--token-file", wrong_file, "status"});
  CHECK(wrong.code == 1);
  CHECK(wrong.err == "ffleet ctl: unauthorized\n");
  auto wrong_env = f.ctl({"stop", "cam-1"}, {"FFLEET_TOKEN=nope"});
  CHECK(wrong_env.code == 1);
  auto log = f.daemon.log();
  CHECK(log.find("control: refused \"status\": no token") != std::string::npos);
  CHECK(log.find("control: refused \"status\": wrong token") != std::string::npos);
  CHECK(log.find("control: refused \"stop\": wrong token") != std::string::npos);

  auto right_file = f.ctl({"--token-file", token_file, "status", "cam-1", "--json"});
  REQUIRE(right_file.code == 0);
  CHECK(Json::parse(right_file.out)["order"] == "start");  // the refused stop did nothing
  auto right_env = f.ctl({"stop", "cam-1"}, {"FFLEET_TOKEN=s3cret-token"});
  CHECK(right_env.code == 0);
  CHECK(right_env.out == "cam-1: stopped\n");
}

TEST_CASE("run: --control or --http off loopback without a token exits 2 and starts nothing", "[fleet][token]") {
  ScratchDir dir("run-open");
  auto file = dir.write("jobs.yaml", fake_fleet());
  auto control = run_program(dir, {FFLEET_BINARY, "run", file, "--events", dir.file("ev"), "--control", "0.0.0.0:0"},
                             {"FFLEET_TOKEN="}, 10s);
  CHECK(control.code == 2);
  CHECK(control.err.find("--control 0.0.0.0:0 is reachable from the network") != std::string::npos);
  CHECK(slurp(dir.file("ev")).empty());  // not even "fleet started"
  auto http = run_program(dir, {FFLEET_BINARY, "run", file, "--control", "", "--http", "0.0.0.0:0"},
                          {"FFLEET_TOKEN="}, 10s);
  CHECK(http.code == 2);
  CHECK(http.err.find("--http 0.0.0.0:0 is reachable from the network") != std::string::npos);
  auto missing = run_program(dir, {FFLEET_BINARY, "run", file, "--token-file", dir.file("absent")}, {}, 10s);
  CHECK(missing.code == 2);
  CHECK(missing.err.find("cannot read the token file") != std::string::npos);
}

TEST_CASE("run: off loopback with a token listens, and ctl needs the token", "[fleet][token]") {
  ScratchDir dir("run-open-token");
  auto file = dir.write("jobs.yaml", fake_fleet());
  ::setenv("FFLEET_TOKEN", "env-token", 1);  // the daemon inherits our environment
  Daemon d(dir, file, {}, "0.0.0.0:0");
  ::unsetenv("FFLEET_TOKEN");
  auto port = listening_port(d, "control");
  d.wait_event(running("cam-1"));
  CHECK(ctl(dir, port, {"status"}).code == 1);
  CHECK(ctl(dir, port, {"status"}, {"FFLEET_TOKEN=env-token"}).code == 0);
}
