// The benchmark's stand-in for ffmpeg: prints a classic progress line every
// --interval-ms (default 500), exits 255 on SIGINT/SIGTERM, optionally exits
// by itself after --exit-after-ms. With --stamp-file it appends
// "start <us>" when it starts and "exit <us>" just before it exits
// (CLOCK_MONOTONIC, microseconds), so the benchmark can measure the time from
// a child's exit to its replacement's start without trusting the daemon.
// With --random-phase, the first run (no stamp file yet) exits after a random
// part of --exit-after-ms, so a fleet started together does not exit in
// lockstep ever after. With --exit-between-ms A B every run exits after a
// random time between A and B ms (a crash storm of independent failures).
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char* stamp_file = nullptr;

long long now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

void stamp(const char* what) {
  if (!stamp_file) return;
  int fd = open(stamp_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char line[64];
  int n = std::snprintf(line, sizeof line, "%s %lld\n", what, now_us());
  if (write(fd, line, static_cast<size_t>(n)) < 0) {}
  close(fd);
}

void on_stop(int) {
  stamp("exit");
  _exit(255);
}

}  // namespace

int main(int argc, char** argv) {
  long interval_ms = 500, exit_after_ms = -1, exit_min_ms = -1, exit_max_ms = -1;
  bool random_phase = false;
  for (int i = 1; i < argc; ++i) {
    auto value = [&](int k) { return i + k < argc ? argv[i + k] : "0"; };
    if (!std::strcmp(argv[i], "--random-phase")) random_phase = true;
    else if (!std::strcmp(argv[i], "--interval-ms")) interval_ms = std::atol(value(1));
    else if (!std::strcmp(argv[i], "--exit-after-ms")) exit_after_ms = std::atol(value(1));
    else if (!std::strcmp(argv[i], "--stamp-file")) stamp_file = value(1);
    else if (!std::strcmp(argv[i], "--exit-between-ms")) {
      exit_min_ms = std::atol(value(1));
      exit_max_ms = std::atol(value(2));
    }
  }
  if (exit_min_ms >= 0 && exit_max_ms >= exit_min_ms) {
    srand(static_cast<unsigned>(getpid() ^ now_us()));
    exit_after_ms = exit_min_ms + rand() % (exit_max_ms - exit_min_ms + 1);
  }
  if (random_phase && exit_after_ms > 0 && stamp_file && access(stamp_file, F_OK) != 0) {
    srand(static_cast<unsigned>(getpid() ^ now_us()));
    exit_after_ms = rand() % exit_after_ms;
  }
  stamp("start");
  signal(SIGINT, on_stop);
  signal(SIGTERM, on_stop);
  std::fprintf(stderr, "ffmpeg version 6.0-fake\nStream mapping:\n  Stream #0:0 -> #0:0 (rawvideo -> h264)\n");
  long long started = now_us();
  for (long frame = 25;; frame += 12) {
    timespec ts{interval_ms / 1000, (interval_ms % 1000) * 1000000L};
    nanosleep(&ts, nullptr);
    if (exit_after_ms >= 0 && now_us() - started >= exit_after_ms * 1000LL) {
      stamp("exit");
      return 0;
    }
    double t = static_cast<double>(frame) / 25.0;
    std::fprintf(stderr,
                 "frame=%6ld fps= 25 q=28.0 size=%8ldkB time=00:%02d:%05.2f bitrate= 204.8kbits/s speed=1.00x    \r",
                 frame, frame * 2, static_cast<int>(t / 60) % 60, t - 60 * static_cast<int>(t / 60));
  }
}
