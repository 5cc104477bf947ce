#include "app/http_server.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "app/dashboard_page.hpp"
#include "app/http_api.hpp"
#include "app/http_events.hpp"
#include "src/control/host_port.hpp"
#include "src/control/token.hpp"
#include "src/net/http_door.hpp"
#include "src/util/logging.hpp"

namespace ffleet {

namespace {

// Threads running requests (idle and slow connections hold none, see
// src/net/http_door.hpp). An open event stream holds one for as long as it
// lasts, hence the cap on streams: the other half stays free for the API
// and /healthz.
constexpr size_t http_threads = 16;
constexpr size_t max_event_streams = 8;

// No route takes a body. A small one (a client that sends "{}" with a POST)
// is ignored and ends the connection after the reply; a larger one is
// refused with 413 before a byte of it is read.
constexpr uint64_t max_ignored_body = 64 * 1024;

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

bool announces_body(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") || req.get_header_value<uint64_t>("Content-Length") > 0;
}

bool body_too_large(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") || req.get_header_value<uint64_t>("Content-Length") > max_ignored_body;
}

void refuse_body(const httplib::Request& req, httplib::Response& res) {
  log_warn("", "http: refused " + req.method + " " + req.path + " from " + req.remote_addr + ": a body of " +
                   (req.has_header("Content-Length") ? req.get_header_value("Content-Length") + " bytes"
                                                     : std::string("unknown length")));
  send_json_error(res, 413, "request bodies are not accepted");
  res.set_header("Connection", "close");  // the body is never read
}

// Before routing: the body limit, the bearer token for the API and metrics
// (else the Host check), the origin check for changes.
httplib::Server::HandlerResponse guard(const std::string& token, const httplib::Request& req,
                                       httplib::Response& res) {
  if (body_too_large(req)) {
    refuse_body(req, res);
    return httplib::Server::HandlerResponse::Handled;
  }
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

// cpp-httplib's parser and router, run by the door's workers one request at
// a time instead of by httplib's own accept loop.
class Router : public httplib::Server {
 public:
  // httplib ends a streamed response (the event streams) as soon as its
  // listening socket is invalid, taking that for a shutdown. The door owns
  // the listening socket, so httplib's only says "running" until end_streams().
  Router() { svr_sock_ = 0; }
  void end_streams() { svr_sock_ = INVALID_SOCKET; }

  // Serves the request buffered in `connection`; false ends the connection.
  bool serve(DoorConnection& connection) {
    DoorStream stream(connection);
    bool closed = false;
    bool body = false;
    bool ok = process_request(stream, /*close_connection=*/false, closed,
                              [&body](httplib::Request& req) { body = announces_body(req); });
    // An unread body would be taken for the next request.
    return ok && !closed && !body;
  }

 private:
  struct DoorStream : httplib::Stream {
    explicit DoorStream(DoorConnection& c) : c(c) {}
    bool is_readable() const override { return c.readable(); }
    bool is_writable() const override { return c.writable(); }
    ssize_t read(char* ptr, size_t size) override { return c.read(ptr, size); }
    ssize_t write(const char* ptr, size_t size) override { return c.write(ptr, size); }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
      ip = c.peer_ip();
      port = c.peer_port();
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
      ip = c.local_ip();
      port = c.local_port();
    }
    socket_t socket() const override { return c.fd(); }
    DoorConnection& c;
  };
};

}  // namespace

std::unique_ptr<HttpServer> HttpServer::start(caf::actor_system& sys, HttpArgs args, std::string* error) {
  std::unique_ptr<HttpServer> http(new HttpServer);
  http->server_ = std::make_unique<Router>();
  http->streams_ = std::make_unique<EventStreams>(sys, args.events, max_event_streams);
  auto& server = *http->server_;
  auto* streams = http->streams_.get();

  server.set_payload_max_length(max_ignored_body);
  // curl and browsers ask before sending a large body: say no right away.
  server.set_expect_100_continue_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!body_too_large(req)) return 100;
    refuse_body(req, res);
    return 413;
  });
  // Only what httplib writes into Keep-Alive headers; the door enforces it.
  server.set_keep_alive_timeout(DoorLimits{}.idle_timeout.count() / 1000);
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
    log_error("", "http: " + req.method + " " + req.path + " failed: " + exception_text(e, "unknown error"));
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

  DoorLimits limits;
  limits.workers = http_threads;
  auto* router = static_cast<Router*>(http->server_.get());
  http->door_ = HttpDoor::start(args.address, limits, [router](DoorConnection& c) { return router->serve(c); }, error);
  if (!http->door_) return nullptr;
  http->port_ = http->door_->port();
  return http;
}

HttpServer::~HttpServer() {
  static_cast<Router*>(server_.get())->end_streams();
  streams_->close_all();  // their requests return at once
  door_.reset();          // every connection closed, the workers joined
}

}  // namespace ffleet
