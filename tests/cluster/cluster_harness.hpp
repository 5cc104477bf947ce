// A cluster on loopback for a test: a private etcd and `ffleet run
// --cluster` daemons as real processes, each with its own --control port,
// events file and log; `ffleet ctl` run as an operator would; and the fake
// children's own records (tests/helpers/helper_recorder.cpp) to check that
// no job ever ran twice at once.
#pragma once

#include <dirent.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "etcd_fixture.hpp"
#include "fleet/control_helpers.hpp"
#include "fleet/daemon.hpp"
#include "netns_lab.hpp"

namespace ffleet::test {

struct CtlResult {
  int code = -1;
  std::string out;
  Json json() const { return Json::parse(out, nullptr, false); }
};

// One run of a job, from its record.
struct Run {
  std::string job;
  int pid = 0;
  long long start_ns = 0, last_ns = 0;
};

// On loopback by default. Given a NetnsLab (which must outlive it), etcd runs
// in the lab's hub, each node in its own namespace on its lab address, with a
// control token (the daemon refuses to listen off loopback without one), and
// the test's ctl calls go out from the hub.
class TestCluster {
 public:
  explicit TestCluster(const std::string& name, std::string lease_ttl = "2s", const NetnsLab* lab = nullptr)
      : lab_(lab), etcd_(etcd_where(lab)), dir_(name), lease_ttl_(std::move(lease_ttl)) {
    records_ = dir_.file("records");
    std::filesystem::create_directories(records_);
    if (lab_) token_file_ = dir_.write("token", "partition-test-token\n");
  }

  ~TestCluster() {
    nodes_.clear();  // SIGKILLs any daemon left; their children die with them
  }

  EtcdFixture& etcd() { return etcd_; }
  const ScratchDir& dir() const { return dir_; }

  // A job file of `n` recorder jobs job-0.., plus `extra` YAML job entries.
  std::string job_file(const std::string& name, int n, const std::string& extra = "") {
    std::string yaml = "version: 1\ndefaults:\n  binary: " + helper("helper_recorder") +
                       "\n  args: [\"" + records_ + "\", \"{id}\"]\n  stop_timeout: 2s\n  reconnect_delay: 500ms\njobs:\n";
    for (int i = 0; i < n; ++i) yaml += "  - id: job-" + std::to_string(i) + "\n";
    return dir_.write(name, yaml + extra);
  }

  // Starts node `name`; file "" = joins without one; `endpoints` "" = the
  // fixture's etcd, else the --cluster value.
  Daemon& start(const std::string& name, const std::string& file, std::vector<std::string> extra = {},
                const std::string& endpoints = "") {
    if (!ports_.count(name)) ports_[name] = lab_ ? NetnsLab::control_port : free_loopback_port();
    node_dirs_[name] = std::make_unique<ScratchDir>("node-" + name);
    std::vector<std::string> args = {"--cluster", endpoints.empty() ? etcd_.endpoints() : endpoints,
                                     "--node",    name,
                                     "--lease-ttl", lease_ttl_};
    if (lab_) args.insert(args.end(), {"--token-file", token_file_});
    args.insert(args.end(), extra.begin(), extra.end());
    nodes_[name] = std::make_unique<Daemon>(*node_dirs_[name], file, args, address(name),
                                            lab_ ? lab_->exec_in(lab_->netns(name)) : std::vector<std::string>{});
    return *nodes_[name];
  }

  // Starts n1 (with an HTTP port, returned), n2 and n3, none with a file,
  // and waits until all three have registered.
  uint16_t start_three_with_http_on_n1() {
    uint16_t port = listening_port(start("n1", "", {"--http", "127.0.0.1:0"}), "http");
    start("n2", "");
    start("n3", "");
    REQUIRE(eventually([&] { return ctl("n1", {"nodes", "--json"}).json().size() == 3; }));
    return port;
  }

  Daemon& node(const std::string& name) { return *nodes_.at(name); }
  std::string address(const std::string& name) {
    return (lab_ ? lab_->ip(name) : "127.0.0.1") + ":" + std::to_string(ports_.at(name));
  }

  // SIGKILL and reap, as a crash.
  void kill(const std::string& name) {
    node(name).signal(SIGKILL);
    node(name).wait_exit();
  }

  CtlResult ctl(const std::string& via, const std::vector<std::string>& words) {
    // Bounded: a ctl that hangs must not eat the whole wait (seen rarely right
    // after a peer died: a status fan-out whose reply never came; see docs/cluster.md).
    std::string cmd = "timeout 20 ";
    if (lab_)
      for (auto& w : lab_->exec_in(lab_->hub())) cmd += w + " ";
    cmd += std::string(FFLEET_BINARY) + " ctl --connect " + address(via);
    if (lab_) cmd += " --token-file " + token_file_;
    for (auto& w : words) cmd += " '" + w + "'";
    cmd += " 2>&1";
    CtlResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }

  // The whole-cluster status as `via` answers it; null on failure.
  Json status(const std::string& via) {
    auto r = ctl(via, {"status", "--json"});
    return r.code == 0 ? r.json() : Json();
  }

