// A streaming etcd watch on its own thread: POST /v3/watch, then one JSON
// object a line for as long as the connection lasts. Events are handed to a
// callback in order, each batch with the store revision it brings the
// watcher up to. A broken stream is reopened from the revision after the
// last one delivered, so nothing is missed and nothing is delivered twice;
// the callback hears about the break (and about the reconnection) so its
// owner can tell "etcd unreachable" from "nothing happened".
//
// The callbacks run on the watch thread: keep them short and non-blocking
// (the actors forward them as messages).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/etcd/etcd_client.hpp"

namespace ffleet::etcd {

struct WatchCallbacks {
  // A batch of events; `revision` is the newest mod_revision among them.
  std::function<void(std::vector<Event> events, int64_t revision)> on_events;
  // connected = true once the stream is open (again), false with `why` when
  // it broke; the watch keeps retrying on its own.
  std::function<void(bool connected, std::string why)> on_link;
  // The revision asked for was compacted away: the watch has stopped, the
  // owner must read everything again and start a new watch.
  std::function<void(int64_t compact_revision)> on_compacted;
};

class Watch {
 public:
  // Watches [key, range_end) from start_revision (0 = from now on).
  Watch(std::vector<Endpoint> endpoints, std::string key, std::string range_end, int64_t start_revision,
        WatchCallbacks callbacks, std::chrono::milliseconds retry_delay = std::chrono::milliseconds(250));
  // Stops and joins the thread; no callback runs after it returns.
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

 private:
  void run();
  // One connection; returns when it ends. Sets `compacted` if etcd said so.
  void stream_once(const Endpoint& endpoint, bool& compacted);
  // A line of the stream; false ends the stream.
  bool handle_line(const std::string& line, bool& compacted);

  std::vector<Endpoint> endpoints_;
  std::string key_, range_end_;
  int64_t next_revision_;  // where a reconnection starts
  WatchCallbacks callbacks_;
  std::chrono::milliseconds retry_delay_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};  // the thread is past its last callback
  std::mutex client_mutex_;  // guards client_: the destructor stops it from another thread
  httplib::Client* client_ = nullptr;
  std::thread thread_;
};

}  // namespace ffleet::etcd
