// The line splitter behaves as datarhei core's scanLine, chunk boundaries
// anywhere, with a bound on line length.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "src/ffmpeg/line_splitter.hpp"

using ffleet::LineSplitter;

namespace {

struct Line {
  std::string text;
  bool truncated;
  bool operator==(const Line& o) const { return text == o.text && truncated == o.truncated; }
};

std::ostream& operator<<(std::ostream& os, const Line& l) {
  return os << '"' << l.text << '"' << (l.truncated ? " (truncated)" : "");
}

// Feeds the chunks, then finishes; returns every line.
std::vector<Line> split(const std::vector<std::string>& chunks, size_t max_line = 64 * 1024) {
  LineSplitter splitter(max_line);
  std::vector<Line> out;
  auto collect = [&](std::string_view text, bool truncated) { out.push_back({std::string(text), truncated}); };
  for (const auto& c : chunks) splitter.feed(c, collect);
  splitter.finish(collect);
  return out;
}

std::vector<Line> whole(const std::string& s, size_t max_line = 64 * 1024) { return split({s}, max_line); }

std::vector<Line> lines(std::initializer_list<const char*> texts) {
  std::vector<Line> out;
  for (const char* t : texts) out.push_back({t, false});
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The stream cut into pieces of `size` bytes.
std::vector<std::string> pieces(const std::string& s, size_t size) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); i += size) out.push_back(s.substr(i, size));
  return out;
}

}  // namespace

TEST_CASE("line splitter: LF, CR and CR LF each end a line") {
  CHECK(whole("a\nb\rc\r\nd\n") == lines({"a", "b", "c", "d"}));
}

TEST_CASE("line splitter: empty lines are never emitted") {
  CHECK(whole("\n\n\r\r\n\r\na\n\n\r\nb\r\r\r") == lines({"a", "b"}));
  CHECK(whole("\r\n\r\n\n").empty());
  CHECK(whole("").empty());
}

TEST_CASE("line splitter: a CR at the end of one chunk and an LF at the start of the next make no empty line") {
  CHECK(split({"frame=1\r", "\nframe=2\r", "\n"}) == lines({"frame=1", "frame=2"}));
  CHECK(split({"a\r", "\n", "\r", "\n", "b"}) == lines({"a", "b"}));
}

TEST_CASE("line splitter: ffmpeg's CR-ended progress lines become separate lines") {
  CHECK(whole("Stream mapping:\nframe=    1 fps=0.0\rframe=  100 fps=25 \nvideo:103kB\n") ==
        lines({"Stream mapping:", "frame=    1 fps=0.0", "frame=  100 fps=25 ", "video:103kB"}));
}

TEST_CASE("line splitter: a stream cut at every possible boundary gives the same lines") {
  const std::string stream = "first\r\nsecond\rthird\n\n\r\nfourth\r\r\nlast-without-break";
  const auto expected = lines({"first", "second", "third", "fourth", "last-without-break"});
  REQUIRE(whole(stream) == expected);
  for (size_t i = 0; i <= stream.size(); ++i) {
    for (size_t j = i; j <= stream.size(); ++j) {
      INFO("cut at " << i << " and " << j);
      REQUIRE(split({stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)}) == expected);
    }
  }
}

TEST_CASE("line splitter: feeding one byte at a time gives the same lines") {
  const std::string stream = "a\r\nbb\rccc\n\r\n\rdddd";
  CHECK(split(pieces(stream, 1)) == whole(stream));
}

TEST_CASE("line splitter: finish emits the unterminated last line and resets for a new stream") {
  LineSplitter splitter;
  std::vector<std::string> out;
  auto collect = [&](std::string_view text, bool) { out.emplace_back(text); };
  splitter.feed("done\npartial", collect);
  CHECK(out == std::vector<std::string>{"done"});
  CHECK(splitter.buffered() == 7);
  splitter.finish(collect);
  CHECK(out == std::vector<std::string>{"done", "partial"});
  CHECK(splitter.buffered() == 0);
  splitter.finish(collect);  // nothing left: nothing more
  splitter.feed("next\n", collect);
  CHECK(out == std::vector<std::string>{"done", "partial", "next"});
}

