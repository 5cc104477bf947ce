#include "app/event_hub.hpp"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

namespace ffleet {

std::string sse_text(const SseEvent& e) {
  std::string out;
  out.reserve(e.id.size() + e.type.size() + e.data.size() + 24);
  out += "id: " + e.id + "\n";
  if (!e.type.empty()) out += "event: " + e.type + "\n";
  out += "data: " + e.data + "\n\n";  // one line: the events actor writes JSON lines
  return out;
}

void EventQueue::push(std::string text) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    if (texts_.size() == capacity_) {
      texts_.pop_front();
      ++dropped_;
    }
    texts_.push_back(std::move(text));
  }
  ready_.notify_one();
}

void EventQueue::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

std::string EventQueue::take(std::chrono::milliseconds timeout, bool* closed) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait_for(lock, timeout, [&] { return closed_ || !texts_.empty(); });
  std::string out;
  if (dropped_ > 0) {
    out += ": " + std::to_string(dropped_) + " events dropped, the reader was too slow\n\n";
    dropped_ = 0;
  }
  for (auto& t : texts_) out += t;
  texts_.clear();
  *closed = closed_;
  return out;
}

EventHub::EventHub(size_t replay, size_t streams, size_t queue, std::string instance)
    : replay_capacity_(std::max<size_t>(replay, 1)),
      max_streams_(streams),
      queue_capacity_(queue),
      instance_(std::move(instance)) {}

namespace {

// The "event" field of an event line, "" if it has none.
std::string event_type(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return "";
  auto i = j.find("event");
  return i != j.end() && i->is_string() ? i->get<std::string>() : "";
}

}  // namespace

void EventHub::publish(std::string line) {
  SseEvent e;
  e.type = event_type(line);
  e.data = std::move(line);
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  e.id = instance_ + "-" + std::to_string(next_++);
  std::string text = sse_text(e);
  for (auto& q : queues_) q->push(text);
  if (recent_.size() == replay_capacity_) recent_.pop_front();
  recent_.push_back(std::move(e));
}

std::shared_ptr<EventQueue> EventHub::subscribe(const std::string& last_event_id) {
  auto queue = std::make_shared<EventQueue>(queue_capacity_);
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) {
    queue->close();
    return queue;
  }
  if (queues_.size() >= max_streams_) return nullptr;
  // Under the same lock as publish: nothing falls between replay and live.
  replay_into(*queue, last_event_id);
  queues_.push_back(queue);
  return queue;
}

void EventHub::replay_into(EventQueue& queue, const std::string& last_event_id) {
  if (last_event_id.empty()) return;
  auto dash = last_event_id.rfind('-');
  uint64_t seen = 0;
  bool ours = dash != std::string::npos && last_event_id.compare(0, dash, instance_) == 0;
  if (ours) {
    const char* from = last_event_id.data() + dash + 1;
    const char* to = last_event_id.data() + last_event_id.size();
    auto [end, ec] = std::from_chars(from, to, seen);
    ours = ec == std::errc() && end == to && seen < next_;
  }
  if (!ours) {
    // Another daemon's id (this one restarted) or garbage: everything kept
    // is news to this client.
    queue.push(": Last-Event-ID " + last_event_id + " is not from this daemon (it restarted?); replaying the " +
               std::to_string(recent_.size()) + " events it kept\n\n");
    seen = next_ - 1 - recent_.size();
  }
  uint64_t oldest = next_ - recent_.size();  // the number of recent_.front()
  if (seen + 1 < oldest)
    queue.push(": " + std::to_string(oldest - seen - 1) + " events after " + last_event_id +
               " are no longer kept; resuming with the oldest kept\n\n");
  for (uint64_t n = std::max(seen + 1, oldest); n < next_; ++n) queue.push(sse_text(recent_[n - oldest]));
}

void EventHub::unsubscribe(const std::shared_ptr<EventQueue>& queue) {
  queue->close();
  std::lock_guard<std::mutex> lock(mutex_);
  queues_.erase(std::remove(queues_.begin(), queues_.end(), queue), queues_.end());
}

void EventHub::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  for (auto& q : queues_) q->close();
  queues_.clear();
}

}  // namespace ffleet
