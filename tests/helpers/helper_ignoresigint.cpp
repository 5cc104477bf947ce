// Ignores SIGINT and SIGTERM and sleeps forever: only SIGKILL stops it.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

int main() {
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  std::fprintf(stderr, "helper_ignoresigint: ignoring SIGINT and SIGTERM\n");
  for (;;) pause();
}
