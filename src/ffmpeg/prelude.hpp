// The prelude: the lines ffmpeg prints before its first progress line (the
// banner, inputs, stream mapping, outputs, and the error when it fails to
// start). It explains a run, so the run report keeps it, but a broken input
// may print without end, so it is bounded as datarhei core bounds it: the first `head`
// lines, then the last `tail` lines in a ring, and a marker line between
// them that tells how many were left out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ffleet {

class Prelude {
 public:
  Prelude(size_t head, size_t tail);

  void add(std::string_view line);  // copies the line

  // head lines, "... N lines truncated ..." if any were dropped, tail lines.
  std::vector<std::string> lines() const;
  void clear();

 private:
  size_t head_capacity_;
  size_t tail_capacity_;
  std::vector<std::string> head_;
  std::vector<std::string> tail_;  // ring once full; tail_next_ is the oldest
  size_t tail_next_ = 0;
  uint64_t truncated_ = 0;
};

}  // namespace ffleet
