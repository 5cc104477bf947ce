// The ffmpeg output parser on arbitrary bytes, as the reader feeds it: cut
// into lines by the LineSplitter (so lines may hold NUL and invalid UTF-8),
// each line parsed with a clock that advances 100 ms per line.
//
// Invariants: every progress value is finite (it goes out as JSON, which has
// no inf/nan), the prelude stays within its bound and every line is counted
// under exactly one level. UBSan catches the
// float-to-int and signed overflows of extreme values.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "src/ffmpeg/ffmpeg_parser.hpp"
#include "src/ffmpeg/line_splitter.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t head = 4, tail = 3;  // small, so the fuzzer reaches the ring
  ffleet::OutputParser parser(head, tail);
  ffleet::LineSplitter splitter;
  auto now = ffleet::SteadyTime{};
  auto wall = ffleet::WallTime{};
  uint64_t lines = 0;
  auto on_line = [&](std::string_view line, bool) {
    now += std::chrono::milliseconds(100);
    wall += std::chrono::milliseconds(100);
    parser.parse(line, now, wall);
    ++lines;

    if (const auto& p = parser.progress()) {
      for (double v : {p->fps, p->q, p->time_s, p->bitrate_kbps, p->speed})
        FUZZ_CHECK(std::isfinite(v), "progress values are finite");
      FUZZ_CHECK(parser.first_progress_at() && parser.last_progress_at(), "progress has its times");
    }
  };
  splitter.feed(std::string_view(reinterpret_cast<const char*>(data), size), on_line);
  splitter.finish(on_line);
  FUZZ_CHECK(parser.levels().total() == lines, "every line counted once");
  FUZZ_CHECK(parser.prelude().size() <= head + tail + 1, "prelude bounded");
  return 0;
}
