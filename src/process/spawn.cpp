#include "src/process/spawn.hpp"

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

#ifndef P_PIDFD
#define P_PIDFD 3  // <linux/wait.h>; glibc 2.36's <sys/wait.h> lacks it
#endif

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
  pid_t parent;           // our pid, to detect that we died before PDEATHSIG was set
  unsigned max_fd;        // for the close loop if close_range is missing
  volatile int failed_errno;
  volatile int failed_step;  // a Step
};

enum Step { kOk = 0, kSetup, kChdir, kExec };

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

  // SIGKILL when the parent *thread* dies. The callers spawn from CAF worker
  // threads, which live as long as the daemon; a thread that exits earlier
  // would kill its children with it. The getppid() check closes the window
  // where the whole daemon died before the prctl.
  if (syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) child_fail(a, kSetup);
  if (syscall(SYS_getppid) != a->parent) syscall(SYS_exit_group, 127);

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

SpawnResult failure(const std::string& binary, int err) {
  return {std::nullopt, "cannot run \"" + binary + "\": " + errno_text(err)};
}

constexpr size_t kChildStack = 64 * 1024;

}  // namespace

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
  // A bare name is resolved here rather than with execvp in the child: the
  // child must stay minimal, and the error text is the same.
  std::string path = request.binary;
  if (path.empty()) return failure(path, ENOENT);
  if (path.find('/') == std::string::npos) {
    const char* env_path = std::getenv("PATH");
    auto found = resolve_binary(path, env_path ? env_path : "/usr/local/bin:/usr/bin:/bin");
    if (!found) return failure(request.binary, ENOENT);
    path = *found;
  }

  // Everything the child needs is built before it exists.
  std::vector<char*> argv = c_strings(request.args, &request.binary);
  std::vector<char*> envp = c_strings(request.env, nullptr);

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

  struct rlimit nofile {};
  getrlimit(RLIMIT_NOFILE, &nofile);
  ChildArgs args{path.c_str(), argv.data(), envp.data(),
                 request.cwd.empty() ? nullptr : request.cwd.c_str(), devnull, write_end, getpid(),
                 nofile.rlim_cur == RLIM_INFINITY ? 65536u : static_cast<unsigned>(nofile.rlim_cur),
                 0, kOk};

  void* stack = mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int err = errno;
    close(devnull);
    close(read_end);
    close(write_end);
    return failure(request.binary, err);
  }

  // Block every signal so no handler of ours runs in the child while it
  // shares our memory; the child restores defaults and an empty mask.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  pid_t pid = clone(child_main, static_cast<char*>(stack) + kChildStack,
                    CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &args, &pidfd);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  munmap(stack, kChildStack);
  close(devnull);
  close(write_end);
  if (pid < 0) {
    close(read_end);
    return failure(request.binary, clone_errno);
  }
  if (args.failed_step != kOk) {
    // The child has exited (or is about to): reap it so no zombie is left.
    siginfo_t info{};
    while (waitid(static_cast<idtype_t>(P_PIDFD), pidfd, &info, WEXITED) != 0 && errno == EINTR) {
    }
    close(pidfd);
    close(read_end);
    int err = args.failed_errno;
    if (args.failed_step == kChdir)
      return {std::nullopt, "cannot run \"" + request.binary + "\": cannot change to directory \"" +
                                request.cwd + "\": " + errno_text(err)};
    return failure(request.binary, err);
  }
  return {SpawnedChild{pid, pidfd, read_end}, {}};
}

}  // namespace ffleet
