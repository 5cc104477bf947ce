// The ffmpeg stderr parser: progress in both forms and in every ffmpeg
// version's dialect, log levels, the prelude, and recent rates. Hand-written
// lines for the cases, then real ffmpeg 5.1 output (tests/data).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <cmath>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/ffmpeg/ffmpeg_parser.hpp"
#include "src/ffmpeg/line_splitter.hpp"

using namespace ffleet;
using namespace std::chrono_literals;
using Catch::Detail::Approx;

namespace {

// A parser on a clock the test moves.
struct Fixture {
  OutputParser parser;
  SteadyTime now = SteadyTime{} + 1000h;
  WallTime wall = WallTime{} + 24h * 20000;

  uint64_t feed(std::string_view line) { return parser.parse(line, now, wall); }
  void advance(std::chrono::milliseconds d) {
    now += d;
    wall += d;
  }
  Progress progress() {
    REQUIRE(parser.progress());
    return *parser.progress();
  }
};

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(FFLEET_TEST_DATA) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A real capture through the splitter and the parser, as the reader does it,
// in chunks of `chunk` bytes, the clock moving 100 ms a line.
struct Replay {
  OutputParser parser;
  std::vector<std::string> logged;  // the lines the caller would log
  uint64_t progressed = 0;          // sum of the progress amounts
  size_t progress_lines = 0;
};

Replay replay(const std::string& name, size_t chunk = 4096) {
  const std::string data = read_data(name);
  Replay r;
  LineSplitter splitter;
  SteadyTime now = SteadyTime{} + 1h;
  auto on_line = [&](std::string_view line, bool) {
    now += 100ms;
    r.progressed += r.parser.parse(line, now, std::chrono::system_clock::now());
    if (r.parser.last_line_was_progress()) ++r.progress_lines;
    else r.logged.emplace_back(line);
  };
  for (size_t i = 0; i < data.size(); i += chunk) splitter.feed(std::string_view(data).substr(i, chunk), on_line);
  splitter.finish(on_line);
  return r;
}

const char* const classic = "frame=  123 fps= 25 q=28.0 size=    1024kB time=00:00:04.92 "
                            "bitrate=1704.2kbits/s dup=0 drop=3 speed=1.01x";

}  // namespace

// ---- the classic status line ----------------------------------------------

TEST_CASE("ffmpeg parser: a status line gives every field of the progress object") {
  Fixture f;
  CHECK_FALSE(f.parser.progress());
  CHECK(f.feed(classic) == 123);
  CHECK(f.parser.last_line_was_progress());
  const Progress& p = f.progress();
  CHECK(p.frame == 123);
  CHECK(p.fps == 25);  // the first update: ffmpeg's own figure
  CHECK(p.q == 28.0);
  CHECK(p.size_bytes == 1048576);
  CHECK(p.time_s == Approx(4.92));
  CHECK(p.bitrate_kbps == Approx(1704.2));
  CHECK(p.speed == Approx(1.01));
  CHECK(p.dup == 0);
  CHECK(p.drop == 3);
}

TEST_CASE("ffmpeg parser: datarhei core's test status line gives size 453632 and time 238.44") {
  Fixture f;
  f.feed("frame= 5968 fps= 25 q=19.4 size=     443kB time=00:03:58.44 bitrate=  15.2kbits/s speed=   1x    ");
  CHECK(f.progress().size_bytes == 453632);
  CHECK(f.progress().time_s == Approx(238.44));
  CHECK(f.progress().speed == 1);
}

TEST_CASE("ffmpeg parser: ffmpeg 6.1+ KiB and MiB sizes, 7.x elapsed= and time=N/A are read") {
  Fixture f;
  f.feed("frame=    0 fps=0.0 q=0.0 size=       0KiB time=N/A bitrate=N/A speed=N/A elapsed=0:00:00.50    ");
  CHECK(f.parser.last_line_was_progress());
  CHECK(f.progress().time_s == 0);
  f.feed("frame=  250 fps= 50 q=-1.0 Lsize=    1234KiB time=00:00:10.00 bitrate=1010.9kbits/s speed=2.01x elapsed=0:00:04.97    ");
  CHECK(f.progress().frame == 250);
  CHECK(f.progress().size_bytes == 1234 * 1024);
  CHECK(f.progress().time_s == Approx(10));
  CHECK(f.progress().speed == Approx(2.01));
  f.feed("size=       3MiB time=00:00:11.00 bitrate=2287.6kbits/s speed=2.01x elapsed=0:00:05.47");
  CHECK(f.progress().size_bytes == 3 * 1024 * 1024);
}

