// A fake job that keeps its own record, so a test can prove "never two runs
// of one job at once" from the children themselves, not from ffleet's view.
//
//   helper_recorder DIR JOB
//
// Writes DIR/JOB.PID holding "START LAST\n": CLOCK_MONOTONIC nanoseconds of
// its start and of its latest heartbeat (every 10 ms), rewritten in place.
// A run killed with SIGKILL ended at most one heartbeat after LAST. On
// SIGINT/SIGTERM it writes a last heartbeat and exits 0.
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>

static volatile sig_atomic_t stop = 0;
static void on_signal(int) { stop = 1; }

static long long now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: helper_recorder DIR JOB\n");
    return 2;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  std::string path = std::string(argv[1]) + "/" + argv[2] + "." + std::to_string(getpid());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 1;
  long long start = now_ns();
  std::fprintf(stderr, "helper_recorder: %s started\n", argv[2]);
  char line[64];
  for (;;) {
    int n = std::snprintf(line, sizeof line, "%020lld %020lld\n", start, now_ns());
    if (pwrite(fd, line, static_cast<size_t>(n), 0) != n) return 1;
    if (stop) return 0;
    usleep(10000);
  }
}
