#include "src/etcd/etcd_watch.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "src/etcd/base64.hpp"

namespace ffleet::etcd {

using nlohmann::json;

Watch::Watch(std::vector<Endpoint> endpoints, std::string key, std::string range_end, int64_t start_revision,
             WatchCallbacks callbacks, std::chrono::milliseconds retry_delay)
    : endpoints_(std::move(endpoints)),
      key_(std::move(key)),
      range_end_(std::move(range_end)),
      next_revision_(start_revision),
      callbacks_(std::move(callbacks)),
      retry_delay_(retry_delay) {
  thread_ = std::thread([this] { run(); });
}

Watch::~Watch() {
  stopping_ = true;
  // stop() only shuts a socket that is already open: one still connecting
  // would go on to wait for the stream. So stop again until the thread is out.
  while (!finished_) {
    {
      std::lock_guard<std::mutex> lock(client_mutex_);
      if (client_) client_->stop();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  thread_.join();
}

void Watch::run() {
  struct Finished {
    std::atomic<bool>& flag;
    ~Finished() { flag = true; }
  } finished{finished_};
  size_t current = 0;
  while (!stopping_) {
    bool compacted = false;
    stream_once(endpoints_[current], compacted);
    if (compacted || stopping_) return;
    current = (current + 1) % endpoints_.size();
    // Sleep in small steps so that the destructor is not held up.
    auto until = std::chrono::steady_clock::now() + retry_delay_;
    while (!stopping_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Watch::stream_once(const Endpoint& endpoint, bool& compacted) {
  httplib::Client client(endpoint.host, endpoint.port);
  client.set_connection_timeout(1, 0);
  // A watch is quiet while nothing changes: no read timeout worth the name.
  // A silently dead link is the owner's to notice (its lease renewals fail)
  // and to fix by replacing the watch.
  client.set_read_timeout(24 * 3600, 0);
  {
    std::lock_guard<std::mutex> lock(client_mutex_);
    if (stopping_) return;
    client_ = &client;
  }
  json create{{"key", base64_encode(key_)}};
  if (!range_end_.empty()) create["range_end"] = base64_encode(range_end_);
  if (next_revision_ > 0) create["start_revision"] = std::to_string(next_revision_);

  httplib::Request request;
  request.method = "POST";
  request.path = "/v3/watch";
  request.set_header("Content-Type", "application/json");
  request.body = json{{"create_request", create}}.dump();
  std::string buffer;
  bool ended = false;
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    buffer.append(data, size);
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      if (!line.empty() && !handle_line(line, compacted)) {
        ended = true;
        return false;
      }
    }
    return !stopping_.load();
  };
  auto result = client.send(request);
  {
    std::lock_guard<std::mutex> lock(client_mutex_);
    client_ = nullptr;
  }
  if (stopping_ || compacted) return;
  std::string why = ended ? "etcd ended the watch" : endpoint.to_string() + ": " + httplib::to_string(result.error());
  if (result && !ended) why = endpoint.to_string() + ": the watch stream closed (HTTP " + std::to_string(result->status) + ")";
  if (callbacks_.on_link) callbacks_.on_link(false, why);
}

bool Watch::handle_line(const std::string& line, bool& compacted) {
  auto j = json::parse(line, nullptr, false);
  if (j.is_discarded()) return false;
  if (j.contains("error")) return false;
  auto result = j.find("result");
  if (result == j.end()) return true;
  if (result->value("created", false)) {
    if (callbacks_.on_link) callbacks_.on_link(true, "");
    return true;
  }
  if (int64_t compact = json_int(*result, "compact_revision"); compact > 0) {
    compacted = true;
    if (callbacks_.on_compacted) callbacks_.on_compacted(compact);
    return false;
  }
  if (result->value("canceled", false)) return false;
  // The header's revision is the store's, which may be ahead of these
  // events: resuming from it could skip events still on their way.
  int64_t revision = 0;
  std::vector<Event> events;
  if (auto list = result->find("events"); list != result->end() && list->is_array()) {
    for (auto& e : *list) {
      Event event;
      event.type = e.value("type", std::string("PUT")) == "DELETE" ? Event::Type::del : Event::Type::put;
      if (auto kv = e.find("kv"); kv != e.end()) event.kv = parse_kv(*kv);
      revision = std::max(revision, event.kv.mod_revision);
      events.push_back(std::move(event));
    }
  }
  if (events.empty()) return true;  // a progress notification
  next_revision_ = revision + 1;
  if (callbacks_.on_events) callbacks_.on_events(std::move(events), revision);
  return true;
}

}  // namespace ffleet::etcd
