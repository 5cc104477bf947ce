// Looking at processes and fds from a test: is a process gone, how many fds
// does this test process hold.
#pragma once

#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string>

namespace ffleet::test {

// Gone, or a zombie waiting for a parent that is not us (PID 1 in a
// container may not reap).
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close_paren = all.rfind(')');
  return close_paren != std::string::npos && all.compare(close_paren, 3, ") Z") == 0;
}

// The fds this process holds now.
inline size_t open_fd_count() {
  size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the directory's own fd
}

}  // namespace ffleet::test