TEST_CASE("ffmpeg parser: N/A fields are 0 and the line is still progress") {
  Fixture f;
  CHECK(f.feed("frame=    1 fps=0.0 q=0.0 size=N/A time=N/A bitrate=N/A speed=N/A    ") == 1);
  CHECK(f.parser.last_line_was_progress());
  const Progress& p = f.progress();
  CHECK(p.size_bytes == 0);
  CHECK(p.time_s == 0);
  CHECK(p.bitrate_kbps == 0);
  CHECK(p.speed == 0);
}

TEST_CASE("ffmpeg parser: negative start times, q=-1.0 and fps=0.0 are read as printed") {
  Fixture f;
  f.feed("frame=    2 fps=0.0 q=-1.0 size=       1kB time=-00:00:00.04 bitrate=N/A speed=N/A    ");
  CHECK(f.progress().time_s == Approx(-0.04));
  CHECK(f.progress().q == -1.0);
  CHECK(f.progress().fps == 0.0);
}

TEST_CASE("ffmpeg parser: with several outputs the first q counts, also when the final line says Lq=") {
  Fixture f;
  f.feed("frame=    1 fps=0.0 q=3.9 q=0.0 size=       6kB time=00:00:00.00 bitrate=4512000.0kbits/s speed=N/A    ");
  CHECK(f.progress().q == Approx(3.9));
  f.feed("frame=   50 fps=0.0 q=2.0 Lq=-1.0 size=      68kB time=00:00:01.96 bitrate= 282.4kbits/s speed=13.7x    ");
  CHECK(f.progress().q == Approx(2.0));
  CHECK(f.progress().frame == 50);
  CHECK(f.progress().size_bytes == 68 * 1024);
}

TEST_CASE("ffmpeg parser: blanks may vary: no padding, more padding, tabs, trailing blanks") {
  for (const char* line :
       {"frame=123 fps=25 q=28.0 size=1024kB time=00:00:04.92 bitrate=1704.2kbits/s dup=0 drop=3 speed=1.01x",
        "frame=    123   fps=   25 q=  28.0 size=       1024kB  time=  00:00:04.92 bitrate=  1704.2kbits/s dup=0 drop=3 speed=   1.01x      ",
        "frame=\t123\tfps=25\tq=28.0\tsize=1024kB\ttime=00:00:04.92\tbitrate=1704.2kbits/s\tdup=0\tdrop=3\tspeed=1.01x\t"}) {
    INFO(line);
    Fixture f;
    CHECK(f.feed(line) == 123);
    CHECK(f.progress().size_bytes == 1048576);
    CHECK(f.progress().time_s == Approx(4.92));
    CHECK(f.progress().q == 28.0);
    CHECK(f.progress().speed == Approx(1.01));
    CHECK(f.progress().drop == 3);
  }
}

TEST_CASE("ffmpeg parser: an [info] level prefix does not hide a status line") {
  Fixture f;
  CHECK(f.feed(std::string("[info] ") + classic) == 123);
  CHECK(f.parser.last_line_was_progress());
  CHECK(f.progress().frame == 123);
  CHECK(f.parser.levels()[LogLevel::info] == 1);
}

TEST_CASE("ffmpeg parser: progress lines are not to be logged, every other line is") {
  Fixture f;
  f.feed("Stream mapping:");
  CHECK_FALSE(f.parser.last_line_was_progress());
  f.feed(classic);
  CHECK(f.parser.last_line_was_progress());
  f.feed("[h264 @ 0x55d] [warning] non-existing PPS 0 referenced");
  CHECK_FALSE(f.parser.last_line_was_progress());
  // Lines that merely look alike are log lines.
  for (const char* line : {"frame=  12 fps=3 (no time field)", "size matters", "frames=1 time=2",
                           "video:53kB audio:0kB subtitle:0kB", "  frame=1 time=00:00:01.00"}) {
    INFO(line);
    CHECK(f.feed(line) == 0);
    CHECK_FALSE(f.parser.last_line_was_progress());
  }
}

