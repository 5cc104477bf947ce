// The HTTP API against a real daemon (`--http 127.0.0.1:0`), through
// httplib's client: every endpoint, its status codes, the bearer token, the
// event stream and /metrics parsed back and compared with the fleet.
#include "control_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>

using namespace ffleet::test;

namespace {

struct HttpFleet {
  ScratchDir dir;
  std::string file;
  Daemon daemon;
  uint16_t port;
  httplib::Headers auth;

  explicit HttpFleet(const std::string& name, std::vector<std::string> extra = {}, const std::string& token = "")
      : dir(name),
        file(dir.write("jobs.yaml", fake_fleet())),
        daemon(dir, file, with_http(std::move(extra))),
        port(listening_port(daemon, "http")) {
    if (!token.empty()) auth = {{"Authorization", "Bearer " + token}};
    daemon.wait_event(running("cam-1"));
    daemon.wait_event(running("cam-2"));
  }

  static std::vector<std::string> with_http(std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--http", "127.0.0.1:0"});
    return extra;
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    c.set_connection_timeout(5, 0);
    return c;
  }

  httplib::Result get(const std::string& path) { return client().Get(path.c_str(), auth); }
  httplib::Result post(const std::string& path) { return client().Post(path.c_str(), auth); }

  Json get_json(const std::string& path) {
    auto r = get(path);
    REQUIRE(r);
    INFO(path << " -> " << r->status << " " << r->body);
    REQUIRE(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == "application/json");
    return Json::parse(r->body);
  }
};

void check_error(const httplib::Result& r, int status) {
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == status);
  auto body = Json::parse(r->body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["error"].is_string());
}

// One sample of the text exposition format: name, labels, value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// A small parser of format 0.0.4, strict enough to catch formatting bugs:
// every sample belongs to a family announced by HELP and TYPE lines.
std::vector<Sample> parse_exposition(const std::string& text, std::map<std::string, std::string>* types) {
  std::vector<Sample> samples;
  std::regex sample_re(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
  std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  std::set<std::string> helped;
  for (auto& line : lines_of(text)) {
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      auto rest = line.substr(7);
      auto space = rest.find(' ');
      (*types)[rest.substr(0, space)] = rest.substr(space + 1);
      continue;
    }
    std::smatch m;
    INFO(line);
    REQUIRE(std::regex_match(line, m, sample_re));
    Sample s;
    s.name = m[1];
    s.value = std::stod(m[4]);
    std::string labels = m[3];
    for (std::sregex_iterator i(labels.begin(), labels.end(), label_re), end; i != end; ++i)
      s.labels[(*i)[1]] = (*i)[2];
    CHECK(helped.count(s.name) == 1);
    CHECK(types->count(s.name) == 1);
    samples.push_back(s);
  }
  return samples;
}

// Sends `request` as is and returns the whole answer (the server closes).
std::string raw_request(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("http: jobs, one job, log, report as the spec's objects", "[fleet][http]") {
  HttpFleet f("http-read");
  auto health = f.get_json("/healthz");
  CHECK(health["status"] == "ok");
  CHECK(health["jobs"] == 3);

  auto jobs = f.get_json("/api/v1/jobs");
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[0]["id"] == "cam-1");
  CHECK(jobs[0]["state"] == "running");
  auto one = f.get_json("/api/v1/jobs/cam-2");
  CHECK(one["id"] == "cam-2");
  CHECK(one["states"].size() == 6);

  // The banner arrives a moment after the process starts.
  REQUIRE(eventually([&] { return f.get_json("/api/v1/jobs/cam-1/log").size() > 2; }));
  auto log = f.get_json("/api/v1/jobs/cam-1/log?n=2");
  CHECK(log.size() == 2);
  CHECK(log[0].contains("ts"));
  CHECK(log[0].contains("text"));
  CHECK(f.get_json("/api/v1/jobs/cam-1/report").empty());

  auto page = f.client().Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("<title>ffleet</title>") != std::string::npos);
  CHECK(page->body.find("http://") == std::string::npos);  // nothing loaded from elsewhere
  CHECK(page->body.find("https://") == std::string::npos);
}

