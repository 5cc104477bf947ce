// GET /api/v1/events: the event stream (the `--events` lines) as server-sent
// events, each with an `id:` (for resuming after a reconnect through the
// Last-Event-ID header), an `event:` (its type, for addEventListener) and
// one `data:` line.
//
// The bridge between the actor world and the HTTP threads: one listener
// actor, subscribed to the events actor, publishes every line into the
// EventHub (app/event_hub.hpp), which numbers it, keeps the most recent for
// replay and hands it to each open stream's queue; each stream's HTTP thread
// waits on its queue. Locks live here on the app side, never in an actor's
// code path that could stall: a publish only appends.
#pragma once

#include <cstddef>
#include <memory>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ffleet {

class EventHub;

class EventStreams {
 public:
  EventStreams(caf::actor_system& sys, events_actor events, size_t max_streams);
  ~EventStreams();  // close_all()

  // Starts a stream on `res`, resuming after the request's Last-Event-ID
  // when it has one; false when max_streams are already open.
  bool open(const httplib::Request& req, httplib::Response& res);

  // Ends every stream (their HTTP threads return at once) and stops the
  // listener actor. Streams opened afterwards end immediately.
  void close_all();

  // Events kept per stream before the oldest are dropped.
  static constexpr size_t queue_capacity = 4096;
  // Recent events kept for clients that reconnect.
  static constexpr size_t replay_capacity = 1024;

 private:
  std::shared_ptr<EventHub> hub_;
  event_listener_actor listener_;
};

}  // namespace ffleet
