// Splits a byte stream (ffmpeg's stderr, read in chunks of any size) into
// lines, the way datarhei core's `scanLine` does (docs/architecture.md,
// "Prior art"):
//
//  - a line ends at '\r', '\n' or "\r\n"; ffmpeg ends its progress lines
//    with a bare '\r', so each progress update becomes its own line;
//  - empty lines are never emitted, so "\r\n" is one break, also when the
//    '\r' ends one chunk and the '\n' starts the next;
//  - bytes are passed through as they are: invalid UTF-8 and NUL included.
//
// Unlike datarhei core (whose bufio.Scanner stops reading for good at a token
// over its limit), a line longer than max_line is cut: its first max_line
// bytes are emitted with truncated=true and the rest of it, up to its
// terminator, is dropped. So memory stays bounded whatever the child writes.
//
// Lines that lie wholly inside one chunk are handed out as views into that
// chunk, without a copy; only the unterminated tail of a chunk is buffered
// (at most max_line bytes). A view is valid only during the callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ffleet {

namespace detail {
// The first '\n' or '\r' in [p, end), or end.
const char* find_line_break(const char* p, const char* end);
}  // namespace detail

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = 64 * 1024) : max_line_(max_line > 0 ? max_line : 1) {}

  // Calls on_line(std::string_view text, bool truncated) for every line
  // completed by `chunk`.
  template <class F>
  void feed(std::string_view chunk, F&& on_line);

  // End of stream: emits the final unterminated line, if any, and resets the
  // splitter for a new stream.
  template <class F>
  void finish(F&& on_line);

  // Bytes of an unterminated line held back from earlier chunks.
  size_t buffered() const { return partial_.size(); }

 private:
  // Keeps [p, p+n), the unterminated end of a chunk, for the next chunk; cuts
  // the line once it is known to be longer than max_line.
  template <class F>
  void hold(const char* p, size_t n, F& on_line);

  size_t max_line_;
  std::string partial_;      // start of the current line, from earlier chunks
  bool discarding_ = false;  // dropping the rest of a line already cut
};

template <class F>
void LineSplitter::feed(std::string_view chunk, F&& on_line) {
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  while (p < end) {
    const char* brk = detail::find_line_break(p, end);
    if (brk == end) {
      if (!discarding_) hold(p, static_cast<size_t>(end - p), on_line);
      return;
    }
    size_t n = static_cast<size_t>(brk - p);
    if (discarding_) {
      discarding_ = false;  // the over-long line ends here
    } else if (partial_.empty()) {
      // The common case: the whole line is in this chunk. n == 0 is an
      // empty break (the '\n' of "\r\n", or a blank line): nothing to emit.
      if (n > max_line_) on_line(std::string_view(p, max_line_), true);
      else if (n > 0) on_line(std::string_view(p, n), false);
    } else {
      size_t room = max_line_ - partial_.size();  // partial_ never exceeds max_line
      bool cut = n > room;
      partial_.append(p, cut ? room : n);
      on_line(std::string_view(partial_), cut);
      partial_.clear();
    }
    p = brk + 1;
  }
}

template <class F>
void LineSplitter::hold(const char* p, size_t n, F& on_line) {
  size_t room = max_line_ - partial_.size();
  if (n <= room) {
    // Exactly max_line bytes are still a whole line if a terminator follows.
    partial_.append(p, n);
    return;
  }
  partial_.append(p, room);
  on_line(std::string_view(partial_), true);
  partial_.clear();
  discarding_ = true;
}

template <class F>
void LineSplitter::finish(F&& on_line) {
  if (!partial_.empty()) on_line(std::string_view(partial_), false);
  partial_.clear();
  discarding_ = false;
}

}  // namespace ffleet