TEST_CASE("http: errors are JSON with the right status", "[fleet][http]") {
  HttpFleet f("http-errors");
  check_error(f.get("/api/v1/jobs/nope"), 404);
  check_error(f.get("/api/v1/jobs/nope/log"), 404);
  check_error(f.get("/api/v1/jobs/nope/report"), 404);
  check_error(f.post("/api/v1/jobs/nope/stop"), 404);
  check_error(f.get("/api/v1/jobs/cam-1/log?n=many"), 400);
  check_error(f.get("/api/v1/jobs/cam-1/log?n=-1"), 400);
  check_error(f.get("/api/v1/nothing"), 404);
  check_error(f.post("/api/v1/jobs/cam-1/explode"), 404);
  CHECK(Json::parse(f.get("/api/v1/jobs/nope")->body)["error"] == "unknown job \"nope\"");

  // DNS rebinding: a page whose host name resolves to 127.0.0.1.
  check_error(f.client().Get("/api/v1/jobs", {{"Host", "evil.example:" + std::to_string(f.port)}}), 403);
  CHECK(f.client().Get("/api/v1/jobs", {{"Host", "localhost:" + std::to_string(f.port)}})->status == 200);

  // A page elsewhere must not drive the fleet through the operator's browser.
  auto forged = f.client().Post("/api/v1/jobs/cam-1/stop", {{"Origin", "http://evil.example"}}, "", "text/plain");
  check_error(forged, 403);
  CHECK(f.get_json("/api/v1/jobs/cam-1")["order"] == "start");
}

