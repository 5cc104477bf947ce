// Forks a grandchild that keeps stderr open, ignores SIGINT and sleeps long,
// then prints "helper_forker: pid P grandchild G" and sleeps; exits 255 on
// SIGINT. The grandchild stays in the process group, so a group kill ends it;
// with --escape it calls setsid() first and escapes the group too (the
// "stuck in finishing" case: it holds the pipe open after the child died).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

static void on_sigint(int) { _exit(255); }

int main(int argc, char** argv) {
  bool escape = argc > 1 && !std::strcmp(argv[1], "--escape");
  int ready[2];
  if (pipe(ready) != 0) return 1;
  pid_t grandchild = fork();
  if (grandchild == 0) {
    signal(SIGINT, SIG_IGN);
    if (escape) setsid();
    close(ready[0]);
    close(ready[1]);  // tells the parent: set up
    sleep(3600);
    _exit(0);
  }
  // The line below promises a grandchild that is set up: wait for it.
  close(ready[1]);
  char c;
  while (read(ready[0], &c, 1) < 0) {
  }
  close(ready[0]);
  signal(SIGINT, on_sigint);
  std::fprintf(stderr, "helper_forker: pid %d grandchild %d\n", getpid(), grandchild);
  for (;;) pause();
}
