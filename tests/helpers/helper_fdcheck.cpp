// Prints what a supervised child inherited, one fact a line:
//   fds: 0 1 2               open fds (from /proc/self/fd)
//   fd 0: /dev/null          what fds 0-2 point to
//   SigBlk: ... / SigIgn: ... (from /proc/self/status)
//   pid: P ppid: Q sid: S pgid: G
//   cwd: /path
//   env: K=V                 one line per variable
// then exits 0.
#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern char** environ;

int main() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 1;
  std::fprintf(stderr, "fds:");
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd != dirfd(d)) std::fprintf(stderr, " %d", fd);
  }
  closedir(d);
  std::fprintf(stderr, "\n");
  for (int fd = 0; fd < 3; ++fd) {
    char link[32], target[256];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    std::fprintf(stderr, "fd %d: %s\n", fd, target);
  }
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (!std::strncmp(line, "SigBlk:", 7) || !std::strncmp(line, "SigIgn:", 7)) std::fputs(line, stderr);
    std::fclose(f);
  }
  std::fprintf(stderr, "pid: %d ppid: %d sid: %d pgid: %d\n", getpid(), getppid(), getsid(0), getpgid(0));
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd)) std::fprintf(stderr, "cwd: %s\n", cwd);
  for (char** e = environ; *e; ++e) std::fprintf(stderr, "env: %s\n", *e);
  return 0;
}
