// On SIGINT sleeps 3 s, then exits 255: a slow but cooperative stop.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

static volatile sig_atomic_t interrupted = 0;
static void on_sigint(int) { interrupted = 1; }

int main() {
  signal(SIGINT, on_sigint);
  std::fprintf(stderr, "helper_sigintwait: waiting for SIGINT\n");
  while (!interrupted) pause();
  std::fprintf(stderr, "helper_sigintwait: got SIGINT, finishing in 3 s\n");
  sleep(3);
  return 255;
}
