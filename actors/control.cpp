#include "actors/control.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "src/util/logging.hpp"
#include "src/control/metrics_format.hpp"
#include "src/process/proc_sampler.hpp"
#include "src/control/token.hpp"

namespace ffleet {

namespace {

using nlohmann::json;

struct control_state {
  ControlArgs args;
  static inline const char* name = "control";
};

using control_ptr = control_actor::stateful_pointer<control_state>;

// Invalid UTF-8 from a process's output must not make a reply fail.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

ControlReply ok(const json& body) { return ControlReply{0, "ok", dump(body)}; }

ControlReply failure(const std::string& kind, const std::string& message, json extra = json::object()) {
  extra["error"] = message;
  bool usage = kind == "bad_request" || kind == "invalid_file";
  return ControlReply{usage ? 2 : 1, kind, dump(extra)};
}

ControlReply from_error(const caf::error& e) {
  if (e.category() == caf::atom("ffleet")) {
    auto code = static_cast<errc>(e.code());
    return failure(code == errc::unknown_job ? "unknown_job" : "refused", error_text(e));
  }
  if (e == caf::sec::request_timeout) return failure("timeout", "the fleet did not answer in time");
  return failure("failed", error_text(e));
}

// Sends a request to the supervisor and turns its answer (of type T) into the
// reply with `on_value`; errors and timeouts become failure replies.
template <class T, class OnValue, class... Ts>
caf::result<ControlReply> ask(control_ptr self, std::chrono::milliseconds timeout, OnValue on_value, Ts&&... xs) {
  auto promise = self->make_response_promise<ControlReply>();
  self->request(self->state.args.supervisor, timeout, std::forward<Ts>(xs)...)
      .then([promise, on_value](T& value) mutable { promise.deliver(on_value(value)); },
            [promise](caf::error& e) mutable { promise.deliver(from_error(e)); });
  return promise;
}

std::optional<uint32_t> parse_count(const std::string& text) {
  uint32_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// Mutating commands are logged at info: the audit trail of who changed what
// (the token holder) and when.
bool changes_something(const std::string& name) {
  return name == "start" || name == "stop" || name == "restart" || name == "kill" || name == "reload" ||
         name == "shutdown";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

caf::result<ControlReply> job_command(control_ptr self, const std::string& name, const std::string& id) {
  auto on_result = [name, id](CommandResult& r) {
    if (!r.ok) return failure("refused", id + ": " + r.message);
    return ok(json{{"job", id}, {"command", name}, {"message", r.message}});
  };
  auto timeout = self->state.args.command_timeout;
  if (name == "start") return ask<CommandResult>(self, timeout, on_result, start_atom::value, id);
  if (name == "stop") return ask<CommandResult>(self, timeout, on_result, stop_atom::value, id);
  if (name == "kill") return ask<CommandResult>(self, timeout, on_result, kill_atom::value, id);
  return ask<CommandResult>(self, timeout, on_result, restart_atom::value, id);
}

caf::result<ControlReply> dispatch(control_ptr self, const std::vector<std::string>& cmd) {
  auto& args = self->state.args;
  const std::string& name = cmd[0];
  const size_t n = cmd.size();
  auto usage = [&](const char* form) { return failure("bad_request", std::string("usage: ") + form); };

  if (name == "status") {
    if (n == 1)
      return ask<std::vector<JobStatus>>(
          self, args.query_timeout, [](std::vector<JobStatus>& all) { return ok(json(all)); }, status_atom::value);
    if (n == 2)
      return ask<JobStatus>(
          self, args.query_timeout, [](JobStatus& s) { return ok(json(s)); }, status_atom::value, cmd[1]);
    return usage("status [ID]");
  }
  if (name == "start" || name == "stop" || name == "restart" || name == "kill") {
    if (n != 2) return usage("start|stop|restart|kill ID");
    return job_command(self, name, cmd[1]);
  }
  if (name == "logs") {
    auto lines = n == 3 ? parse_count(cmd[2]) : std::optional<uint32_t>(default_log_lines);
    if ((n != 2 && n != 3) || !lines) return usage("logs ID [N]");
    return ask<std::vector<LogEntry>>(
        self, args.query_timeout, [](std::vector<LogEntry>& log) { return ok(json(log)); }, logs_atom::value,
        cmd[1], *lines);
  }
  if (name == "report") {
    if (n != 2) return usage("report ID");
    return ask<std::vector<RunReport>>(
        self, args.query_timeout, [](std::vector<RunReport>& runs) { return ok(json(runs)); }, report_atom::value,
        cmd[1]);
  }
  if (name == "reload") {
    if (n != 1) return usage("reload");
    return ask<ReloadResult>(
        self, args.command_timeout,
        [](ReloadResult& r) {
          if (!r.ok)
            return failure("invalid_file", "the job file was not applied; the fleet is unchanged",
                           json{{"errors", r.errors}});
          return ok(json{{"added", r.added}, {"removed", r.removed}, {"changed", r.changed}});
        },
        reload_atom::value);
  }
  if (name == "shutdown") {
    if (n != 1) return usage("shutdown");
    self->send(args.supervisor, shutdown_atom::value, false);
    return ok(json{{"message", "shutting down"}});
  }
  if (name == "metrics") {
    if (n != 1) return usage("metrics");
    return ask<std::vector<JobStatus>>(
        self, args.query_timeout,
        [](std::vector<JobStatus>& all) {
          auto usage = ProcSampler::self_usage();
          return ControlReply{0, "ok", format_metrics(all, ProcessUsage{usage.cpu_seconds, usage.rss_bytes})};
        },
        status_atom::value);
  }
  if (name == "ping") {  // answers only if the supervisor does: a real liveness check
    if (n != 1) return usage("ping");
    return ask<std::vector<std::string>>(
        self, args.query_timeout,
        [](std::vector<std::string>& ids) { return ok(json{{"status", "ok"}, {"jobs", ids.size()}}); },
        jobs_atom::value);
  }
  return failure("bad_request", "unknown command \"" + name + "\"");
}

control_actor::behavior_type control_impl(control_ptr self, ControlArgs args) {
  self->state.args = std::move(args);
  return {
      [=](const ControlRequest& req) -> caf::result<ControlReply> {
        auto& st = self->state;
        if (!st.args.token.empty() && !tokens_equal(st.args.token, req.token)) {
          log_warn("", "control: refused \"" + (req.command.empty() ? std::string() : req.command[0]) +
                           "\": " + (req.token.empty() ? "no token" : "wrong token"));
          return failure("unauthorized", "unauthorized");
        }
        if (req.command.empty()) return failure("bad_request", "empty command");
        if (changes_something(req.command[0])) log_info("", "control: " + joined(req.command));
        else log_debug("", "control: " + joined(req.command));
        return dispatch(self, req.command);
      },
  };
}

}  // namespace

control_actor spawn_control(caf::actor_system& sys, ControlArgs args) {
  return sys.spawn(control_impl, std::move(args));
}

}  // namespace ffleet
