#include "src/process/spawn.hpp"

#include "src/process/child_launch.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>  // CLONE_PIDFD
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace ffleet {
namespace {

// What the parent prepares for the child, and what the child reports back.
// The child shares our memory (CLONE_VM) and we are suspended until it has
// exec'ed or exited (CLONE_VFORK), so plain fields are enough: the kernel
// orders the child's writes before our resumption.
struct ChildArgs {
  const char* path;
  char* const* argv;
  char* const* envp;
  const char* cwd;        // nullptr: keep ours
  int devnull;            // >= 3
  int stderr_w;           // >= 3
  int keep_below;         // > 0: the fd table is shared until unshared here (see LaunchFds)
  pid_t parent;           // who must be our parent once PDEATHSIG is set
  unsigned max_fd;        // for the close loop if close_range is missing
  volatile int failed_errno;
  volatile int failed_step;  // a Step
};

enum Step { kOk = 0, kSetup, kChdir, kExec };

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

// Runs in the child, on its own small stack, sharing the parent's memory and
// even its thread pointer (so errno is the parent thread's: harmless, that
// thread is suspended). Only raw system calls here: no allocation, no locks,
// nothing a sanitizer intercepts or instruments.
#define FFLEET_CHILD_CODE __attribute__((no_sanitize("address", "undefined"), noinline))

FFLEET_CHILD_CODE void child_fail(ChildArgs* a, Step step) {
  a->failed_errno = errno;
  a->failed_step = step;
  syscall(SYS_exit_group, 127);
}

FFLEET_CHILD_CODE int child_main(void* p) {
  ChildArgs* a = static_cast<ChildArgs*>(p);

  // All signals are blocked (the parent did it before clone). First make
  // every disposition the default, so that no handler of the daemon can run
  // here, then empty the mask just before exec. The kernel's struct
  // sigaction all zero is SIG_DFL, no flags, empty mask. SIGKILL and SIGSTOP
  // refuse, which is fine.
  unsigned long default_action[4] = {0, 0, 0, 0};
  for (int sig = 1; sig < 65; ++sig) syscall(SYS_rt_sigaction, sig, default_action, nullptr, 8);

  if (syscall(SYS_setsid) < 0) child_fail(a, kSetup);

  // SIGKILL when the parent *thread* dies (with CLONE_PARENT: the thread of
  // our parent that created the spawn helper). The getppid() check closes
  // the window where the parent died before the prctl.
  if (syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) child_fail(a, kSetup);
  if (syscall(SYS_getppid) != a->parent) syscall(SYS_exit_group, 127);
  // A child subreaper (kept across exec): a descendant whose parent dies is
  // reparented to this process instead of init, so the job's tree stays
  // whole for the sampler and comes to the daemon when the job ends (see
  // strays.hpp).
  if (syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) child_fail(a, kSetup);

  // A shared fd table (the spawn helper's) becomes our own, holding only the
  // few low fds we need: nothing of the caller's table is copied beyond them.
  if (a->keep_below > 0 && syscall(SYS_close_range, a->keep_below, ~0U, CLOSE_RANGE_UNSHARE) < 0)
    child_fail(a, kSetup);

  if (syscall(SYS_dup3, a->devnull, 0, 0) < 0 || syscall(SYS_dup3, a->devnull, 1, 0) < 0 ||
      syscall(SYS_dup3, a->stderr_w, 2, 0) < 0)
    child_fail(a, kSetup);
  // Every fd the daemon has (sockets, other children's pipes, log files) must
  // not leak into ffmpeg: ports would stay held and pipes never see EOF.
  if (syscall(SYS_close_range, 3, ~0U, 0) < 0) {
    for (unsigned fd = 3; fd < a->max_fd; ++fd) syscall(SYS_close, fd);
  }

  if (a->cwd && syscall(SYS_chdir, a->cwd) < 0) child_fail(a, kChdir);

  unsigned long empty_mask = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, nullptr, 8);
  syscall(SYS_execve, a->path, a->argv, a->envp);
  child_fail(a, kExec);
  return 127;
}

std::string errno_text(int err) {
  char buf[128];
  return strerror_r(err, buf, sizeof buf);  // the GNU variant returns the text
}

// fds 0-2 of the child are made with dup3 from these; they must not be 0-2
// themselves (possible when the daemon runs with stdio closed).
int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

bool is_executable_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::vector<char*> c_strings(const std::vector<std::string>& v, const std::string* first) {
  std::vector<char*> out;
  out.reserve(v.size() + 2);
  if (first) out.push_back(const_cast<char*>(first->c_str()));
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

SpawnResult failure(const std::string& binary, int err) { return {std::nullopt, cannot_run(binary, err)}; }

constexpr size_t kChildStack = 64 * 1024;

unsigned fd_limit() {
  struct rlimit nofile {};
  getrlimit(RLIMIT_NOFILE, &nofile);
  return nofile.rlim_cur == RLIM_INFINITY ? 65536u : static_cast<unsigned>(nofile.rlim_cur);
}

}  // namespace

std::string cannot_run(const std::string& binary, int err) {
  return "cannot run \"" + binary + "\": " + errno_text(err);
}

bool resolve_for_spawn(const std::string& binary, std::string& path, std::string& error) {
  // A bare name is resolved here rather than with execvp in the child: the
  // child must stay minimal, and the error text is the same.
  path = binary;
  if (path.find('/') == std::string::npos) {
    const char* env_path = std::getenv("PATH");
    auto found = path.empty() ? std::nullopt
                              : resolve_binary(path, env_path ? env_path : "/usr/local/bin:/usr/bin:/bin");
    if (!found) {
      error = cannot_run(binary, ENOENT);
      return false;
    }
    path = *found;
  }
  return true;
}

Launched launch_child(const SpawnRequest& request, const std::string& path, const LaunchFds& fds,
                      pid_t expected_parent, bool as_sibling) {
  // Everything the child needs is built before it exists.
  std::vector<char*> argv = c_strings(request.args, &request.binary);
  std::vector<char*> envp = c_strings(request.env, nullptr);
  ChildArgs args{path.c_str(), argv.data(), envp.data(),
                 request.cwd.empty() ? nullptr : request.cwd.c_str(), fds.devnull, fds.stderr_w,
                 fds.keep_below, expected_parent, fd_limit(), 0, kOk};

  Launched out;
  void* stack = mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    out.error = cannot_run(request.binary, errno);
    return out;
  }
  int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD;
  if (fds.keep_below > 0) flags |= CLONE_FILES;
  if (as_sibling) flags |= CLONE_PARENT;

  // Block every signal so no handler of ours runs in the child while it
  // shares our memory; the child restores defaults and an empty mask.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  pid_t pid = clone(child_main, static_cast<char*>(stack) + kChildStack, flags, &args, &pidfd);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, kChildStack);

  if (pid < 0) {
    out.error = cannot_run(request.binary, clone_errno);
    return out;
  }
  out.pid = pid;
  if (args.failed_step == kOk) {
    out.pidfd = pidfd;
    return out;
  }
  close(pidfd);
  int err = args.failed_errno;
  if (args.failed_step == kChdir)
    out.error = "cannot run \"" + request.binary + "\": cannot change to directory \"" + request.cwd +
                "\": " + errno_text(err);
  else
    out.error = cannot_run(request.binary, err);
  return out;
}

