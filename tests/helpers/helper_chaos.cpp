// The chaos soak's stand-in for ffmpeg (tests/soak/soak.py): each run picks
// one misbehaviour at random, so a fleet of these exercises every way a
// child can end. Every run first appends "start ID PID" to --records (one
// write(), O_APPEND: lines from concurrent children never mix), the
// children's own record of how often they were started, which the soak
// compares with ffleet's events.
//   --id ID          the job id (also how the soak finds a job's processes in /proc)
//   --records FILE   the start record file
//   --memory-mib N   what the "memory" behaviour allocates and touches (default 48)
// Behaviours, in percent of runs: normal 45 (exit 0 after 10-60 s), fail 15
// (exit 1-3 after 1-10 s), crash 12 (SIGSEGV, abort or SIGKILL after 1-10 s),
// hang 10 (progress stops: stale timeout; half of them ignore SIGINT, so the
// stop needs SIGKILL), flood 10 (bursts of stderr with over-long lines), cpu 2
// (a 20 % duty cycle until the cpu limit kills it), memory 2 (above the
// memory limit until it kills it), instant 4 (exit 1 at once: a crash loop).
// Rare cpu and memory runs keep a 1000-job soak affordable on a shared
// machine. SIGINT otherwise ends a run with 255, as ffmpeg does.
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

long long now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

void on_sigint(int) { _exit(255); }

void record_start(const char* file, const char* id) {
  if (!file) return;
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char line[256];
  int n = std::snprintf(line, sizeof line, "start %s %d\n", id, static_cast<int>(getpid()));
  if (write(fd, line, static_cast<size_t>(n)) != n) std::perror("helper_chaos: record");
  close(fd);
}

long frame = 0;

void progress() {
  frame += 25;
  long s = frame / 25;
  std::fprintf(stderr, "frame=%6ld fps= 25 q=28.0 size=%8ldkB time=%02ld:%02ld:%02ld.00 bitrate= 200.0kbits/s speed=1x    \r",
               frame, frame * 3, s / 3600, s / 60 % 60, s % 60);
  std::fflush(stderr);  // stderr is fully buffered (for the floods): progress must not wait
}

// Progress once a second for `ms`.
void run_for(long ms) {
  for (long long end = now_ms() + ms; now_ms() < end;) {
    progress();
    sleep_ms(1000);
  }
}

// After a first progress line (so the prelude, which reports keep, is
// over): bursts of an over-long line, cut and the rest dropped by the reader,
// then many short ones, which leave only short lines in the log ring.
void flood(std::mt19937& rng) {
  progress();
  std::string huge(200 * 1024, 'y');
  std::string line(200, 'x');
  for (int burst = 0; burst < 5; ++burst) {
    std::fprintf(stderr, "%s\n", huge.c_str());
    for (int i = 0; i < 2000; ++i) std::fprintf(stderr, "[warning] flood %d %s\n", i, line.c_str());
    progress();
    sleep_ms(200 + static_cast<long>(rng() % 800));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* id = "?";
  const char* records = nullptr;
  long memory_mib = 48;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--id")) id = argv[i + 1];
    else if (!std::strcmp(argv[i], "--records")) records = argv[i + 1];
    else if (!std::strcmp(argv[i], "--memory-mib")) memory_mib = std::strtol(argv[i + 1], nullptr, 10);
  }
  record_start(records, id);
  signal(SIGINT, on_sigint);
  signal(SIGTERM, on_sigint);
  setvbuf(stderr, nullptr, _IOFBF, 64 * 1024);

  std::mt19937 rng(static_cast<unsigned>(getpid()) * 2654435761u ^ static_cast<unsigned>(now_ms()));
  auto between = [&](long lo, long hi) { return lo + static_cast<long>(rng() % static_cast<unsigned>(hi - lo + 1)); };
  std::fprintf(stderr, "ffmpeg version chaos\nInput #0, lavfi, from 'testsrc':\nOutput #0, null, to 'pipe:':\n");

  int pick = static_cast<int>(rng() % 100);
  if (pick < 45) {  // normal
    run_for(between(10000, 60000));
    return 0;
  }
  if (pick < 60) {  // fail
    run_for(between(1000, 10000));
    return static_cast<int>(between(1, 3));
  }
  if (pick < 72) {  // crash
    run_for(between(1000, 10000));
    std::fflush(stderr);
    const int signals[] = {SIGSEGV, SIGABRT, SIGKILL};
    signal(SIGSEGV, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    raise(signals[rng() % 3]);
    return 99;
  }
  if (pick < 82) {  // hang
    if (rng() % 2) signal(SIGINT, SIG_IGN);
    run_for(between(0, 3000));
    std::fflush(stderr);
    for (;;) pause();
  }
  if (pick < 92) {  // flood
    flood(rng);
    run_for(between(3000, 20000));
    return 0;
  }
  if (pick < 94) {  // cpu: 20 % of a core until the limit kills it
    for (;;) {
      for (long long end = now_ms() + 20; now_ms() < end;) {
      }
      progress();
      sleep_ms(80);
    }
  }
  if (pick < 96) {  // memory: above the limit until it kills it
    std::vector<char> hog(static_cast<size_t>(memory_mib) << 20);
    for (size_t i = 0; i < hog.size(); i += 4096) hog[i] = 1;
    for (;;) run_for(1000);
  }
  return 1;  // instant: a crash loop
}