TEST_CASE("ffmpeg parser: returns the frames advanced since the previous progress, 0 when none or no progress") {
  Fixture f;
  auto line = [](int frame) {
    return "frame=" + std::to_string(frame) + " fps=25 q=2.0 size=N/A time=00:00:01.00 bitrate=N/A speed=1x";
  };
  CHECK(f.feed(line(10)) == 10);
  CHECK(f.feed(line(10)) == 0);  // printing without advancing is no progress: stale
  CHECK(f.feed(line(25)) == 15);
  CHECK(f.feed("some log line") == 0);
  CHECK(f.feed(line(20)) == 0);  // a counter going back is never counted twice
  CHECK(f.feed(line(30)) == 5);
}

TEST_CASE("ffmpeg parser: for audio-only output it returns the milliseconds of media time advanced") {
  Fixture f;
  CHECK(f.feed("size=       0kB time=00:00:00.00 bitrate=N/A speed=N/A    ") == 0);
  CHECK(f.parser.last_line_was_progress());
  CHECK(f.feed("size=       3kB time=00:00:00.46 bitrate=  61.5kbits/s speed=0.918x    ") == 460);
  CHECK(f.feed("size=      10kB time=00:00:00.97 bitrate=  86.4kbits/s speed=0.966x    ") == 510);
  CHECK(f.feed("size=      10kB time=00:00:00.97 bitrate=  86.4kbits/s speed=0.5x    ") == 0);
  CHECK(f.progress().frame == 0);
  CHECK(f.progress().fps == 0);
}

// ---- -progress blocks -------------------------------------------------------

TEST_CASE("ffmpeg parser: a -progress block makes one update when progress= arrives, and all its lines are progress lines") {
  Fixture f;
  for (const char* line : {"frame=26", "fps=25.65", "stream_0_0_q=2.0", "bitrate= 305.3kbits/s",
                           "total_size=38164", "out_time_us=1000011", "out_time_ms=1000011",
                           "out_time=00:00:01.000011", "dup_frames=1", "drop_frames=2", "speed=0.988x"}) {
    INFO(line);
    CHECK(f.feed(line) == 0);
    CHECK(f.parser.last_line_was_progress());
    CHECK_FALSE(f.parser.progress());
  }
  CHECK(f.feed("progress=continue") == 26);
  CHECK(f.parser.last_line_was_progress());
  const Progress& p = f.progress();
  CHECK(p.frame == 26);
  CHECK(p.fps == Approx(25.65));
  CHECK(p.q == 2.0);
  CHECK(p.size_bytes == 38164);
  CHECK(p.time_s == Approx(1.000011));
  CHECK(p.bitrate_kbps == Approx(305.3));
  CHECK(p.dup == 1);
  CHECK(p.drop == 2);
  CHECK(p.speed == Approx(0.988));
  CHECK(f.parser.prelude().empty());
}

TEST_CASE("ffmpeg parser: out_time_ms is microseconds like out_time_us, and out_time is the last resort") {
  Fixture f;
  f.feed("frame=1");
  f.feed("out_time_ms=2500000");
  f.feed("out_time=00:00:09.000000");
  f.feed("progress=continue");
  CHECK(f.progress().time_s == Approx(2.5));
  f.feed("frame=2");
  f.feed("out_time_us=N/A");
  f.feed("out_time_ms=N/A");
  f.feed("out_time=00:00:03.250000");
  f.feed("progress=continue");
  CHECK(f.progress().time_s == Approx(3.25));
  f.feed("frame=3");
  f.feed("out_time_us=3500000");
  f.feed("out_time_ms=1");
  f.feed("progress=end");
  CHECK(f.progress().time_s == Approx(3.5));
}

TEST_CASE("ffmpeg parser: a -progress block without frame= (audio only) advances by media time") {
  Fixture f;
  for (const char* line : {"bitrate=  61.5kbits/s", "total_size=3572", "out_time_us=464400", "out_time_ms=464400",
                           "out_time=00:00:00.464400", "dup_frames=0", "drop_frames=0", "speed=0.914x"})
    f.feed(line);
  CHECK(f.feed("progress=continue") == 464);
  f.feed("total_size=10528");
  f.feed("out_time_us=975244");
  CHECK(f.feed("progress=continue") == 511);
  CHECK(f.progress().size_bytes == 10528);
}

