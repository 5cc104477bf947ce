#include "src/process/self_usage.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "src/process/proc_sampler.hpp"

namespace ffleet {

namespace {

// "btime N" in /proc/stat: when the machine booted, in Unix seconds. A
// process's start time in /proc/[pid]/stat counts ticks from there.
std::optional<uint64_t> boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  uint64_t value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 16, '\n');
  }
  return std::nullopt;
}

uint64_t count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  uint64_t n = 0;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n > 0 ? n - 1 : 0;  // the directory's own fd is not one of ours
}

}  // namespace

std::optional<ProcessUsage> read_self_usage() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  ProcStat st;
  if (!std::getline(in, line) || !parse_proc_stat(line.data(), line.size(), &st)) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessUsage u;
  u.cpu_seconds = static_cast<double>(st.utime + st.stime) / ticks;
  if (st.rss_pages > 0) u.resident_bytes = static_cast<uint64_t>(st.rss_pages) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  u.virtual_bytes = st.vsize_bytes;
  if (auto boot = boot_time()) u.start_time_s = static_cast<double>(*boot) + static_cast<double>(st.start_ticks) / ticks;
  u.open_fds = count_open_fds();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) u.max_fds = limit.rlim_cur;
  return u;
}

}  // namespace ffleet
