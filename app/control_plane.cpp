#include "app/control_plane.hpp"

#include <caf/io/all.hpp>

#include "actors/control.hpp"
#include "app/http_server.hpp"
#include "src/control/host_port.hpp"
#include "src/util/logging.hpp"
#include "src/control/token.hpp"

namespace ffleet {

void configure_control_plane(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.add_message_type<ControlRequest>("ffleet::ControlRequest");
  cfg.add_message_type<ControlReply>("ffleet::ControlReply");
  // Without heartbeats a frozen peer (SIGSTOP, swapped out) keeps its TCP
  // connection and is never noticed; with them the connection is dropped
  // after connection-timeout of silence and every monitor gets a down_msg.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(2)});
}

namespace {

// Checks one endpoint: "" or a parsable address that is loopback unless a
// token protects it.
std::string check_endpoint(const char* flag, const std::string& text, bool have_token) {
  if (text.empty()) return "";
  std::string error;
  auto address = parse_host_port(text, &error);
  if (!address) return std::string(flag) + " " + error;
  if (!is_loopback(address->host) && !have_token)
    return std::string(flag) + " " + text +
           " is reachable from the network: configure a token with --token-file or FFLEET_TOKEN, or bind "
           "127.0.0.1";
  return "";
}

class RunningControlPlane : public ControlPlane {
 public:
  RunningControlPlane(caf::actor_system& sys, control_actor control) : sys_(sys), control_(std::move(control)) {}

  ~RunningControlPlane() override {
    http_.reset();  // first: its handlers ask the control actor
    if (control_port_ != 0) sys_.middleman().unpublish(control_, control_port_);
    caf::anon_send_exit(control_, caf::exit_reason::user_shutdown);
  }

  bool open_control(const HostPort& at) {
    auto port = sys_.middleman().publish(control_, at.port, at.host.c_str(), /*reuse_addr=*/true);
    if (!port) {
      log_error("", "control: cannot listen on " + at.to_string() + ": " + caf::to_string(port.error()));
      return false;
    }
    control_port_ = *port;
    log_info("", "control: listening on " + HostPort{at.host, *port}.to_string());
    return true;
  }

  bool open_http(const HostPort& at, const events_actor& events, const std::string& token) {
    std::string error;
    http_ = HttpServer::start(sys_, HttpArgs{at, control_, events, token}, &error);
    if (!http_) {
      log_error("", "http: cannot listen on " + at.to_string() + ": " + error);
      return false;
    }
    log_info("", "http: listening on http://" + HostPort{at.host, http_->port()}.to_string() + "/");
    return true;
  }

 private:
  caf::actor_system& sys_;
  control_actor control_;
  uint16_t control_port_ = 0;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace

std::string resolve_control_options(ControlOptions& options) {
  std::string error;
  auto token = load_token(options.token_file, &error);
  if (!token) return error;
  options.token = *token;
  bool have_token = !options.token.empty();
  if (auto e = check_endpoint("--control", options.control, have_token); !e.empty()) return e;
  if (auto e = check_endpoint("--http", options.http, have_token); !e.empty()) return e;
  return "";
}

std::unique_ptr<ControlPlane> start_control_plane(caf::actor_system& sys, supervisor_actor supervisor,
                                                  events_actor events, log_writer_actor log_writer,
                                                  const ControlOptions& given) {
  // Checked again here so that no caller can open an unprotected endpoint.
  ControlOptions options = given;
  if (auto problem = resolve_control_options(options); !problem.empty()) {
    log_error("", problem);
    return nullptr;
  }
  if (!options.token.empty()) log_info("", "control: a token is required for every command");
  ControlArgs args;
  args.supervisor = std::move(supervisor);
  args.events = events;
  args.log_writer = log_writer;
  args.token = options.token;
  auto plane = std::make_unique<RunningControlPlane>(sys, spawn_control(sys, std::move(args)));
  if (!options.control.empty() && !plane->open_control(*parse_host_port(options.control, nullptr)))
    return nullptr;
  if (!options.http.empty() && !plane->open_http(*parse_host_port(options.http, nullptr), events, options.token))
    return nullptr;
  return plane;
}

}  // namespace ffleet