TEST_CASE("ffmpeg parser: keys unknown to us inside a block belong to the block, and the first stream's q counts") {
  Fixture f;
  f.feed("frame=5");
  f.feed("stream_0_0_q=28.0");
  f.feed("stream_1_0_q=-1.0");
  CHECK(f.feed("some_future_key=42") == 0);
  CHECK(f.parser.last_line_was_progress());
  f.feed("progress=continue");
  CHECK(f.progress().q == 28.0);
  // Outside a block an unknown key is just a log line.
  CHECK(f.feed("some_future_key=42") == 0);
  CHECK_FALSE(f.parser.last_line_was_progress());
}

TEST_CASE("ffmpeg parser: with both forms printed (-progress pipe:2) the blocks win, and nothing is counted twice") {
  Fixture f;
  uint64_t total = 0;
  total += f.feed("frame=   13 fps=0.0 q=1.6 size=      21kB time=00:00:00.48 bitrate= 366.6kbits/s speed=0.942x    ");
  for (const char* line : {"frame=13", "total_size=21996", "out_time_us=480011", "progress=continue"})
    total += f.feed(line);
  CHECK(f.progress().size_bytes == 21996);
  total += f.feed("frame=   26 fps= 26 q=2.0 size=      37kB time=00:00:01.00 bitrate= 305.3kbits/s speed=0.988x    ");
  CHECK(f.parser.last_line_was_progress());
  CHECK(f.progress().size_bytes == 21996);  // the status line is no longer used
  for (const char* line : {"frame=26", "total_size=38164", "out_time_us=1000011", "progress=continue"})
    total += f.feed(line);
  CHECK(f.progress().size_bytes == 38164);
  CHECK(f.progress().time_s == Approx(1.000011));
  CHECK(total == 26);
}

// ---- levels and the prelude ---------------------------------------------------

TEST_CASE("ffmpeg parser: every line is counted under its level+info level, progress lines too") {
  Fixture f;
  for (const char* line :
       {"[info] Stream mapping:", "[h264 @ 0x55d] [warning] non-existing PPS", "[error] Connection refused",
        "[tls @ 0x1] [https @ 0x2] [fatal] handshake failed", "no prefix at all", "[h264 @ 0x55d] no level",
        "[foo] not a level", "[debug] x", "[verbose] y", "[trace] z", "[panic] p", "[quiet] q"})
    f.feed(line);
  f.feed(std::string("[info] ") + classic);
  const LevelCounts& c = f.parser.levels();
  CHECK(c[LogLevel::info] == 2);
  CHECK(c[LogLevel::warning] == 1);
  CHECK(c[LogLevel::error] == 1);
  CHECK(c[LogLevel::fatal] == 1);
  CHECK(c[LogLevel::none] == 3);
  CHECK(c[LogLevel::debug] == 1);
  CHECK(c[LogLevel::verbose] == 1);
  CHECK(c[LogLevel::trace] == 1);
  CHECK(c[LogLevel::panic] == 1);
  CHECK(c[LogLevel::quiet] == 1);
  CHECK(c.total() == 13);
  CHECK(f.parser.last_line_level() == LogLevel::info);
}

TEST_CASE("ffmpeg parser: a prelude of 150 lines is kept whole (seed)") {
  Fixture f;
  for (int i = 1; i <= 150; ++i) f.feed("prelude line " + std::to_string(i));
  auto prelude = f.parser.prelude();
  REQUIRE(prelude.size() == 150);
  CHECK(prelude.front() == "prelude line 1");
  CHECK(prelude.back() == "prelude line 150");
}

TEST_CASE("ffmpeg parser: a prelude of 300 lines keeps 151: the first 100, a marker, the last 50 (seed)") {
  Fixture f;
  for (int i = 1; i <= 300; ++i) f.feed("prelude line " + std::to_string(i));
  auto prelude = f.parser.prelude();
  REQUIRE(prelude.size() == 151);
  CHECK(prelude[0] == "prelude line 1");
  CHECK(prelude[99] == "prelude line 100");
  CHECK(prelude[100] == "... 150 lines truncated ...");
  CHECK(prelude[101] == "prelude line 251");
  CHECK(prelude[150] == "prelude line 300");
}

TEST_CASE("ffmpeg parser: prelude sizes are configurable and one dropped line says so in the singular") {
  OutputParser parser(2, 1);
  for (const char* line : {"a", "b", "c", "d"}) parser.parse(line, SteadyTime{}, WallTime{});
  CHECK(parser.prelude() == std::vector<std::string>{"a", "b", "... 1 line truncated ...", "d"});
}

