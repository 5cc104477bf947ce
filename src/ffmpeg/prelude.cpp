#include "src/ffmpeg/prelude.hpp"

namespace ffleet {

Prelude::Prelude(size_t head, size_t tail) : head_capacity_(head), tail_capacity_(tail) {}

void Prelude::add(std::string_view line) {
  if (head_.size() < head_capacity_) {
    head_.emplace_back(line);
  } else if (tail_capacity_ == 0) {
    ++truncated_;
  } else if (tail_.size() < tail_capacity_) {
    tail_.emplace_back(line);
  } else {
    tail_[tail_next_].assign(line.data(), line.size());  // reuses the old line's buffer
    tail_next_ = (tail_next_ + 1) % tail_capacity_;
    ++truncated_;
  }
}

std::vector<std::string> Prelude::lines() const {
  std::vector<std::string> out;
  out.reserve(head_.size() + tail_.size() + 1);
  out.insert(out.end(), head_.begin(), head_.end());
  if (truncated_ > 0)
    out.push_back("... " + std::to_string(truncated_) + (truncated_ == 1 ? " line" : " lines") +
                  " truncated ...");
  for (size_t i = 0; i < tail_.size(); ++i) out.push_back(tail_[(tail_next_ + i) % tail_.size()]);
  return out;
}

void Prelude::clear() {
  head_.clear();
  tail_.clear();
  tail_next_ = 0;
  truncated_ = 0;
}

}  // namespace ffleet
