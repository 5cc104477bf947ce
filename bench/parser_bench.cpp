// Lines per second through the reader's hot path on one core: LineSplitter
// then OutputParser, over a large synthetic ffmpeg stderr fed in the chunk
// sizes a pipe read gives.
//
//   parser_bench [--mb N] [--seconds S] [--only 1..4]
//
// The main stream mixes, as a busy job prints them: classic status lines
// (CR-ended, half with a level+info prefix, sizes in kB and KiB) and log
// lines of several levels and lengths, 60 : 40. Also reported: the splitter
// alone, the same stream with the caller's log-ring push for every log line,
// and a `-progress pipe:2` stream (short key=value lines).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "src/ffmpeg/ffmpeg_parser.hpp"
#include "src/ffmpeg/line_splitter.hpp"
#include "src/job/log_ring.hpp"

using namespace ffleet;
using Clock = std::chrono::steady_clock;

namespace {

const char* const prelude[] = {
    "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers",
    "Input #0, rtsp, from 'rtsp://cam1/stream':",
    "  Duration: N/A, start: 0.000000, bitrate: N/A",
    "  Stream #0:0: Video: h264 (High), yuv420p(progressive), 1920x1080, 25 fps, 25 tbr, 90k tbn",
    "Stream mapping:",
    "  Stream #0:0 -> #0:0 (copy)",
    "Output #0, flv, to 'rtmp://out/cam1':",
    "  Stream #0:0: Video: h264 (High) ([7][0][0][0] / 0x0007), yuv420p(progressive), 1920x1080, q=2-31, 25 fps, 1k tbn",
};

const char* const log_lines[] = {
    "[h264 @ 0x55d0c6a2c840] [warning] non-existing PPS 0 referenced\n",
    "[info] [hls @ 0x55d0c6a31c00] Opening 'stream_1234.ts' for writing\n",
    "[rtsp @ 0x5581] [warning] max delay reached. need to consume packet\n",
    "[error] [flv @ 0x55d0c6a2d200] Failed to update header with correct duration.\n",
    "[h264 @ 0x55d0c6a2c840] [error] error while decoding MB 52 31, bytestream -7\n",
    "[aac @ 0x55d0c6a30500] [warning] Queue input is backward in time\n",
    "[mpegts @ 0x55d0c6a2f0c0] [warning] Non-monotonous DTS in output stream 0:1; previous: 183600, current: 183599; changing to 183601. This may result in incorrect timestamps in the output file.\n",
    "Last message repeated 3 times\n",
};

// A realistic mix, about `bytes` long.
std::string mixed_stream(size_t bytes) {
  std::string s;
  s.reserve(bytes + 4096);
  for (const char* line : prelude) (s += line) += '\n';
  std::mt19937 rng(42);
  int64_t frame = 0, kib = 0;
  char buf[256];
  while (s.size() < bytes) {
    if (rng() % 10 < 6) {
      frame += 12 + static_cast<int64_t>(rng() % 2);
      kib += 250 + static_cast<int64_t>(rng() % 50);
      double t = static_cast<double>(frame) / 25.0;
      int n = std::snprintf(buf, sizeof buf,
                            "%sframe=%5lld fps= 25 q=%.1f size=%8lld%s time=%02d:%02d:%05.2f "
                            "bitrate=%6.1fkbits/s dup=0 drop=%d speed=%.3gx    \r",
                            rng() % 2 ? "[info] " : "", static_cast<long long>(frame), 20.0 + rng() % 10,
                            static_cast<long long>(kib), rng() % 2 ? "kB" : "KiB", static_cast<int>(t / 3600),
                            static_cast<int>(t / 60) % 60, t - 60 * static_cast<int>(t / 60),
                            static_cast<double>(kib) * 8.192 / t, static_cast<int>(rng() % 3),
                            1.0 + (rng() % 10) / 1000.0);
      s.append(buf, static_cast<size_t>(n));
    } else {
      s += log_lines[rng() % (sizeof log_lines / sizeof log_lines[0])];
    }
  }
  return s;
}

// What `-progress pipe:2` adds: a status line and a 12-line block.
std::string progress_stream(size_t bytes) {
  std::string s;
  s.reserve(bytes + 4096);
  int64_t frame = 0;
  char buf[1024];
  while (s.size() < bytes) {
    frame += 12;
    double t = static_cast<double>(frame) / 25.0;
    int n = std::snprintf(buf, sizeof buf,
                          "frame=%5lld fps= 25 q=28.0 size=%8lldkB time=00:00:%05.2f bitrate=1000.0kbits/s speed=   1x    \r"
                          "frame=%lld\nfps=25.00\nstream_0_0_q=28.0\nbitrate=1000.0kbits/s\ntotal_size=%lld\n"
                          "out_time_us=%lld\nout_time_ms=%lld\nout_time=00:00:%09.6f\ndup_frames=0\ndrop_frames=0\n"
                          "speed=   1x\nprogress=continue\n",
                          static_cast<long long>(frame), static_cast<long long>(frame * 5),
                          t - 60 * static_cast<int>(t / 60), static_cast<long long>(frame),
                          static_cast<long long>(frame * 5120), static_cast<long long>(t * 1e6),
                          static_cast<long long>(t * 1e6), t - 60 * static_cast<int>(t / 60));
    s.append(buf, static_cast<size_t>(n));
  }
  return s;
}

enum class Mode { split_only, parse, parse_and_log };

struct Result {
  uint64_t lines = 0;
  uint64_t bytes = 0;
  double seconds = 0;      // wall
  double cpu_seconds = 0;  // this thread's CPU
  uint64_t sink = 0;  // keeps the work observable
};

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Feeds `stream` again and again, in chunks of the sizes a pipe read gives,
// until `min_seconds` of CPU time have passed. A new parser per pass, like a new run.
[[gnu::noinline]] Result run(const std::string& stream, Mode mode, double min_seconds) {
  static const size_t chunk_sizes[] = {4096, 65536, 1500, 512, 16384, 4096, 65536};
  Result r;
  LogRing ring(100);
  auto start = Clock::now();
  double cpu_start = thread_cpu_seconds();
  do {
    LineSplitter splitter;
    OutputParser parser;
    size_t k = 0;
    auto wall = std::chrono::system_clock::now();
    for (size_t pos = 0; pos < stream.size(); ++k) {
      size_t n = std::min(chunk_sizes[k % 7], stream.size() - pos);
      std::string_view chunk(stream.data() + pos, n);
      pos += n;
      auto now = Clock::now();  // the reader takes the time once per chunk
      switch (mode) {
        case Mode::split_only:
          splitter.feed(chunk, [&](std::string_view line, bool) {
            ++r.lines;
            r.sink += line.size();
          });
          break;
        case Mode::parse:
          splitter.feed(chunk, [&](std::string_view line, bool) {
            ++r.lines;
            r.sink += parser.parse(line, now, wall);
          });
          break;
        case Mode::parse_and_log:
          splitter.feed(chunk, [&](std::string_view line, bool) {
            ++r.lines;
            r.sink += parser.parse(line, now, wall);
            if (!parser.last_line_was_progress()) ring.push(wall, line);
          });
          break;
      }
    }
    splitter.finish([&](std::string_view, bool) { ++r.lines; });
    r.bytes += stream.size();
    if (parser.progress()) r.sink += static_cast<uint64_t>(parser.progress()->frame);
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while ((r.cpu_seconds = thread_cpu_seconds() - cpu_start) < min_seconds);
  return r;
}

// Lines per second of this thread's CPU time: on a shared machine the wall
// clock also counts the time other processes had the core.
void print(const char* what, const Result& r) {
  std::printf("%s: %.1f M lines/s (%llu lines, %.0f MB, %.2f s CPU, %.2f s wall; %.0f MB/s)\n", what,
              static_cast<double>(r.lines) / r.cpu_seconds / 1e6, static_cast<unsigned long long>(r.lines),
              static_cast<double>(r.bytes) / 1e6, r.cpu_seconds, r.seconds,
              static_cast<double>(r.bytes) / 1e6 / r.cpu_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 32;
  double seconds = 2;
  int only = 0;  // one figure only (for callgrind), 0 = all
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mb")) mb = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::strtod(argv[i + 1], nullptr);
    else if (!std::strcmp(argv[i], "--only")) only = std::atoi(argv[i + 1]);
  }
  const std::string mixed = mixed_stream(mb << 20);
  const std::string blocks = progress_stream(mb << 20);
  volatile uint64_t sink = 0;
  struct Figure {
    const char* name;
    const std::string* stream;
    Mode mode;
  };
  const Figure figures[] = {
      {"parser", &mixed, Mode::parse},
      {"  splitter alone", &mixed, Mode::split_only},
      {"  parser + log ring push", &mixed, Mode::parse_and_log},
      {"  parser, -progress pipe:2 stream", &blocks, Mode::parse},
  };
  for (int i = 0; i < 4; ++i) {
    if (only != 0 && only != i + 1) continue;
    Result r = run(*figures[i].stream, figures[i].mode, seconds);
    sink = sink + r.sink;
    print(figures[i].name, r);
  }
  return 0;
}
