// Leaves a daemon behind the way daemons are made: forks, the child calls
// setsid() and forks again, and the grandchild - now outside the job's
// process group and session, its parent gone - ignores SIGINT, SIGTERM and
// SIGHUP, touches MiB of memory (argument 1, default 0) and sleeps for an
// hour. The helper itself prints "helper_escaper: escaped pid G", then
// waits; it exits 0 on SIGINT. Further arguments are ignored (tests pass a
// marker to find the processes in /proc).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

static void on_sigint(int) { _exit(0); }

int main(int argc, char** argv) {
  long mib = argc > 1 ? std::atol(argv[1]) : 0;
  int ready[2];
  if (pipe(ready) != 0) return 1;
  pid_t middle = fork();
  if (middle == 0) {
    setsid();
    pid_t escaped = fork();
    if (escaped == 0) {
      signal(SIGINT, SIG_IGN);
      signal(SIGTERM, SIG_IGN);
      signal(SIGHUP, SIG_IGN);
      if (mib > 0) {
        size_t bytes = static_cast<size_t>(mib) << 20;
        // Written through a volatile pointer, a byte a page: resident, not
        // just reserved, and no compiler may drop the stores.
        volatile char* memory = static_cast<volatile char*>(std::malloc(bytes));
        for (size_t i = 0; memory && i < bytes; i += 4096) memory[i] = 1;
      }
      pid_t me = getpid();
      if (write(ready[1], &me, sizeof me) != sizeof me) _exit(1);
      close(ready[1]);
      sleep(3600);
      _exit(0);
    }
    _exit(0);  // the grandchild's parent is gone: it is an orphan
  }
  close(ready[1]);
  waitpid(middle, nullptr, 0);
  pid_t escaped = 0;
  if (read(ready[0], &escaped, sizeof escaped) != sizeof escaped) return 1;
  signal(SIGINT, on_sigint);
  std::fprintf(stderr, "helper_escaper: escaped pid %d\n", static_cast<int>(escaped));
  for (;;) pause();
}
