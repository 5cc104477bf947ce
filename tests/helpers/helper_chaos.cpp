// The chaos soak's stand-in for ffmpeg (tests/soak/soak.py): each run picks
// one misbehaviour at random, so a fleet of these exercises every way a
// child can end. Every run first appends "start ID PID BEHAVIOUR" to --records (one
// write(), O_APPEND: lines from concurrent children never mix), the
// children's own record of how often they were started, which the soak
// compares with ffleet's events.
//   --id ID          the job id (also how the soak finds a job's processes in /proc)
//   --records FILE   the start record file
//   --memory-mib N   what the "memory" behaviour allocates and touches (default 48)
// Behaviours, in percent of runs: normal 45 (exit 0 after 10-60 s), fail 15
// (exit 1-3 after 1-10 s), crash 12 (SIGSEGV, abort or SIGKILL after 1-10 s),
// hang 10 (progress stops: stale timeout; half of them ignore SIGINT, so the
// stop needs SIGKILL), flood 10 (bursts of stderr with over-long lines), cpu 1
// (a 50 % duty cycle until the cpu limit kills it; on a crowded machine it
// gets less, hence the soak's low limit), memory 2 (above the memory limit
// until it kills it), instant 5 (exit 1 at once: a crash loop).
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

void record_start(const char* file, const char* id, const char* behaviour) {
  if (!file) return;
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char line[256];
  int n = std::snprintf(line, sizeof line, "start %s %d %s\n", id, static_cast<int>(getpid()), behaviour);
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

// Percent of runs (cumulative upper bounds) and names, as recorded.
enum Behaviour { normal, fail, crash, hang, flood_run, cpu, memory, instant };
const struct {
  int below;
  const char* name;
} behaviours[] = {{45, "normal"}, {60, "fail"}, {72, "crash"}, {82, "hang"},
                  {92, "flood"},  {93, "cpu"},  {95, "memory"}, {100, "instant"}};

int main(int argc, char** argv) {
  const char* id = "?";
  const char* records = nullptr;
  long memory_mib = 48;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--id")) id = argv[i + 1];
    else if (!std::strcmp(argv[i], "--records")) records = argv[i + 1];
    else if (!std::strcmp(argv[i], "--memory-mib")) memory_mib = std::strtol(argv[i + 1], nullptr, 10);
  }
  std::mt19937 rng(static_cast<unsigned>(getpid()) * 2654435761u ^ static_cast<unsigned>(now_ms()));
  auto between = [&](long lo, long hi) { return lo + static_cast<long>(rng() % static_cast<unsigned>(hi - lo + 1)); };
  int pick = static_cast<int>(rng() % 100);
  int behaviour = 0;
  while (pick >= behaviours[behaviour].below) ++behaviour;
  bool ignore_sigint = behaviour == hang && rng() % 2;

  record_start(records, id, ignore_sigint ? "hang-ignoring-sigint" : behaviours[behaviour].name);
  signal(SIGINT, ignore_sigint ? SIG_IGN : on_sigint);
  signal(SIGTERM, on_sigint);
  setvbuf(stderr, nullptr, _IOFBF, 64 * 1024);
  std::fprintf(stderr, "ffmpeg version chaos\nInput #0, lavfi, from 'testsrc':\nOutput #0, null, to 'pipe:':\n");

  switch (static_cast<Behaviour>(behaviour)) {
    case normal:
      run_for(between(10000, 60000));
      return 0;
    case fail:
      run_for(between(1000, 10000));
      return static_cast<int>(between(1, 3));
    case crash: {
      run_for(between(1000, 10000));
      std::fflush(stderr);
      const int signals[] = {SIGSEGV, SIGABRT, SIGKILL};
      raise(signals[rng() % 3]);
      return 99;
    }
    case hang:
      run_for(between(0, 3000));
      std::fflush(stderr);
      for (;;) pause();
    case flood_run:
      flood(rng);
      run_for(between(3000, 20000));
      return 0;
    case cpu:  // half a core until the limit kills it
      for (;;) {
        for (long long end = now_ms() + 50; now_ms() < end;) {
        }
        progress();
        sleep_ms(50);
      }
    case memory: {  // above the limit until it kills it
      std::vector<char> hog(static_cast<size_t>(memory_mib) << 20);
      for (size_t i = 0; i < hog.size(); i += 4096) hog[i] = 1;
      for (;;) run_for(1000);
    }
    case instant:
      break;
  }
  return 1;  // a crash loop
}