  // job -> node for every job running (state running, with a pid), per `via`.
  std::map<std::string, std::string> running(const std::string& via) {
    std::map<std::string, std::string> out;
    auto all = status(via);
    if (!all.is_array()) return out;
    for (auto& s : all)
      if (s.value("state", "") == "running" && s["pid"].is_number() && s["node"].is_string())
        out[s["id"].get<std::string>()] = s["node"].get<std::string>();
    return out;
  }

  // Waits until `via` reports all of `jobs` running, each on a node of `on`.
  std::map<std::string, std::string> wait_running(const std::string& via, size_t jobs, const std::set<std::string>& on,
                                                  std::chrono::milliseconds timeout = 60s) {
    std::map<std::string, std::string> seen;
    bool ok = eventually(
        [&] {
          seen = running(via);
          if (seen.size() != jobs) return false;
          for (auto& [job, node] : seen)
            if (!on.count(node)) return false;
          return true;
        },
        timeout);
    if (!ok) {
      std::string logs;
      for (auto& [name, d] : nodes_) logs += "---- " + name + "\n" + d->log();
      auto last = ctl(via, {"status", "--json"});
      FAIL("not all " << jobs << " jobs running on the expected nodes; last status (ctl exit " << last.code << "):\n"
                      << last.out << "\n" << logs);
    }
    return seen;
  }

  std::map<std::string, size_t> per_node(const std::map<std::string, std::string>& placement) {
    std::map<std::string, size_t> counts;
    for (auto& [job, node] : placement) ++counts[node];
    return counts;
  }

  std::vector<Run> runs() const {
    std::vector<Run> out;
    DIR* d = ::opendir(records_.c_str());
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      auto dot = name.rfind('.');
      if (name[0] == '.' || dot == std::string::npos) continue;
      Run r;
      r.job = name.substr(0, dot);
      r.pid = std::stoi(name.substr(dot + 1));
      std::ifstream in(records_ + "/" + name);
      in >> r.start_ns >> r.last_ns;
      if (r.start_ns > 0) out.push_back(r);
    }
    ::closedir(d);
    return out;
  }

  // The smallest gap (ms) between one run of a job and the next, over every
  // job; fails the test on an overlap. A run's end is its last heartbeat.
  double check_no_overlap() {
    std::map<std::string, std::vector<Run>> by_job;
    for (auto& r : runs()) by_job[r.job].push_back(r);
    double smallest_gap_ms = 1e18;
    for (auto& [job, list] : by_job) {
      std::sort(list.begin(), list.end(), [](const Run& a, const Run& b) { return a.start_ns < b.start_ns; });
      for (size_t i = 1; i < list.size(); ++i) {
        double gap_ms = (list[i].start_ns - list[i - 1].last_ns) / 1e6;
        INFO(job << ": run pid " << list[i].pid << " started " << gap_ms << " ms after the last heartbeat of pid "
                 << list[i - 1].pid);
        CHECK(gap_ms > 0);
        smallest_gap_ms = std::min(smallest_gap_ms, gap_ms);
      }
    }
    return smallest_gap_ms;
  }

  // The longest wait, over the jobs restarted after `since`, from `since`
  // to the start of the job's first run after it: the failover time as the
  // children saw it. Seconds; 0 if no job restarted.
  double restart_latency(std::chrono::steady_clock::time_point since) const {
    long long since_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since.time_since_epoch()).count();
    std::map<std::string, long long> first;
    for (auto& r : runs())
      if (r.start_ns > since_ns && (!first.count(r.job) || r.start_ns < first[r.job])) first[r.job] = r.start_ns;
    long long longest = 0;
    for (auto& [job, start] : first) longest = std::max(longest, start - since_ns);
    return longest / 1e9;
  }

  std::string logs() {
    std::string out;
    for (auto& [name, d] : nodes_) out += "---- " + name + "\n" + d->log();
    return out;
  }

 private:
  static EtcdFixture::Where etcd_where(const NetnsLab* lab) {
    if (!lab) return {};
    std::string hub = lab->hub();
    return {lab->hub_ip(), lab->exec_in(hub), [hub](const std::function<void()>& fn) { in_netns(hub, fn); }};
  }

  const NetnsLab* lab_;
  std::string token_file_;
  EtcdFixture etcd_;
  ScratchDir dir_;
  std::string lease_ttl_;
  std::string records_;
  std::map<std::string, int> ports_;
  std::map<std::string, std::unique_ptr<ScratchDir>> node_dirs_;
  std::map<std::string, std::unique_ptr<Daemon>> nodes_;
};

inline const std::set<std::string> all3 = {"n1", "n2", "n3"};

// Three nodes that have all registered before the file is applied, so each
// gets its share whatever the machine's load.
inline void start_three(TestCluster& c, const std::string& file) {
  for (auto& n : all3) c.start(n, "");
  REQUIRE(eventually([&] { return c.ctl("n1", {"nodes", "--json"}).json().size() == 3; }));
  REQUIRE(c.ctl("n1", {"apply", file}).code == 0);
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace ffleet::test
