// GET /api/v1/events: the event stream (docs/control.md) as server-sent
// events, one `data: <json line>` per event.
//
// The bridge between the actor world and an HTTP thread: per stream, a
// listener actor subscribed to the events actor pushes each line into a
// bounded queue (never blocking; when a reader falls behind the oldest lines
// are dropped and the stream says so), and the HTTP thread waits on that
// queue. The lock lives here on the app side, not in any actor's code path
// it could stall: a push only appends under the mutex.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace httplib {
struct Response;
}

namespace ffleet {

class EventQueue;

class EventStreams {
 public:
  EventStreams(caf::actor_system& sys, events_actor events, size_t max_streams);
  ~EventStreams();  // close_all()

  // Starts a stream on `res`; false when max_streams are already open.
  bool open(httplib::Response& res);

  // Ends every stream (their HTTP threads return at once) and stops their
  // listener actors. Streams opened afterwards end immediately.
  void close_all();

  // Lines kept per stream before the oldest are dropped.
  static constexpr size_t queue_capacity = 4096;

 private:
  struct Stream {
    std::shared_ptr<EventQueue> queue;
    event_listener_actor listener;
  };

  void remove(const std::shared_ptr<EventQueue>& queue);

  caf::actor_system& sys_;
  events_actor events_;
  size_t max_streams_;
  std::mutex mutex_;
  std::vector<Stream> streams_;
  bool closed_ = false;
};

}  // namespace ffleet
