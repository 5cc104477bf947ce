#include "app/http_events.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <string>

namespace ffleet {

// Lines from one listener actor to one HTTP thread.
class EventQueue {
 public:
  explicit EventQueue(size_t capacity) : capacity_(capacity) {}

  // Called by the listener actor: never waits for the reader.
  void push(std::string line) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_) return;
      if (lines_.size() == capacity_) {
        lines_.pop_front();
        ++dropped_;
      }
      lines_.push_back(std::move(line));
    }
    ready_.notify_one();
  }

  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  // Waits up to `timeout` for lines; returns them as SSE text ("" if none
  // came). `closed` tells the caller to end the stream.
  std::string take(std::chrono::milliseconds timeout, bool* closed) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return closed_ || !lines_.empty(); });
    std::string out;
    if (dropped_ > 0) {
      out += ": " + std::to_string(dropped_) + " events dropped, the reader was too slow\n\n";
      dropped_ = 0;
    }
    for (auto& line : lines_) {
      out += "data: ";
      out += line;
      out += "\n\n";
    }
    lines_.clear();
    *closed = closed_;
    return out;
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> lines_;
  size_t dropped_ = 0;
  bool closed_ = false;
};

namespace {

// Ends the stream when the events actor goes (the daemon is shutting down).
event_listener_actor::behavior_type listener(event_listener_actor::pointer self, std::shared_ptr<EventQueue> queue,
                                             events_actor events) {
  self->monitor(events);
  self->set_down_handler([=](caf::down_msg&) {
    queue->close();
    self->quit();
  });
  self->attach_functor([queue] { queue->close(); });
  caf::anon_send(events, subscribe_atom::value, caf::actor_cast<event_listener_actor>(self));
  return {
      [=](event_atom, const std::string& line) { queue->push(line); },
  };
}

// A comment line every so often keeps proxies from closing an idle stream
// and lets us notice a client that went away.
constexpr std::chrono::milliseconds keep_alive{10000};

}  // namespace

EventStreams::EventStreams(caf::actor_system& sys, events_actor events, size_t max_streams)
    : sys_(sys), events_(std::move(events)), max_streams_(max_streams) {}

EventStreams::~EventStreams() { close_all(); }

bool EventStreams::open(httplib::Response& res) {
  auto queue = std::make_shared<EventQueue>(queue_capacity);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (streams_.size() >= max_streams_) return false;
    if (closed_) {
      queue->close();
    } else {
      auto actor = sys_.spawn(listener, queue, events_);
      streams_.push_back(Stream{queue, actor});
    }
  }
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
      [this, queue](bool) { remove(queue); });
  return true;
}

void EventStreams::remove(const std::shared_ptr<EventQueue>& queue) {
  queue->close();
  std::lock_guard<std::mutex> lock(mutex_);
  auto i = std::find_if(streams_.begin(), streams_.end(), [&](const Stream& s) { return s.queue == queue; });
  if (i == streams_.end()) return;
  caf::anon_send_exit(i->listener, caf::exit_reason::user_shutdown);
  streams_.erase(i);
}

void EventStreams::close_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  for (auto& s : streams_) {
    s.queue->close();
    caf::anon_send_exit(s.listener, caf::exit_reason::user_shutdown);
  }
  streams_.clear();
}

}  // namespace ffleet
