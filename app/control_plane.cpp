#include "app/control_plane.hpp"

#include <sys/socket.h>

#include <atomic>

#include <caf/io/all.hpp>
#include <caf/io/network/default_multiplexer.hpp>

#include "actors/control.hpp"
#include "app/http_server.hpp"
#include "src/control/host_port.hpp"
#include "src/control/token.hpp"
#include "src/net/frame_relay.hpp"
#include "src/util/logging.hpp"

namespace ffleet {

void configure_control_plane(caf::actor_system_config& cfg, ControlRole role) {
  cfg.load<caf::io::middleman>();
  cfg.add_message_type<ControlRequest>("ffleet::ControlRequest");
  cfg.add_message_type<ControlReply>("ffleet::ControlReply");
  // Without heartbeats a frozen peer (SIGSTOP, swapped out) keeps its TCP
  // connection and is never noticed; with them the connection is dropped
  // after connection-timeout of silence and every monitor gets a down_msg.
  //
  // CAF 0.17.6 also drops an outgoing connection whose handshake is still
  // running when a heartbeat tick comes (its "last seen" is not set until
  // the handshake completes), reporting connection_timeout whatever the
  // timeout is: with ticks every 500 ms, any ctl whose handshake took longer
  // (200 ctl at once on two cores) failed. So ctl's first tick comes only
  // after its connect deadline, and the daemon, which ticks often so that
  // ctl notices a frozen daemon, waits longer than ctl's tick before it
  // gives up on a quiet ctl.
  using std::chrono::milliseconds;
  if (role == ControlRole::daemon) {
    cfg.set("middleman.heartbeat-interval", caf::timespan{milliseconds(500)});
    cfg.set("middleman.connection-timeout", caf::timespan{ctl_heartbeat_interval * 3});
  } else {
    cfg.set("middleman.heartbeat-interval", caf::timespan{ctl_heartbeat_interval});
    cfg.set("middleman.connection-timeout", caf::timespan{ctl_heartbeat_interval});
  }
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

// A new connection from the control relay straight into CAF's BASP broker,
// as if its doorman had accepted it: one end of a socket pair becomes a CAF
// connection (a scribe) serving `control`, the other end goes to the relay.
// Nothing listens anywhere but the relay, so no peer can bypass its checks.
int connect_to_middleman(caf::actor_system& sys, const control_actor& control, uint16_t port) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) != 0) return -1;
  auto scribe = sys.middleman().backend().new_scribe(ends[0]);  // owns ends[0] from here
  auto basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  caf::anon_send(basp, caf::publish_atom::value, std::move(scribe), port,
                 caf::actor_cast<caf::strong_actor_ptr>(control), sys.message_types(control));
  return ends[1];
}

class RunningControlPlane : public ControlPlane {
 public:
  RunningControlPlane(caf::actor_system& sys, control_actor control) : sys_(sys), control_(std::move(control)) {}

  ~RunningControlPlane() override {
    http_.reset();  // first: its handlers ask the control actor
    if (relay_) {
      auto port = relay_->port();
      relay_.reset();  // closes every control connection
      sys_.middleman().unpublish(control_, port);
    }
    caf::anon_send_exit(control_, caf::exit_reason::user_shutdown);
  }

  uint16_t control_port() const override { return relay_ ? relay_->port() : 0; }

  bool open_control(const HostPort& at) {
    std::string error;
    // CAF files the control actor under the relay's own port, known only
    // once bound; a peer may connect before this thread stores it.
    auto port = std::make_shared<std::atomic<uint16_t>>(0);
    relay_ = FrameRelay::start(
        at, RelayLimits{}, [&sys = sys_, control = control_, port] { return connect_to_middleman(sys, control, port->load()); },
        &error);
    if (!relay_) {
      log_error("", "control: cannot listen on " + at.to_string() + ": " + error);
      return false;
    }
    port->store(relay_->port());
    log_info("", "control: listening on " + HostPort{at.host, relay_->port()}.to_string());
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
  std::unique_ptr<FrameRelay> relay_;
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
  // By value: `events` is moved into the call below before this runs.
  auto make_control = [&sys, supervisor, events, log_writer](const std::string& token) {
    ControlArgs args;
    args.supervisor = supervisor;
    args.events = events;
    args.log_writer = log_writer;
    args.token = token;
    return spawn_control(sys, std::move(args));
  };
  return start_control_plane(sys, make_control, std::move(events), given);
}

std::unique_ptr<ControlPlane> start_control_plane(caf::actor_system& sys, const ControlFactory& make_control,
                                                  events_actor events, const ControlOptions& given) {
  // Checked again here so that no caller can open an unprotected endpoint.
  ControlOptions options = given;
  if (auto problem = resolve_control_options(options); !problem.empty()) {
    log_error("", problem);
    return nullptr;
  }
  if (!options.token.empty()) log_info("", "control: a token is required for every command");
  auto plane = std::make_unique<RunningControlPlane>(sys, make_control(options.token));
  if (!options.control.empty() && !plane->open_control(*parse_host_port(options.control, nullptr)))
    return nullptr;
  if (!options.http.empty() && !plane->open_http(*parse_host_port(options.http, nullptr), events, options.token))
    return nullptr;
  return plane;
}

}  // namespace ffleet
