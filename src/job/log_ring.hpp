// The job's log: the last `log_lines` non-progress lines of its runs, each
// with the wall-clock time it was read. A ring, so a flood of log lines
// costs a bounded amount of memory; once full, storing a line reuses the
// buffer of the line it replaces. Every line gets the next number of the
// job's sequence, so a follower (`ctl logs -f`, the HTTP log stream) can
// ask for "what came after the last one I saw" and notice a gap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/util/time_format.hpp"

namespace ffleet {

struct LogEntry {
  WallTime ts;
  std::string text;
  uint64_t seq = 0;  // set by LogRing::push: 1, 2, 3, ... per job
};

// {"ts": RFC 3339, "text": ..., "seq": N}; bytes that are not UTF-8 become
// U+FFFD. "seq" is left out for entries that never were in a ring.
void to_json(nlohmann::json& j, const LogEntry& e);

class LogRing {
 public:
  explicit LogRing(size_t capacity);  // 0 keeps nothing

  void push(LogEntry entry);
  // The same without building a string first: no allocation once the ring
  // is full and warm.
  void push(WallTime ts, std::string_view text);

  // The last n entries (fewer if there are fewer), oldest first.
  std::vector<LogEntry> tail(size_t n) const;
  // The last n of the entries numbered above `seq` (all of them when fewer).
  std::vector<LogEntry> tail_after(uint64_t seq, size_t n) const;
  // The newest entry, or nullptr when empty.
  const LogEntry* last() const;

  size_t size() const { return size_; }
  // Keeps the newest entries that fit and the numbering.
  void set_capacity(size_t capacity);
  void clear();

 private:
  // The slot the next push writes to, growing the vector until it is full.
  LogEntry* next_slot();

  size_t capacity_;
  std::vector<LogEntry> slots_;
  size_t next_ = 0;  // slot of the next push; the oldest entry once full
  size_t size_ = 0;
  uint64_t next_seq_ = 1;
};

}  // namespace ffleet
