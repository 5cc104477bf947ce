#include "actors/events.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>

#include "src/util/logging.hpp"
#include "src/util/time_format.hpp"

namespace ffleet {

namespace {

nlohmann::json base(const char* kind) {
  return nlohmann::json{{"ts", rfc3339(std::chrono::system_clock::now())}, {"event", kind}};
}

nlohmann::json pid_json(std::optional<int> pid) {
  return pid ? nlohmann::json(*pid) : nlohmann::json(nullptr);
}

// The fields every event about one run of a job carries.
nlohmann::json run_event(const char* kind, const std::string& job, uint64_t run, std::optional<int> pid) {
  auto e = base(kind);
  e["job"] = job;
  e["run"] = run;
  e["pid"] = pid_json(pid);
  return e;
}

struct events_state {
  std::FILE* file = nullptr;
  bool owns_file = false;
  std::vector<event_listener_actor> listeners;
  uint64_t write_errors = 0;
  bool failing = false;  // the last write failed and was logged
  size_t shared_capacity = 0;
  uint64_t shared_last = 0;                // the number of the newest shared event
  std::deque<std::string> shared;          // numbered shared_last - size + 1 .. shared_last
  static inline const char* name = "events";

  ~events_state() {
    if (owns_file && file) std::fclose(file);
  }
};

// At most this many lines in one answer to another node: a node far behind
// catches up over a few fetches instead of one huge message.
constexpr size_t max_lines_per_fetch = 1000;

events_actor::behavior_type events_impl(events_actor::stateful_pointer<events_state> self,
                                        std::string path, size_t shared) {
  self->state.shared_capacity = shared;
  if (path == "-") {
    self->state.file = stdout;
  } else if (!path.empty()) {
    self->state.file = std::fopen(path.c_str(), "ae");  // append, close-on-exec
    self->state.owns_file = self->state.file != nullptr;
    if (!self->state.file) log_error("", "cannot open events file " + path + ": " + std::strerror(errno));
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& ls = self->state.listeners;
    ls.erase(std::remove_if(ls.begin(), ls.end(), [&](const auto& l) { return l.address() == dm.source; }),
             ls.end());
  });
  return {
      [=](event_atom, const std::string& line) {
        if (auto* f = self->state.file) {
          // A failed write is logged once and counted (ffleet_events_write_errors_total)
          // until a write works again: a full disk must not flood ffleet's own log.
          auto& st = self->state;
          bool written = std::fwrite(line.data(), 1, line.size(), f) == line.size() && std::fputc('\n', f) != EOF &&
                         std::fflush(f) == 0;
          if (!written) {
            ++st.write_errors;
            if (!st.failing) log_error("", std::string("cannot write the events file: ") + std::strerror(errno));
            std::clearerr(f);
          } else if (st.failing) {
            log_info("", "the events file is written again");
          }
          st.failing = !written;
        }
        for (auto& l : self->state.listeners) self->send(l, event_atom::value, line);
        auto& st = self->state;
        if (st.shared_capacity > 0 && !is_cluster_event(line)) {
          st.shared.push_back(line);
          ++st.shared_last;
          if (st.shared.size() > st.shared_capacity) st.shared.pop_front();
        }
      },
      [=](relayed_atom, const std::string& line) {
        for (auto& l : self->state.listeners) self->send(l, event_atom::value, line);
      },
      [=](since_atom, uint64_t after) {
        auto& st = self->state;
        uint64_t first = st.shared_last - st.shared.size() + 1;  // the number of shared.front()
        uint64_t from = after >= st.shared_last ? st.shared_last + 1 : std::max(after + 1, first);
        std::vector<std::string> lines;
        for (uint64_t n = from; n <= st.shared_last && lines.size() < max_lines_per_fetch; ++n)
          lines.push_back(st.shared[n - first]);
        return std::make_tuple(from, std::move(lines), st.shared_last);
      },
      [=](subscribe_atom, event_listener_actor listener) {
        self->monitor(listener);
        self->state.listeners.push_back(std::move(listener));
      },
      [=](errors_atom) { return self->state.write_errors; },
      [=](close_atom) {
        if (auto* f = self->state.file) std::fflush(f);
        self->quit();
        return true;
      },
  };
}

}  // namespace

events_actor spawn_events(caf::actor_system& sys, const std::string& path, size_t shared) {
  return sys.spawn<caf::detached>(events_impl, path, shared);
}

bool is_cluster_event(const std::string& line) {
  auto e = nlohmann::json::parse(line, nullptr, false);
  if (!e.is_object()) return false;
  auto kind = e.value("event", "");
  return kind == "node" || kind == "placed" || kind == "leader";
}

void emit(const events_actor& events, nlohmann::json event) {
  if (!events) return;
  caf::anon_send(events, event_atom::value,
                 event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json state_event(const std::string& job, State from, State to, uint64_t run,
                           std::optional<int> pid, const std::string& reason) {
  auto e = run_event("state", job, run, pid);
  e["from"] = std::string(to_string(from));
  e["to"] = std::string(to_string(to));
  e["reason"] = reason;
  return e;
}

nlohmann::json exit_event(const std::string& job, uint64_t run, std::optional<int> pid,
                          const ExitStatus* status, State state, double runtime_s,
                          const std::string& reason) {
  auto e = run_event("exit", job, run, pid);
  bool by_signal = status && status->signal != 0;
  e["exit_code"] = (status && !by_signal) ? nlohmann::json(status->code) : nlohmann::json(nullptr);
  e["signal"] = by_signal ? nlohmann::json(status->signal) : nlohmann::json(nullptr);
  e["state"] = std::string(to_string(state));
  e["runtime_s"] = runtime_s;
  e["reason"] = reason;
  return e;
}

nlohmann::json stale_event(const std::string& job, uint64_t run, std::optional<int> pid, double idle_s) {
  auto e = run_event("stale", job, run, pid);
  e["idle_s"] = idle_s;
  return e;
}

nlohmann::json limit_event(const std::string& job, uint64_t run, std::optional<int> pid,
                           const std::string& resource, double value, double limit) {
  auto e = run_event("limit", job, run, pid);
  e["resource"] = resource;
  e["value"] = value;
  e["limit"] = limit;
  return e;
}

nlohmann::json timeout_event(const std::string& job, uint64_t run, std::optional<int> pid, double after_s) {
  auto e = run_event("timeout", job, run, pid);
  e["after_s"] = after_s;
  return e;
}

nlohmann::json gave_up_event(const std::string& job, uint32_t restarts, double window_s, const std::string& reason) {
  auto e = base("gave_up");
  e["job"] = job;
  e["restarts"] = restarts;
  e["window_s"] = window_s;
  e["reason"] = reason;
  return e;
}

nlohmann::json fleet_event(const std::string& action) {
  auto e = base("fleet");
  e["action"] = action;
  return e;
}

}  // namespace ffleet
