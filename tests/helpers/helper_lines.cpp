// helper_lines N [exit_code]: writes N numbered lines to stderr ("line 1" ..
// "line N"), one write each, then exits with the code (default 0).
// With FFLEET_STAMP_EXIT in its environment, a last line "exit at NS" gives
// CLOCK_MONOTONIC just before the exit (to measure exit-to-callback latency).
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10;
  int code = argc > 2 ? std::atoi(argv[2]) : 0;
  for (long i = 1; i <= n; ++i) std::fprintf(stderr, "line %ld\n", i);  // stderr: unbuffered
  if (std::getenv("FFLEET_STAMP_EXIT")) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    std::fprintf(stderr, "exit at %lld\n", ts.tv_sec * 1000000000LL + ts.tv_nsec);
  }
  return code;
}