TEST_CASE("ffmpeg parser: the prelude ends at the first progress line and later log lines are not in it") {
  Fixture f;
  f.feed("[info] Input #0, lavfi");
  f.feed("[info] Stream mapping:");
  f.feed("frame=1");  // the first line of a -progress block already ends it
  f.feed("[warning] late");
  f.feed("progress=continue");
  f.feed("[error] later");
  CHECK(f.parser.prelude() == std::vector<std::string>{"[info] Input #0, lavfi", "[info] Stream mapping:"});
}

// ---- rates ------------------------------------------------------------------------

TEST_CASE("ffmpeg parser: fps and bitrate are recent rates of the counters, not ffmpeg's own figures") {
  Fixture f;
  auto line = [](int frame, int kib, int media_ms) {
    return fmt::format("frame={} fps=0.0 q=2.0 size={}kB time=00:00:{:02}.{:02} bitrate=N/A speed=N/A", frame, kib,
                       media_ms / 1000, media_ms % 1000 / 10);
  };
  // 30 frames and 128 KiB a second, reported every 0.5 s; ffmpeg says 0 and N/A.
  int frame = 0, kib = 0, ms = 0;
  f.feed(line(frame, kib, ms));
  CHECK(f.progress().fps == 0);            // no history yet: ffmpeg's figure
  CHECK(f.progress().bitrate_kbps == 0);   // ffmpeg's N/A
  for (int i = 0; i < 40; ++i) {
    f.advance(500ms);
    f.feed(line(frame += 15, kib += 64, ms += 500));
  }
  CHECK(f.progress().fps == Approx(30));
  CHECK(f.progress().bitrate_kbps == Approx(128 * 1024 * 8 / 1000.0));

  SECTION("a stall shows at once in fps and reaches 0 within the 10 s window") {
    f.advance(500ms);
    f.feed(line(frame, kib, ms));
    CHECK(f.progress().fps < 30);
    for (int i = 0; i < 20; ++i) {
      f.advance(500ms);
      f.feed(line(frame, kib, ms));
    }
    CHECK(f.progress().fps == 0);
  }
  SECTION("output that stops while media time runs on reads as falling once a span passed without bytes") {
    for (int i = 0; i < 60; ++i) {
      f.advance(500ms);
      f.feed(line(frame += 15, kib, ms += 500));
    }
    CHECK(f.progress().bitrate_kbps < 128 * 1024 * 8 / 1000.0 / 2);
  }
  SECTION("a change of pace is followed within the window") {
    for (int i = 0; i < 50; ++i) {
      f.advance(500ms);
      f.feed(line(frame += 5, kib += 8, ms += 500));
    }
    CHECK(f.progress().fps == Approx(10));
    CHECK(f.progress().bitrate_kbps == Approx(16 * 1024 * 8 / 1000.0));
  }
  SECTION("the bitrate is per media second: a run at 4x speed has the same bitrate") {
    for (int i = 0; i < 50; ++i) {
      f.advance(500ms);
      f.feed(line(frame += 60, kib += 256, ms += 2000));
    }
    CHECK(f.progress().fps == Approx(120));
    CHECK(f.progress().bitrate_kbps == Approx(128 * 1024 * 8 / 1000.0));
  }
}

TEST_CASE("ffmpeg parser: the bitrate is measured between steps of the output size, however far apart") {
  // MPEG-TS output reaches the file 256 KiB at a time: at 300 kbit/s that is
  // a step every 7 s. A fixed 10 s window saw one or two steps and swung
  // between 210 and 420 kbit/s; from step to step it is right.
  Fixture f;
  const double bytes_per_s = 300000 / 8.0;
  int64_t written = 0, size = 0;
  for (int half_s = 0; half_s < 200; ++half_s) {
    written = static_cast<int64_t>(bytes_per_s * half_s / 2);
    while (written - size >= 256 * 1024) size += 256 * 1024;  // whole buffers only
    int ms = half_s * 500;
    f.feed(fmt::format("frame={} fps=25 q=2.0 size={}kB time=00:{:02}:{:02}.{:02} bitrate=N/A speed=1x", half_s * 12,
                       size / 1024, ms / 60000, ms / 1000 % 60, ms % 1000 / 10));
    f.advance(500ms);
    if (half_s > 60) {
      INFO("at " << ms << " ms: " << f.progress().bitrate_kbps);
      CHECK(f.progress().bitrate_kbps == Approx(300).epsilon(0.05));  // the step times are known to 0.5 s in 14 s
    }
  }
}