TEST_CASE("line splitter: a line longer than max_line is cut to max_line bytes and the rest up to its break is dropped") {
  const std::string stream = "short\n" + std::string(25, 'x') + "\nafter\n";
  const std::vector<Line> expected = {{"short", false}, {std::string(10, 'x'), true}, {"after", false}};
  CHECK(whole(stream, 10) == expected);
  for (size_t size = 1; size <= stream.size(); ++size) {
    INFO("chunks of " << size);
    CHECK(split(pieces(stream, size), 10) == expected);
  }
  for (size_t i = 0; i <= stream.size(); ++i) {
    INFO("cut at " << i);
    CHECK(split({stream.substr(0, i), stream.substr(i)}, 10) == expected);
  }
}

TEST_CASE("line splitter: a line of exactly max_line bytes is whole, one byte more is truncated") {
  for (size_t size = 1; size <= 12; ++size) {
    INFO("chunks of " << size);
    CHECK(split(pieces("0123456789\nABCDEFGHIJK\n", size), 10) ==
          std::vector<Line>{{"0123456789", false}, {"ABCDEFGHIJ", true}});
    // At the end of the stream, too.
    CHECK(split(pieces("0123456789", size), 10) == std::vector<Line>{{"0123456789", false}});
    CHECK(split(pieces("0123456789A", size), 10) == std::vector<Line>{{"0123456789", true}});
  }
}

TEST_CASE("line splitter: an endless line never makes the buffer grow beyond max_line") {
  LineSplitter splitter(1000);
  size_t lines = 0;
  auto count = [&](std::string_view text, bool truncated) {
    ++lines;
    CHECK(text.size() == 1000);
    CHECK(truncated);
  };
  const std::string chunk(777, 'z');
  for (int i = 0; i < 20000; ++i) {  // 15 MB without a break
    splitter.feed(chunk, count);
    REQUIRE(splitter.buffered() <= 1000);
  }
  CHECK(lines == 1);
  std::vector<std::string> after;
  splitter.feed("zzz\rnext\n", [&](std::string_view text, bool) { after.emplace_back(text); });
  CHECK(after == std::vector<std::string>{"next"});
}

TEST_CASE("line splitter: invalid UTF-8 and NUL bytes pass through unchanged") {
  const std::string odd("a\0b\xff\xfe\xc3(\x80", 8);
  CHECK(whole(odd + "\n" + odd) == std::vector<Line>{{odd, false}, {odd, false}});
}

TEST_CASE("line splitter: lines inside one chunk are views into the chunk, not copies") {
  const std::string chunk = "one\ntwo\r\nthr";
  LineSplitter splitter;
  std::vector<const char*> starts;
  splitter.feed(chunk, [&](std::string_view text, bool) { starts.push_back(text.data()); });
  CHECK(starts == std::vector<const char*>{chunk.data(), chunk.data() + 4});
  CHECK(splitter.buffered() == 3);  // only the tail is held
}

TEST_CASE("line splitter: real ffmpeg stderr gives the same lines at any chunk size") {
  for (const char* name : {"ffmpeg51_video_re.txt", "ffmpeg51_video_progress.txt",
                           "ffmpeg51_audio_progress_levels.txt", "ffmpeg51_two_outputs.txt"}) {
    const std::string stream = read_file(std::string(FFLEET_TEST_DATA) + "/" + name);
    const auto expected = whole(stream);
    CHECK(expected.size() > 15);
    for (const Line& l : expected) {
      CHECK(l.text.find_first_of("\r\n") == std::string::npos);
      CHECK(!l.text.empty());
    }
    for (size_t size : {1, 2, 3, 7, 64, 100, 4096}) {
      INFO(name << " in chunks of " << size);
      CHECK(split(pieces(stream, size)) == expected);
    }
  }
}
