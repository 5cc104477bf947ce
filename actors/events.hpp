// The event stream (docs/control.md, "Events"): one JSON object a line, in order.
//
// Jobs and the supervisor build each event where it happens (so `ts` is the
// moment it happened) and send the line to the events actor, which appends it
// to the --events file (flushed per line) and to live subscribers. The events
// actor runs detached, on its own thread: a slow disk delays the file, never
// the supervision.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"

namespace ffleet {

// path: "" = no file, "-" = stdout, else appended to. shared: how many of
// its own events a cluster node keeps for the other nodes (0: a single node
// keeps none).
events_actor spawn_events(caf::actor_system& sys, const std::string& path, size_t shared = 0);

// Whether an event line is one every cluster node derives from etcd itself
// (node, placed, leader), so it is never fetched from another node.
bool is_cluster_event(const std::string& line);

// Sends one event to `events` (a no-op for a default-constructed handle).
void emit(const events_actor& events, nlohmann::json event);

// Builders for each kind; they add "ts" and "event".
nlohmann::json state_event(const std::string& job, State from, State to, uint64_t run,
                           std::optional<int> pid, const std::string& reason);
nlohmann::json exit_event(const std::string& job, uint64_t run, std::optional<int> pid,
                          const ExitStatus* status, State state, double runtime_s,
                          const std::string& reason);
nlohmann::json stale_event(const std::string& job, uint64_t run, std::optional<int> pid, double idle_s);
nlohmann::json limit_event(const std::string& job, uint64_t run, std::optional<int> pid,
                           const std::string& resource, double value, double limit);
nlohmann::json timeout_event(const std::string& job, uint64_t run, std::optional<int> pid, double after_s);
// `reason` says which limit: the job's max_restarts, or the supervisor's
// restart intensity for a job actor that keeps crashing.
nlohmann::json gave_up_event(const std::string& job, uint32_t restarts, double window_s, const std::string& reason);
nlohmann::json fleet_event(const std::string& action);

}  // namespace ffleet