TEST_CASE("ffmpeg parser: until the size moved twice, ffmpeg's own bitrate is shown") {
  Fixture f;
  f.feed("frame=   13 fps=0.0 q=1.6 size=      21kB time=00:00:00.48 bitrate= 366.6kbits/s speed=0.942x");
  f.advance(500ms);
  f.feed("frame=   26 fps= 26 q=2.0 size=      37kB time=00:00:01.00 bitrate= 305.3kbits/s speed=0.988x");
  CHECK(f.progress().fps == 26);
  CHECK(f.progress().bitrate_kbps == Approx(305.3));
  f.advance(500ms);
  f.feed("frame=   38 fps= 25 q=2.0 size=      52kB time=00:00:01.48 bitrate= 286.6kbits/s speed=0.977x");
  CHECK(f.progress().fps == Approx(25));                                  // (38 - 13) frames / 1 s
  CHECK(f.progress().bitrate_kbps == Approx(15 * 1024 * 8 / 0.48 / 1000));  // (52 - 37) KiB / 0.48 media s
}

TEST_CASE("ffmpeg parser: it remembers when progress started and when it was last updated") {
  Fixture f;
  f.feed("Stream mapping:");
  CHECK_FALSE(f.parser.first_progress_at());
  WallTime first = f.wall;
  f.feed(classic);
  f.advance(1500ms);
  f.feed(classic);
  CHECK(f.parser.first_progress_at() == first);
  CHECK(f.parser.last_progress_at() == first + 1500ms);
}

TEST_CASE("ffmpeg parser: the progress object has exactly the spec's keys") {
  Fixture f;
  f.feed(classic);
  nlohmann::json j = f.progress();
  std::set<std::string> keys;
  for (auto& [k, v] : j.items()) keys.insert(k);
  CHECK(keys == std::set<std::string>{"frame", "fps", "q", "size_bytes", "time_s", "bitrate_kbps", "speed", "dup", "drop"});
  CHECK(j["frame"] == 123);
  CHECK(j["size_bytes"] == 1048576);
  CHECK(j["drop"] == 3);
}

// ---- real ffmpeg 5.1 output ------------------------------------------------------

TEST_CASE("ffmpeg parser: real ffmpeg 5.1, video into the null muxer: 100 frames in 4 s, sizes N/A") {
  Replay r = replay("ffmpeg51_video_null.txt");
  REQUIRE(r.parser.progress());
  const Progress p = *r.parser.progress();
  CHECK(p.frame == 100);
  CHECK(p.time_s == Approx(4.0));
  CHECK(p.size_bytes == 0);
  CHECK(p.q == 2.0);
  CHECK(r.progressed == 100);
  CHECK(r.progress_lines == 2);
  auto prelude = r.parser.prelude();
  REQUIRE(prelude.size() == 13);
  CHECK(prelude.front() == "Input #0, lavfi, from 'testsrc=size=160x120:rate=25':");
  CHECK(prelude[3] == "Stream mapping:");
  CHECK(prelude.back() == "      cpb: bitrate max/min/avg: 0/0/200000 buffer size: 0 vbv_delay: N/A");
  CHECK(r.logged.size() == 13 + 1);
  CHECK(r.logged.back().rfind("video:103kB audio:0kB", 0) == 0);
  CHECK(r.parser.levels()[LogLevel::none] == 16);
}

TEST_CASE("ffmpeg parser: real ffmpeg 5.1, video in real time: 75 frames, 2.96 s, 103 kB, the summary logged") {
  for (size_t chunk : {1, 13, 4096}) {
    INFO("chunks of " << chunk);
    Replay r = replay("ffmpeg51_video_re.txt", chunk);
    REQUIRE(r.parser.progress());
    const Progress p = *r.parser.progress();
    CHECK(p.frame == 75);
    CHECK(p.time_s == Approx(2.96));
    CHECK(p.size_bytes == 103 * 1024);
    CHECK(p.q == 2.0);
    CHECK(p.dup == 0);
    CHECK(p.drop == 0);
    CHECK(r.progressed == 75);
    CHECK(r.progress_lines >= 5);
    CHECK(r.parser.prelude().size() == 13);
    CHECK(r.logged.back().rfind("video:81kB", 0) == 0);
  }
}

