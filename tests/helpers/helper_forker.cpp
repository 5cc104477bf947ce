// Forks a grandchild that keeps stderr open, ignores SIGINT and sleeps long
// (an escaped helper, the "stuck in finishing" case), then prints a line and
// sleeps; exits 255 on SIGINT. Both pids are printed.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

static void on_sigint(int) { _exit(255); }

int main() {
  pid_t grandchild = fork();
  if (grandchild == 0) {
    signal(SIGINT, SIG_IGN);
    sleep(3600);
    _exit(0);
  }
  signal(SIGINT, on_sigint);
  std::fprintf(stderr, "helper_forker: pid %d grandchild %d\n", getpid(), grandchild);
  for (;;) pause();
}
