#include "actors/control.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "src/util/logging.hpp"
#include "src/control/command_table.hpp"
#include "src/control/metrics_format.hpp"
#include "src/control/build_info.hpp"
#include "src/process/self_usage.hpp"
#include "src/control/token.hpp"
#include "src/control/write_error_metrics.hpp"

namespace ffleet {

using nlohmann::json;

namespace {
// Invalid UTF-8 from a process's output must not make a reply fail.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
}  // namespace

ControlReply control_ok(const json& body) { return ControlReply{0, "ok", dump(body)}; }

ControlReply control_failure(const std::string& kind, const std::string& message, json extra) {
  extra["error"] = message;
  bool usage = kind == "bad_request" || kind == "invalid_file";
  return ControlReply{usage ? 2 : 1, kind, dump(extra)};
}

namespace {

struct control_state {
  ControlArgs args;
  static inline const char* name = "control";
};

using control_ptr = control_actor::stateful_pointer<control_state>;

ControlReply ok(const json& body) { return control_ok(body); }

ControlReply failure(const std::string& kind, const std::string& message, json extra = json::object()) {
  return control_failure(kind, message, std::move(extra));
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

template <class T>
std::optional<T> parse_number(const std::string& text) {
  T n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}
std::optional<uint32_t> parse_count(const std::string& text) { return parse_number<uint32_t>(text); }
std::optional<uint64_t> parse_seq(const std::string& text) { return parse_number<uint64_t>(text); }

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Whether `words` (the command's own, after its name) fit what it takes.
bool arguments_fit(const ControlCommand& command, size_t words) {
  switch (command.args) {
    case CommandArgs::none: return words == 0;
    case CommandArgs::optional_job: return words <= 1;
    case CommandArgs::job: return words == 1;
    case CommandArgs::job_and_count: return words >= 1 && words <= 3;
  }
  return false;
}

caf::result<ControlReply> status(control_ptr self, const std::vector<std::string>& cmd) {
  auto timeout = self->state.args.query_timeout;
  if (cmd.size() == 1)
    return ask<std::vector<JobStatus>>(
        self, timeout, [](std::vector<JobStatus>& all) { return ok(json(all)); }, status_atom::value);
  return ask<JobStatus>(self, timeout, [](JobStatus& s) { return ok(json(s)); }, status_atom::value, cmd[1]);
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

// logs ID [N [AFTER]]: with AFTER, only lines numbered above it (a follower).
caf::result<ControlReply> logs(control_ptr self, const std::vector<std::string>& cmd) {
  auto lines = cmd.size() >= 3 ? parse_count(cmd[2]) : std::optional<uint32_t>(default_log_lines);
  if (!lines) return failure("bad_request", "usage: logs ID [N [AFTER]]: N must be a number of lines");
  auto reply = [](std::vector<LogEntry>& log) { return ok(json(log)); };
  auto timeout = self->state.args.query_timeout;
  if (cmd.size() < 4) return ask<std::vector<LogEntry>>(self, timeout, reply, logs_atom::value, cmd[1], *lines);
  auto after = parse_seq(cmd[3]);
  if (!after) return failure("bad_request", "usage: logs ID [N [AFTER]]: AFTER must be a line number");
  return ask<std::vector<LogEntry>>(self, timeout, reply, logs_atom::value, cmd[1], *lines, *after);
}

caf::result<ControlReply> report(control_ptr self, const std::string& id) {
  return ask<std::vector<RunReport>>(
      self, self->state.args.query_timeout, [](std::vector<RunReport>& runs) { return ok(json(runs)); },
      report_atom::value, id);
}

caf::result<ControlReply> reload(control_ptr self) {
  return ask<ReloadResult>(
      self, self->state.args.command_timeout,
      [](ReloadResult& r) {
        if (!r.ok)
          return failure("invalid_file", "the job file was not applied; the fleet is unchanged",
                         json{{"errors", r.errors}});
        return ok(json{{"added", r.added}, {"removed", r.removed}, {"changed", r.changed}});
      },
      reload_atom::value);
}

// Asks the events actor and the log writer for their write-error counts
// (a missing or silent one counts 0), then calls `next` with them.
void ask_write_errors(control_ptr self, std::function<void(WriteErrorCounts)> next) {
  auto counts = std::make_shared<WriteErrorCounts>();
  auto timeout = self->state.args.query_timeout;
  auto ask_writer = [=] {
    auto& writer = self->state.args.log_writer;
    if (!writer) return next(*counts);
    self->request(writer, timeout, errors_atom::value)
        .then([=](uint64_t n) { counts->logs = n; next(*counts); }, [=](caf::error&) { next(*counts); });
  };
  auto& events = self->state.args.events;
  if (!events) return ask_writer();
  self->request(events, timeout, errors_atom::value)
      .then([=](uint64_t n) { counts->events = n; ask_writer(); }, [=](caf::error&) { ask_writer(); });
}

// The fleet's metrics, then the write-error counters (write_error_metrics.hpp).
caf::result<ControlReply> metrics(control_ptr self) {
  auto promise = self->make_response_promise<ControlReply>();
  ask_write_errors(self, [=](WriteErrorCounts counts) mutable {
    self->request(self->state.args.supervisor, self->state.args.query_timeout, status_atom::value)
        .then(
            [=](std::vector<JobStatus>& all) mutable {
              auto text = format_write_error_metrics(counts, all);
              text = format_metrics(MetricsInput{std::move(all), read_self_usage(), ffleet_version()}) + text;
              promise.deliver(ControlReply{0, "ok", std::move(text)});
            },
            [=](caf::error& e) mutable { promise.deliver(from_error(e)); });
  });
  return promise;
}

// Answers only if the supervisor does: a real liveness check.
caf::result<ControlReply> ping(control_ptr self) {
  return ask<std::vector<std::string>>(
      self, self->state.args.query_timeout,
      [](std::vector<std::string>& ids) { return ok(json{{"status", "ok"}, {"jobs", ids.size()}}); },
      jobs_atom::value);
}

// `cmd` names a command of the table and has the words it takes.
caf::result<ControlReply> dispatch(control_ptr self, const std::vector<std::string>& cmd) {
  const std::string& name = cmd[0];
  if (name == "status") return status(self, cmd);
  if (name == "start" || name == "stop" || name == "restart" || name == "kill") return job_command(self, name, cmd[1]);
  if (name == "logs") return logs(self, cmd);
  if (name == "report") return report(self, cmd[1]);
  if (name == "reload") return reload(self);
  if (name == "metrics") return metrics(self);
  if (name == "ping") return ping(self);
  self->send(self->state.args.supervisor, shutdown_atom::value, StopMode::graceful);  // shutdown
  return ok(json{{"message", "shutting down"}});
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
        const ControlCommand* command = find_control_command(req.command[0]);
        if (!command) return failure("bad_request", "unknown command \"" + req.command[0] + "\"");
        if (!arguments_fit(*command, req.command.size() - 1))
          return failure("bad_request", "usage: " + command_usage(*command));
        if (command->changes_fleet) log_info("", "control: " + joined(req.command));
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