TEST_CASE("ffmpeg parser: real ffmpeg 5.1, audio only: media time drives progress") {
  Replay r = replay("ffmpeg51_audio_re.txt");
  REQUIRE(r.parser.progress());
  const Progress p = *r.parser.progress();
  CHECK(p.frame == 0);
  CHECK(p.time_s == Approx(3.01));
  CHECK(p.size_bytes == 33 * 1024);
  CHECK(r.progressed == 3010);  // milliseconds of media time
  auto prelude = r.parser.prelude();
  REQUIRE(prelude.size() == 12);
  CHECK(prelude[5].find("] frame size not set") != std::string::npos);
  CHECK(r.logged.back().find("Qavg") != std::string::npos);
}

TEST_CASE("ffmpeg parser: real ffmpeg 5.1 with -progress pipe:2: exact bytes and microseconds from the blocks") {
  Replay r = replay("ffmpeg51_video_progress.txt", 100);
  REQUIRE(r.parser.progress());
  const Progress p = *r.parser.progress();
  CHECK(p.frame == 50);
  CHECK(p.size_bytes == 69184);
  CHECK(p.time_s == Approx(1.960011));
  CHECK(p.q == 2.0);
  CHECK(r.progressed == 50);
  CHECK(r.parser.prelude().size() == 13);
  // Of 79 lines, only the prelude and the summary are log lines.
  CHECK(r.logged.size() == 14);
  CHECK(r.logged.back().rfind("video:53kB", 0) == 0);
}

TEST_CASE("ffmpeg parser: real ffmpeg 5.1, audio with level+info and -progress: levels counted, blocks read") {
  Replay r = replay("ffmpeg51_audio_progress_levels.txt", 7);
  REQUIRE(r.parser.progress());
  const Progress p = *r.parser.progress();
  CHECK(p.size_bytes == 22748);
  CHECK(p.time_s == Approx(2.020133));
  CHECK(r.progressed == 2020);
  const LevelCounts& c = r.parser.levels();
  CHECK(c[LogLevel::info] == 19);
  CHECK(c[LogLevel::warning] == 1);
  CHECK(c[LogLevel::none] == 54);  // the block lines carry no prefix
  CHECK(c.total() == 74);
  auto prelude = r.parser.prelude();
  REQUIRE(prelude.size() == 12);
  CHECK(prelude[5].rfind("[mpegts @ 0x", 0) == 0);
  CHECK(prelude[5].find("] [warning] frame size not set") != std::string::npos);
  CHECK(r.logged.size() == 14);
}

TEST_CASE("ffmpeg parser: real ffmpeg 5.1, video with level+info: [info] status lines are progress") {
  Replay r = replay("ffmpeg51_video_levels.txt");
  REQUIRE(r.parser.progress());
  CHECK(r.parser.progress()->frame == 50);
  CHECK(r.parser.progress()->size_bytes == 68 * 1024);
  CHECK(r.progress_lines == 5);
  CHECK(r.parser.levels()[LogLevel::info] == 19);
  CHECK(r.parser.prelude().front() == "[info] Input #0, lavfi, from 'testsrc=size=160x120:rate=25':");
  CHECK(r.parser.prelude().size() == 13);
}

TEST_CASE("ffmpeg parser: real ffmpeg 5.1, two outputs: the first q, Lq= in the final line") {
  Replay r = replay("ffmpeg51_two_outputs.txt");
  REQUIRE(r.parser.progress());
  const Progress p = *r.parser.progress();
  CHECK(p.frame == 50);
  CHECK(p.q == 2.0);
  CHECK(p.size_bytes == 68 * 1024);
  CHECK(p.time_s == Approx(1.96));
  CHECK(r.progress_lines == 2);
  CHECK(r.parser.prelude().size() == 25);
}