std::optional<std::string> resolve_binary(const std::string& name, const std::string& path_env) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    if (is_executable_file(name)) return name;
    return std::nullopt;
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    if (end > start) {
      std::string candidate = path_env.substr(start, end - start) + "/" + name;
      if (is_executable_file(candidate)) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

SpawnResult spawn_child(const SpawnRequest& request) {
  std::string path, error;
  if (!resolve_for_spawn(request.binary, path, error)) return {std::nullopt, error};

  int devnull = above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (devnull < 0) return failure(request.binary, errno);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int err = errno;
    close(devnull);
    return failure(request.binary, err);
  }
  int read_end = above_stdio(pipe_fds[0]);
  int write_end = above_stdio(pipe_fds[1]);
  // Only our end is non-blocking (its own open file description): ffmpeg
  // expects an ordinary blocking stderr.
  if (read_end < 0 || write_end < 0 || fcntl(read_end, F_SETFL, O_NONBLOCK) != 0) {
    int err = errno;
    close(devnull);
    if (read_end >= 0) close(read_end);
    if (write_end >= 0) close(write_end);
    return failure(request.binary, err);
  }

  Launched l = launch_child(request, path, LaunchFds{devnull, write_end, 0}, getpid(), false);
  close(devnull);
  close(write_end);
  if (!l.error.empty()) {
    // The child has exited (or is about to): reap it so no zombie is left.
    if (l.pid > 0)
      while (waitpid(l.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    close(read_end);
    return {std::nullopt, l.error};
  }
  return {SpawnedChild{l.pid, l.pidfd, read_end}, {}};
}

}  // namespace ffleet
