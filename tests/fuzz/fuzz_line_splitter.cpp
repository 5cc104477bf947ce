// The line splitter on arbitrary bytes cut into arbitrary chunks.
//
// Input: byte 0 picks the line cap (1..256), bytes 1..4 seed the chunk
// sizes, the rest is the stream. The lines must be exactly those of a
// plain reference split of the whole stream at once: so the result does not
// depend on where read() happened to cut ffmpeg's stderr, no line is empty,
// none is longer than the cap, and only a line at the cap is marked cut.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "src/ffmpeg/line_splitter.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

struct Line {
  std::string text;
  bool truncated;
  bool operator==(const Line& o) const { return text == o.text && truncated == o.truncated; }
};

// The documented behaviour, written the obvious way: split at every '\r' or
// '\n', skip empty pieces, cut a piece longer than the cap.
std::vector<Line> reference_split(std::string_view stream, size_t cap) {
  std::vector<Line> out;
  size_t start = 0;
  for (size_t i = 0; i <= stream.size(); ++i) {
    if (i < stream.size() && stream[i] != '\r' && stream[i] != '\n') continue;
    std::string_view piece = stream.substr(start, i - start);
    if (!piece.empty()) out.push_back({std::string(piece.substr(0, cap)), piece.size() > cap});
    start = i + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const size_t cap = 1 + data[0];
  std::minstd_rand chunk_sizes(uint32_t(data[1]) | uint32_t(data[2]) << 8 | uint32_t(data[3]) << 16 |
                               uint32_t(data[4]) << 24);
  std::string_view stream(reinterpret_cast<const char*>(data) + 5, size - 5);

  ffleet::LineSplitter splitter(cap);
  std::vector<Line> got;
  auto on_line = [&](std::string_view text, bool truncated) {
    FUZZ_CHECK(!text.empty(), "no empty line");
    FUZZ_CHECK(text.size() <= cap, "no line over the cap");
    FUZZ_CHECK(!truncated || text.size() == cap, "only a line at the cap is cut");
    got.push_back({std::string(text), truncated});
  };
  size_t pos = 0;
  while (pos < stream.size()) {
    size_t n = std::min<size_t>(stream.size() - pos, chunk_sizes() % (2 * cap + 2));  // 0-byte chunks too
    splitter.feed(stream.substr(pos, n), on_line);
    FUZZ_CHECK(splitter.buffered() <= cap, "held-back bytes bounded by the cap");
    pos += n;
  }
  splitter.finish(on_line);
  FUZZ_CHECK(splitter.buffered() == 0, "finish empties the buffer");

  FUZZ_CHECK(got == reference_split(stream, cap), "chunking does not change the lines");
  return 0;
}
