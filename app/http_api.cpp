#include "app/http_api.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "actors/control.hpp"
#include "src/control/command_table.hpp"
#include "app/http_log_follow.hpp"

namespace ffleet {

namespace {

const char* json_type = "application/json";

// One path segment; whether it is a job id is the control actor's to say
// (an unknown or malformed id is "unknown job", 404).
const std::string id_pattern = "([^/]+)";

void send_reply(httplib::Response& res, const ControlReply& reply) {
  res.status = http_status(reply.kind);
  res.set_content(reply.body, json_type);
}

// "(start|stop|restart|kill)": the commands that act on one job, POSTed.
std::string job_actions() {
  std::string out;
  for (auto& c : control_commands())
    if (c.args == CommandArgs::job && c.changes_fleet) out += (out.empty() ? "(" : "|") + std::string(c.name);
  return out + ")";
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

ControlReply ask_control(caf::actor_system& sys, const control_actor& control, const std::string& token,
                         std::vector<std::string> command) {
  ControlReply out;
  caf::scoped_actor self{sys};
  self->request(control, control_reply_timeout, ControlRequest{token, std::move(command)})
      .receive([&](ControlReply& reply) { out = std::move(reply); },
               [&](caf::error& e) {
                 bool late = e == caf::sec::request_timeout;
                 out = ControlReply{1, late ? "timeout" : "failed",
                                    nlohmann::json{{"error", late ? "the fleet did not answer in time"
                                                                  : "the fleet is not available: " + error_text(e)}}
                                        .dump()};
               });
  return out;
}

void send_json_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(), json_type);
}

int http_status(const std::string& kind) {
  if (kind == "ok") return 200;
  if (kind == "bad_request") return 400;
  if (kind == "unauthorized") return 401;
  if (kind == "unknown_job") return 404;
  if (kind == "refused") return 409;
  if (kind == "invalid_file") return 422;
  if (kind == "timeout") return 504;
  return 500;
}

void add_api_routes(httplib::Server& server, ControlCall call) {
  server.Get("/api/v1/jobs", [call](const httplib::Request&, httplib::Response& res) {
    send_reply(res, call({"status"}));
  });
  server.Get("/api/v1/jobs/" + id_pattern, [call](const httplib::Request& req, httplib::Response& res) {
    send_reply(res, call({"status", req.matches[1]}));
  });
  // A cluster node's nodes (`ctl nodes --json`); a single node answers 400.
  server.Get("/api/v1/nodes", [call](const httplib::Request&, httplib::Response& res) {
    send_reply(res, call({"nodes"}));
  });
  server.Get("/api/v1/jobs/" + id_pattern + "/log", [call](const httplib::Request& req, httplib::Response& res) {
    std::string n = std::to_string(default_log_lines);
    if (req.has_param("n")) {
      n = req.get_param_value("n");
      if (!all_digits(n)) return send_json_error(res, 400, "n must be a number of lines");
    }
    if (req.get_param_value("follow") == "1") return follow_log(req, res, call, req.matches[1], std::stoul(n));
    send_reply(res, call({"logs", req.matches[1], n}));
  });
  server.Get("/api/v1/jobs/" + id_pattern + "/report",
             [call](const httplib::Request& req, httplib::Response& res) {
               send_reply(res, call({"report", req.matches[1]}));
             });
  // POSTs take no body. The content-reader form of the handler runs before
  // httplib reads one, so `curl -X POST URL` (no Content-Length at all) works
  // instead of being refused with 400.
  server.Post("/api/v1/jobs/" + id_pattern + "/" + job_actions(),
              [call](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader&) {
                send_reply(res, call({req.matches[2], req.matches[1]}));
              });
  server.Post("/api/v1/reload", [call](const httplib::Request&, httplib::Response& res, const httplib::ContentReader&) {
    send_reply(res, call({"reload"}));
  });
  server.Get("/metrics", [call](const httplib::Request&, httplib::Response& res) {
    auto reply = call({"metrics"});
    if (reply.kind != "ok") return send_reply(res, reply);
    res.set_content(reply.body, "text/plain; version=0.0.4; charset=utf-8");
  });
  // Healthy = the supervisor answers, not merely "the socket accepts".
  server.Get("/healthz", [call](const httplib::Request&, httplib::Response& res) {
    auto reply = call({"ping"});
    res.status = reply.kind == "ok" ? 200 : 503;
    res.set_content(reply.body, json_type);
  });
}

}  // namespace ffleet
