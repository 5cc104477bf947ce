#include "app/http_events.hpp"

#include <httplib.h>

#include <chrono>
#include <string>

#include "app/event_hub.hpp"

namespace ffleet {

namespace {

// Ends the streams when the events actor goes (the daemon is shutting down).
event_listener_actor::behavior_type listener(event_listener_actor::pointer self, std::shared_ptr<EventHub> hub,
                                             events_actor events) {
  self->monitor(events);
  self->set_down_handler([=](caf::down_msg&) {
    hub->close();
    self->quit();
  });
  self->attach_functor([hub] { hub->close(); });
  caf::anon_send(events, subscribe_atom::value, caf::actor_cast<event_listener_actor>(self));
  return {
      [=](event_atom, std::string& line) { hub->publish(std::move(line)); },
  };
}

// A comment line every so often keeps proxies from closing an idle stream
// and lets us notice a client that went away.
constexpr std::chrono::milliseconds keep_alive{10000};

}  // namespace

EventStreams::EventStreams(caf::actor_system& sys, events_actor events, size_t max_streams)
    : hub_(std::make_shared<EventHub>(replay_capacity, max_streams, queue_capacity)),
      listener_(sys.spawn(listener, hub_, std::move(events))) {}

EventStreams::~EventStreams() { close_all(); }

bool EventStreams::open(const httplib::Request& req, httplib::Response& res) {
  auto queue = hub_->subscribe(req.get_header_value("Last-Event-ID"));
  if (!queue) return false;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  bool greeted = false;
  res.set_chunked_content_provider(
      "text/event-stream",
      [queue, greeted](size_t, httplib::DataSink& sink) mutable {
        // The first chunk goes out at once, so the client sees the stream is open.
        std::string chunk = greeted ? "" : std::string("retry: 2000\n: ffleet events\n\n");
        greeted = true;
        bool closed = false;
        if (chunk.empty()) chunk = queue->take(keep_alive, &closed);
        if (chunk.empty() && !closed) chunk = ": keep-alive\n\n";
        if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
        if (closed) sink.done();
        return true;
      },
      [hub = hub_, queue](bool) { hub->unsubscribe(queue); });
  return true;
}

void EventStreams::close_all() {
  hub_->close();
  caf::anon_send_exit(listener_, caf::exit_reason::user_shutdown);
}

}  // namespace ffleet
