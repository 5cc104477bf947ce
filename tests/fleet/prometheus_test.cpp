// /metrics as Prometheus's own tool sees it. A real daemon runs a fleet with
// a running job, a job an operator stopped and a job that gave up; its
// scrape must pass `promtool check metrics` (format and naming conventions),
// and the alerting rules shipped in examples/prometheus/ must fire on that
// very scrape for the job that gave up, and for nothing else: the scrape
// becomes the input series of a `promtool test rules` file written here.
// The rules' own test file (synthetic series, one case per alert) runs too.
//
// promtool comes from Debian's `prometheus` package (tools.hpp).
#include "control_helpers.hpp"
#include "tools.hpp"

#include <httplib.h>

using namespace ffleet::test;

namespace {

const std::string rules_dir = source_root + "/examples/prometheus";

std::string jobs_file() {
  return fake_fleet(
      "  - id: stopped\n"
      "  - id: gaveup\n"
      "    binary: /bin/false\n"
      "    args: []\n"
      "    reconnect_delay: 100ms\n"
      "    max_restarts: 1\n"
      "    restart_window: 1m\n");
}

Finished shell(const ScratchDir& dir, const std::string& command) {
  return run_program(dir, {"/bin/sh", "-c", command}, {}, 120s);
}

// One sample line of the exposition as a series of a rules test, as a
// Prometheus scraping it as job "ffleet" would store it: the target's
// `job` and `instance` labels added, the value constant for 20 minutes.
Json input_series(const std::string& line, const std::string& instance) {
  auto space = line.rfind(' ');
  std::string series = line.substr(0, space), value = line.substr(space + 1);
  std::string target = "instance=\"" + instance + "\",job=\"ffleet\"";
  if (series.back() == '}') series.insert(series.size() - 1, "," + target);
  else series += "{" + target + "}";
  return Json{{"series", series}, {"values", value + "x20"}};
}

Json alert(const std::string& name, Json labels, const std::string& summary) {
  return Json{{"eval_time", "10m"},
              {"alertname", name},
              {"exp_alerts", labels.is_null() ? Json::array()
                                              : Json::array({Json{{"exp_labels", labels},
                                                                  {"exp_annotations", {{"summary", summary}}}}})}};
}

}  // namespace

TEST_CASE("prometheus: promtool check metrics accepts a live scrape, and the shipped alerts fire for a job that gave up",
          "[fleet][http][metrics][promtool]") {
  if (!tool_available("promtool", "prometheus")) return;
  ScratchDir dir("promtool");
  Daemon daemon(dir, dir.write("jobs.yaml", jobs_file()), {"--http", "127.0.0.1:0"});
  uint16_t port = listening_port(daemon, "http");
  daemon.wait_event(running("cam-1"));
  daemon.wait_event(running("stopped"));
  daemon.wait_event([](const Json& e) { return e["event"] == "gave_up" && e["job"] == "gaveup"; });

  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(30, 0);
  auto stop = http.Post("/api/v1/jobs/stopped/stop");
  REQUIRE(stop);
  REQUIRE(stop->status == 200);
  auto job = [&](const std::string& id) {
    auto r = http.Get(("/api/v1/jobs/" + id).c_str());
    REQUIRE(r);
    return Json::parse(r->body);
  };
  // Settled: the live job has live figures, the other two have ended.
  REQUIRE(eventually([&] { return job("cam-1")["progress"].is_object(); }));
  REQUIRE(eventually([&] { return job("stopped")["state"] == "finished"; }));
  REQUIRE(eventually([&] { return job("gaveup")["gave_up"] == true && job("gaveup")["pid"].is_null(); }));

  auto scrape = http.Get("/metrics");
  REQUIRE(scrape);
  REQUIRE(scrape->status == 200);
  auto metrics_file = dir.write("metrics.txt", scrape->body);

  auto check = shell(dir, "promtool check metrics < " + metrics_file);
  INFO("promtool check metrics:\n" << check.out << check.err << "\nthe scrape:\n" << scrape->body);
  CHECK(check.code == 0);
  CHECK(check.out + check.err == "");  // not even a lint warning

  std::string instance = "127.0.0.1:" + std::to_string(port);
  Json series = Json::array();
  for (auto& line : lines_of(scrape->body))
    if (!line.empty() && line[0] != '#') series.push_back(input_series(line, instance));
  series.push_back(Json{{"series", "up{instance=\"" + instance + "\",job=\"ffleet\"}"}, {"values", "1x20"}});
  auto labels = [&](const std::string& severity, const std::string& id) {
    return Json{{"severity", severity}, {"job", "ffleet"}, {"instance", instance}, {"id", id}};
  };
  Json tests = Json::array({Json{
      {"interval", "1m"},
      {"input_series", series},
      {"alert_rule_test",
       Json::array({
           alert("FfleetJobGaveUp", labels("critical", "gaveup"),
                 "gaveup on " + instance +
                     " gave up restarting (max_restarts reached); `ffleet ctl start gaveup` tries again"),
           // cam-1 and cam-2 run, stopped was stopped by the operator,
           // gaveup's order became stop, idle was never started.
           alert("FfleetJobNotRunning", nullptr, ""),
           alert("FfleetJobFallingBehind", nullptr, ""),  // the fake ffmpeg runs at 1.00x
           alert("FfleetJobRestartLoop", nullptr, ""),    // constant series: no increase
           alert("FfleetDaemonDown", nullptr, ""),
           alert("FfleetDaemonFdsNearLimit", nullptr, ""),
       })}}});
  // JSON is YAML: promtool reads it as is.
  auto test_file = dir.write("live.test.yml", Json{{"rule_files", {rules_dir + "/ffleet-alerts.yml"}},
                                                   {"evaluation_interval", "1m"},
                                                   {"tests", tests}}
                                                  .dump(2));
  auto live = shell(dir, "promtool test rules " + test_file);
  INFO("promtool test rules (live scrape):\n" << live.out << live.err);
  CHECK(live.code == 0);
  CHECK(live.out.find("SUCCESS") != std::string::npos);
}

TEST_CASE("prometheus: the shipped alerting rules pass promtool check rules and their own test file",
          "[fleet][metrics][promtool]") {
  if (!tool_available("promtool", "prometheus")) return;
  ScratchDir dir("promtool-rules");
  auto check = shell(dir, "promtool check rules " + rules_dir + "/ffleet-alerts.yml");
  INFO(check.out << check.err);
  CHECK(check.code == 0);
  CHECK(check.out.find("SUCCESS: 6 rules found") != std::string::npos);
  auto test = shell(dir, "cd " + rules_dir + " && promtool test rules ffleet-alerts.test.yml");
  INFO(test.out << test.err);
  CHECK(test.code == 0);
  CHECK(test.out.find("SUCCESS") != std::string::npos);
}