TEST_CASE("ffmpeg parser: real ffmpeg 5.1 on a missing input: no progress, the error is the prelude") {
  Replay plain = replay("ffmpeg51_missing_input.txt");
  CHECK_FALSE(plain.parser.progress());
  CHECK(plain.progressed == 0);
  CHECK(plain.parser.prelude() == std::vector<std::string>{"/nonexistent.mp4: No such file or directory"});
  CHECK(plain.parser.levels()[LogLevel::none] == 1);

  Replay levels = replay("ffmpeg51_missing_input_levels.txt");
  CHECK_FALSE(levels.parser.progress());
  CHECK(levels.parser.prelude() == std::vector<std::string>{"[error] /nonexistent.mp4: No such file or directory"});
  CHECK(levels.parser.levels()[LogLevel::error] == 1);
}

// ---- robustness -------------------------------------------------------------------

// What must hold after any line whatever its bytes: it is counted under
// exactly one level, only a progress line advances and an advance leaves a
// progress object, and every figure is finite and the rates not negative
// (status JSON has no NaN or infinity).
void check_invariants(Fixture& f, std::string_view line, uint64_t& lines) {
  uint64_t amount = f.feed(line);
  ++lines;
  INFO("line: " << line);
  REQUIRE(f.parser.levels().total() == lines);
  if (amount > 0) {
    REQUIRE(f.parser.last_line_was_progress());
    REQUIRE(f.parser.progress());
  }
  if (const auto& p = f.parser.progress()) {
    for (double v : {p->fps, p->q, p->time_s, p->bitrate_kbps, p->speed}) REQUIRE(std::isfinite(v));
    REQUIRE(p->fps >= 0);
    REQUIRE(p->bitrate_kbps >= 0);
  }
}

TEST_CASE("ffmpeg parser: every prefix of a status line, and random bytes, keep the parser's invariants") {
  Fixture f;
  uint64_t lines = 0;
  const std::string line = std::string("[info] ") + classic + " elapsed=0:00:04.97 q=1.0 Lq=2.0";
  for (size_t n = 1; n <= line.size(); ++n) check_invariants(f, std::string_view(line).substr(0, n), lines);
  CHECK(f.progress().frame == 123);  // the whole line is the classic status line
  std::mt19937 rng(1);
  const std::string alphabet = "frame=sizeLtimq0123456789.:-+eNA/xkKiBMb[]@ \t\x01\xff";
  for (int i = 0; i < 20000; ++i) {
    std::string junk = (i % 2) ? "frame=" : "size=";
    size_t len = rng() % 80;
    for (size_t k = 0; k < len; ++k) junk += alphabet[rng() % alphabet.size()];
    f.advance(std::chrono::milliseconds(rng() % 50));  // the rates see time pass
    check_invariants(f, junk, lines);
  }
}

TEST_CASE("ffmpeg parser: a stray key=value line does not turn the status lines off") {
  Fixture f;
  f.feed("frame=  12 fps=3 q=1.0 size=N/A");  // cut short: no time=
  f.feed("speed=1x");
  CHECK(f.feed(classic) == 123);
  CHECK(f.progress().frame == 123);
}

TEST_CASE("ffmpeg parser: an empty value before the next key does not swallow that key") {
  Fixture f;
  f.feed("size= time=00:00:01.50 bitrate=N/A speed=1x");
  CHECK(f.parser.last_line_was_progress());
  CHECK(f.progress().time_s == Approx(1.5));
  CHECK(f.progress().speed == 1);
}

TEST_CASE("ffmpeg parser: extreme sizes and media times neither overflow nor turn rates negative") {
  Fixture f;
  // size=1e300kB is beyond int64 bytes, time=1e308 s beyond int64
  // milliseconds: unreadable or no progress, never a wrapped-around number.
  CHECK(f.feed("size=1e300kB time=00:00:1e308 bitrate=1e308Mbits/s speed=1x") == 0);
  CHECK(f.progress().size_bytes == 0);
  CHECK(f.progress().bitrate_kbps == 0);
  f.advance(1500ms);
  CHECK(f.feed("size=-1e300kB time=-00:00:1e308 bitrate=N/A speed=1x") == 0);
  for (int i = 1; i <= 3; ++i) {
    f.advance(1500ms);
    f.feed("size=       " + std::to_string(3 * i) + "kB time=00:00:0" + std::to_string(i) +
           ".00 bitrate=  61.5kbits/s speed=0.918x    ");
  }
  const Progress& p = f.progress();
  CHECK(p.size_bytes == 9216);
  CHECK(p.bitrate_kbps >= 0);
  CHECK(p.bitrate_kbps < 1000);
  CHECK(std::isfinite(p.time_s));
}
