// A stand-in for ffmpeg: a short banner, then a classic progress line every
// interval, ended by '\r' as real ffmpeg does. Exits 255 on SIGINT.
//   --interval-ms N    progress period (default 500)
//   --exit-after-ms N  exit by itself after N ms, with --exit-code (default 0)
//   --stall-after-ms N stop printing after N ms (but keep running)
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

static void on_sigint(int) { _exit(255); }

static long long now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char** argv) {
  long interval = 500, exit_after = -1, stall_after = -1;
  int exit_code = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    long v = std::strtol(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--interval-ms")) interval = v;
    else if (!std::strcmp(argv[i], "--exit-after-ms")) exit_after = v;
    else if (!std::strcmp(argv[i], "--exit-code")) exit_code = static_cast<int>(v);
    else if (!std::strcmp(argv[i], "--stall-after-ms")) stall_after = v;
  }
  signal(SIGINT, on_sigint);
  signal(SIGTERM, on_sigint);
  std::fprintf(stderr,
               "ffmpeg version 6.0-fake Copyright (c) 2000-2023 the FFmpeg developers\n"
               "Input #0, lavfi, from 'testsrc':\n"
               "  Duration: N/A, start: 0.000000, bitrate: N/A\n"
               "  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 320x240, 25 fps\n"
               "Stream mapping:\n"
               "  Stream #0:0 -> #0:0 (rawvideo (native) -> h264 (libx264))\n"
               "Output #0, null, to 'pipe:':\n"
               "  Stream #0:0: Video: h264, yuv420p, 320x240, q=2-31, 25 fps\n");
  long long start = now_ms();
  for (long frame = 25;; frame += 25) {
    long long elapsed = now_ms() - start;
    if (exit_after >= 0 && elapsed >= exit_after) return exit_code;
    if (stall_after < 0 || elapsed < stall_after) {
      long secs = frame / 25;
      std::fprintf(stderr,
                   "frame=%5ld fps= 25 q=28.0 size=%8ldkB time=%02ld:%02ld:%02ld.00 "
                   "bitrate= 200.0kbits/s speed=1.00x    \r",
                   frame, 1024 + frame, secs / 3600, secs / 60 % 60, secs % 60);
    }
    long wait = interval;
    if (exit_after >= 0 && exit_after - elapsed < wait) wait = exit_after - elapsed;
    if (wait > 0) usleep(static_cast<useconds_t>(wait) * 1000);
  }
}
