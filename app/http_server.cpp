#include "app/http_server.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "app/dashboard_page.hpp"
#include "app/http_api.hpp"
#include "app/http_events.hpp"
#include "src/control/host_port.hpp"
#include "src/util/logging.hpp"
#include "src/control/token.hpp"

namespace ffleet {

namespace {

// Threads serving connections; an open event stream holds one for as long as
// it lasts, hence the cap on streams below the pool size.
constexpr size_t http_threads = 16;
constexpr size_t max_event_streams = 8;

bool needs_token(const std::string& path) { return path.rfind("/api/", 0) == 0 || path == "/metrics"; }

// A browser sends Origin with a cross-site POST: a page from elsewhere must
// not be able to stop jobs through the operator's browser (CSRF). Tools like
// curl send no Origin and are unaffected.
bool foreign_origin(const httplib::Request& req) {
  if (!req.has_header("Origin")) return false;
  auto origin = req.get_header_value("Origin");
  auto scheme = origin.find("://");
  auto host = scheme == std::string::npos ? origin : origin.substr(scheme + 3);
  return host != req.get_header_value("Host");
}

// Without a token the server only listens on loopback, but a web page can
// still reach it through DNS rebinding (evil.example resolving to 127.0.0.1,
// which makes the page "same origin"). Its requests then name that host in
// the Host header: only loopback names are accepted.
bool rebound_host(const httplib::Request& req) {
  if (!req.has_header("Host")) return false;  // not a browser
  auto host = req.get_header_value("Host");
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.find(']') - 1);
  else if (auto colon = host.rfind(':'); colon != std::string::npos) host = host.substr(0, colon);
  return !is_loopback(host);
}

// Before routing: the bearer token for the API and metrics (else the Host
// check), the origin check for changes.
httplib::Server::HandlerResponse guard(const std::string& token, const httplib::Request& req,
                                       httplib::Response& res) {
  if (token.empty() && rebound_host(req)) {
    log_warn("", "http: refused " + req.method + " " + req.path + " for host " + req.get_header_value("Host"));
    send_json_error(res, 403, "this server answers only to loopback host names; configure a token to serve others");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (!token.empty() && needs_token(req.path)) {
    const std::string prefix = "Bearer ";
    auto header = req.get_header_value("Authorization");
    bool ok = header.rfind(prefix, 0) == 0 && tokens_equal(token, std::string_view(header).substr(prefix.size()));
    if (!ok) {
      log_warn("", "http: refused " + req.method + " " + req.path + " from " + req.remote_addr + ": " +
                       (header.empty() ? "no token" : "wrong token"));
      res.set_header("WWW-Authenticate", "Bearer realm=\"ffleet\"");
      send_json_error(res, 401, "unauthorized");
      return httplib::Server::HandlerResponse::Handled;
    }
  }
  if (req.method == "POST" && foreign_origin(req)) {
    log_warn("", "http: refused " + req.method + " " + req.path + " from origin " + req.get_header_value("Origin"));
    send_json_error(res, 403, "cross-origin requests are not allowed");
    return httplib::Server::HandlerResponse::Handled;
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

}  // namespace

std::unique_ptr<HttpServer> HttpServer::start(caf::actor_system& sys, HttpArgs args, std::string* error) {
  std::unique_ptr<HttpServer> http(new HttpServer);
  http->server_ = std::make_unique<httplib::Server>();
  http->streams_ = std::make_unique<EventStreams>(sys, args.events, max_event_streams);
  auto& server = *http->server_;
  auto* streams = http->streams_.get();

  server.new_task_queue = [] { return new httplib::ThreadPool(http_threads); };
  server.set_pre_routing_handler(
      [token = args.token](const httplib::Request& req, httplib::Response& res) { return guard(token, req, res); });
  server.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) == 0) res.set_header("Cache-Control", "no-store");
  });
  // Unknown paths and methods get a JSON body too; handlers that set one keep it.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    send_json_error(res, res.status, res.status == 404 ? "not found" : "request failed");
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr e) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
    log_error("", "http: " + req.method + " " + req.path + " failed: " + what);
    send_json_error(res, 500, "internal error");
  });
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    log_debug("", "http: " + req.remote_addr + " " + req.method + " " + req.path + " " + std::to_string(res.status));
  });

  auto control = args.control;
  auto token = args.token;
  add_api_routes(server, [&sys, control, token](std::vector<std::string> command) {
    return ask_control(sys, control, token, std::move(command));
  });
  server.Get("/api/v1/events", [streams](const httplib::Request& req, httplib::Response& res) {
    if (!streams->open(req, res)) send_json_error(res, 503, "too many open event streams");
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    auto page = dashboard_page();
    res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
  });

  int port = args.address.port == 0 ? server.bind_to_any_port(args.address.host)
                                    : (server.bind_to_port(args.address.host, args.address.port) ? args.address.port : -1);
  if (port <= 0) {
    if (error) *error = "cannot bind (address in use or not available)";
    return nullptr;
  }
  http->port_ = static_cast<uint16_t>(port);
  auto* finished = &http->finished_;
  http->thread_ = std::thread([&server, finished] {
    server.listen_after_bind();
    *finished = true;
  });
  return http;
}

HttpServer::~HttpServer() {
  streams_->close_all();  // their threads would otherwise keep the pool busy
  // stop() is a no-op until the server runs: wait for the thread to get there.
  while (!server_->is_running() && !finished_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ffleet
