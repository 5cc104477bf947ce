// Prints a line to stderr, then waits; exits 255 on SIGINT (like ffmpeg).
#include <signal.h>
#include <unistd.h>

#include <cstdio>

static void on_sigint(int) { _exit(255); }

int main() {
  signal(SIGINT, on_sigint);
  std::fprintf(stderr, "helper_sigint: waiting for SIGINT\n");
  for (;;) pause();
}
