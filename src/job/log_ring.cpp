#include "src/job/log_ring.hpp"

#include <algorithm>

#include "src/util/utf8.hpp"

namespace ffleet {

void to_json(nlohmann::json& j, const LogEntry& e) {
  j = nlohmann::json{{"ts", rfc3339(e.ts)}, {"text", valid_utf8(e.text)}};
  if (e.seq != 0) j["seq"] = e.seq;
}

LogRing::LogRing(size_t capacity) : capacity_(capacity) {}

LogEntry* LogRing::next_slot() {
  if (capacity_ == 0) return nullptr;
  LogEntry* slot;
  if (slots_.size() < capacity_) {
    slots_.emplace_back();
    slot = &slots_.back();
  } else {
    slot = &slots_[next_];
  }
  next_ = (next_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
  return slot;
}

void LogRing::push(LogEntry entry) {
  entry.seq = next_seq_++;
  if (LogEntry* slot = next_slot()) *slot = std::move(entry);
}

void LogRing::push(WallTime ts, std::string_view text) {
  uint64_t seq = next_seq_++;
  if (LogEntry* slot = next_slot()) {
    slot->ts = ts;
    slot->text.assign(text.data(), text.size());
    slot->seq = seq;
  }
}

std::vector<LogEntry> LogRing::tail(size_t n) const {
  n = std::min(n, size_);
  std::vector<LogEntry> out;
  out.reserve(n);
  // The newest entry is just before next_; the oldest wanted n before it.
  for (size_t i = 0; i < n; ++i) out.push_back(slots_[(next_ + capacity_ - n + i) % capacity_]);
  return out;
}

std::vector<LogEntry> LogRing::tail_after(uint64_t seq, size_t n) const {
  uint64_t newer = next_seq_ - 1 > seq ? next_seq_ - 1 - seq : 0;
  return tail(static_cast<size_t>(std::min<uint64_t>(n, newer)));
}

void LogRing::set_capacity(size_t capacity) {
  auto kept = tail(std::min(size_, capacity));
  uint64_t next_seq = next_seq_;
  capacity_ = capacity;
  clear();
  for (auto& e : kept) {
    next_seq_ = e.seq;
    push(std::move(e));
  }
  next_seq_ = next_seq;
}

const LogEntry* LogRing::last() const {
  if (size_ == 0) return nullptr;
  return &slots_[(next_ + capacity_ - 1) % capacity_];
}

void LogRing::clear() {
  slots_.clear();
  next_ = 0;
  size_ = 0;
}

}  // namespace ffleet