TEST_CASE("http: POST start, stop, restart, kill and reload", "[fleet][http]") {
  HttpFleet f("http-commands");
  auto stop = f.post("/api/v1/jobs/cam-1/stop");
  REQUIRE(stop);
  CHECK(stop->status == 200);
  CHECK(Json::parse(stop->body)["message"] == "stopped");
  CHECK(f.get_json("/api/v1/jobs/cam-1")["order"] == "stop");

  // As `curl -X POST URL` sends it: no body and no Content-Length (httplib's
  // client always adds one, hence the raw request).
  CHECK(raw_request(f.port, "POST /api/v1/jobs/cam-1/start HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  f.daemon.wait_event(running("cam-1", 2));
  CHECK(f.post("/api/v1/jobs/cam-2/kill")->status == 200);
  f.daemon.wait_event(running("cam-2", 2));
  CHECK(f.post("/api/v1/jobs/cam-2/restart")->status == 200);
  f.daemon.wait_event(running("cam-2", 3));
  CHECK(f.get_json("/api/v1/jobs/cam-1/report").size() == 1);

  f.dir.write("jobs.yaml", fake_fleet("  - id: cam-3\n"));
  auto reload = f.post("/api/v1/reload");
  REQUIRE(reload);
  CHECK(reload->status == 200);
  CHECK(Json::parse(reload->body)["added"] == Json::array({"cam-3"}));

  f.dir.write("jobs.yaml", "version: 2\njobs: []\n");
  auto bad = f.post("/api/v1/reload");
  check_error(bad, 422);
  CHECK(Json::parse(bad->body)["errors"].size() >= 1);
  CHECK(f.get_json("/api/v1/jobs").size() == 4);
}

TEST_CASE("http: with a token every API call needs the bearer header", "[fleet][http][token]") {
  ScratchDir secrets("http-token-file");
  auto token_file = secrets.write("token", "bearer-secret\n");
  HttpFleet f("http-token", {"--token-file", token_file}, "bearer-secret");
  auto c = f.client();
  for (auto path : {"/api/v1/jobs", "/api/v1/jobs/cam-1", "/metrics", "/api/v1/events"}) {
    auto none = c.Get(path);
    check_error(none, 401);
    CHECK(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
    check_error(c.Get(path, {{"Authorization", "Bearer wrong"}}), 401);
  }
  check_error(c.Post("/api/v1/jobs/cam-1/stop"), 401);
  check_error(c.Post("/api/v1/reload"), 401);
  CHECK(f.get_json("/api/v1/jobs/cam-1")["order"] == "start");  // nothing was stopped
  CHECK(f.daemon.log().find("http: refused POST /api/v1/jobs/cam-1/stop from 127.0.0.1: no token") !=
        std::string::npos);
  // The page and the health check stay open: the page asks for the token.
  CHECK(c.Get("/")->status == 200);
  CHECK(c.Get("/healthz")->status == 200);
  CHECK(f.post("/api/v1/jobs/cam-1/stop")->status == 200);
}

TEST_CASE("http: /api/v1/events streams each event as a data line", "[fleet][http][events]") {
  HttpFleet f("http-events");
  std::mutex mutex;
  std::string received;
  std::atomic<bool> opened{false}, stop_reading{false};
  std::thread reader([&] {
    auto c = f.client();
    c.Get("/api/v1/events", [&](const char* data, size_t n) {
      std::lock_guard<std::mutex> lock(mutex);
      received.append(data, n);
      opened = true;
      return !stop_reading.load();
    });
  });
  REQUIRE(eventually([&] { return opened.load(); }));
  REQUIRE(f.post("/api/v1/jobs/cam-1/stop")->status == 200);
  auto has = [&](const std::string& needle) {
    std::lock_guard<std::mutex> lock(mutex);
    return received.find(needle) != std::string::npos;
  };
  CHECK(eventually([&] { return has("\"to\":\"finishing\""); }));
  CHECK(eventually([&] { return has("\"event\":\"exit\""); }));
  stop_reading = true;
  f.post("/api/v1/jobs/cam-1/start");  // one more event ends the reader's callback
  reader.join();

  std::lock_guard<std::mutex> lock(mutex);
  size_t events = 0;
  for (auto& line : lines_of(received)) {
    if (line.rfind("data: ", 0) != 0) continue;
    auto event = Json::parse(line.substr(6));  // each one a complete event object
    CHECK(event.contains("ts"));
    CHECK(event.contains("event"));
    ++events;
  }
  CHECK(events >= 2);
}

TEST_CASE("http: /metrics parses as format 0.0.4 and matches the fleet", "[fleet][http][metrics]") {
  HttpFleet f("http-metrics");
  REQUIRE(eventually([&] { return f.get_json("/api/v1/jobs/cam-1")["progress"].is_object(); }));
  auto r = f.get("/metrics");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  auto jobs = f.get_json("/api/v1/jobs");

  std::map<std::string, std::string> types;
  auto samples = parse_exposition(r->body, &types);
  CHECK(types["ffleet_job_state"] == "gauge");
  CHECK(types["ffleet_job_transitions_total"] == "counter");
  CHECK(types["process_cpu_seconds_total"] == "counter");
  for (auto name : {"ffleet_job_restarts_total", "ffleet_job_cpu_seconds_total", "ffleet_job_resident_memory_bytes",
                    "ffleet_job_start_time_seconds", "ffleet_job_frames_total", "ffleet_job_fps",
                    "ffleet_job_speed_ratio", "ffleet_job_output_bytes_per_second", "ffleet_job_stale_kills_total",
                    "ffleet_job_limit_kills_total", "ffleet_job_gave_up", "ffleet_job_order", "ffleet_jobs",
                    "ffleet_build_info", "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
                    "process_start_time_seconds", "process_virtual_memory_bytes"})
    CHECK(types.count(name) == 1);

  std::map<std::string, double> state_sum;
  std::map<std::string, std::string> state_of;
  std::map<std::string, double> fleet;
  for (auto& s : samples) {
    if (s.name == "ffleet_job_state") {
      state_sum[s.labels["id"]] += s.value;
      if (s.value == 1) state_of[s.labels["id"]] = s.labels["state"];
    }
    if (s.name == "ffleet_jobs") fleet[s.labels["state"]] = s.value;
    if (s.name == "process_resident_memory_bytes") CHECK(s.value > 1e6);
  }
  REQUIRE(state_sum.size() == 3);
  for (auto& kv : state_sum) CHECK(kv.second == 1);  // exactly one state each
  double total = 0;
  for (auto& kv : fleet) total += kv.second;
  CHECK(total == 3);
  CHECK(fleet.size() == 6);
  for (auto& job : jobs) {
    std::string id = job["id"];
    // States can move between the two requests only for a job in flux; these are steady.
    CHECK(state_of[id] == job["state"]);
    for (auto& s : samples)
      if (s.name == "ffleet_job_transitions_total" && s.labels["id"] == id)
        CHECK(s.value == job["states"][s.labels["state"]].get<double>());
  }
  bool idle_has_fps = false, cam_has_frames = false, cam_has_fps = false;
  for (auto& s : samples) {
    CHECK(s.labels.count("job") == 0);  // Prometheus's own label is left alone
    if (s.name == "ffleet_job_fps" && s.labels["id"] == "idle") idle_has_fps = true;
    if (s.name == "ffleet_job_fps" && s.labels["id"] == "cam-1") cam_has_fps = true;
    if (s.name == "ffleet_job_frames_total" && s.labels["id"] == "cam-1") cam_has_frames = s.value > 0;
    if (s.name == "process_open_fds") CHECK(s.value > 3);
  }
  CHECK_FALSE(idle_has_fps);  // not running: no live figures
  CHECK(cam_has_fps);
  CHECK(cam_has_frames);
}
