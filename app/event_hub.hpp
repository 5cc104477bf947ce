// The server-sent event streams' shared side: numbers every event, keeps the
// most recent ones so a client that reconnects can resume where it left off
// (the `Last-Event-ID` header EventSource sends), and fans each event out to
// the open streams' queues.
//
// Ids read "<instance>-<n>": n counts the events of this daemon from 1, and
// the instance (the daemon's start in Unix milliseconds) tells a client that
// reconnects to a restarted daemon that its id means nothing here.
//
// Plain data behind a mutex, on the app side: one listener actor publishes,
// HTTP threads subscribe and read; a publish never waits for a reader (a full
// queue drops its oldest events and the stream says so).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ffleet {

struct SseEvent {
  std::string id;    // "<instance>-<n>"
  std::string type;  // the event's "event" field: state, exit, gave_up, ...
  std::string data;  // the JSON line
};

// The text of one event on the wire: id, event and data fields, blank line.
std::string sse_text(const SseEvent& e);

// What one stream has not sent yet.
class EventQueue {
 public:
  explicit EventQueue(size_t capacity) : capacity_(capacity) {}

  // Never waits for the reader: when full, the oldest text is dropped.
  void push(std::string text);
  void close();

  // Waits up to `timeout` for text; returns it ("" if none came). `closed`
  // tells the caller to end the stream.
  std::string take(std::chrono::milliseconds timeout, bool* closed);

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> texts_;
  size_t dropped_ = 0;
  bool closed_ = false;
};

class EventHub {
 public:
  // replay: events kept for resumption; streams: at most that many open;
  // queue: events kept per stream for a slow reader.
  EventHub(size_t replay, size_t streams, size_t queue,
           std::string instance = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()));

  // One event line from the events actor.
  void publish(std::string line);

  // A new stream's queue, already holding what it must see first: a note
  // and the events after `last_event_id` when it names one ("" = from now
  // on). nullptr when `streams` are open already.
  std::shared_ptr<EventQueue> subscribe(const std::string& last_event_id);
  void unsubscribe(const std::shared_ptr<EventQueue>& queue);

  // Ends every stream; later ones end at once.
  void close();

 private:
  void replay_into(EventQueue& queue, const std::string& last_event_id);

  const size_t replay_capacity_, max_streams_, queue_capacity_;
  const std::string instance_;
  std::mutex mutex_;
  uint64_t next_ = 1;
  std::deque<SseEvent> recent_;  // the last replay_capacity_ events, oldest first
  std::vector<std::shared_ptr<EventQueue>> queues_;
  bool closed_ = false;
};

}  // namespace ffleet
