// Several "machines" on one host, for the test of a node cut off from the
// network: network namespaces this test creates and always deletes.
//
//   hub namespace: etcd, and a bridge br0 at 10.213.0.1/24
//   one namespace per node: eth0 at 10.213.0.(10+i)/24, a veth pair whose
//   other end is a port of the hub's bridge
//
// Why a namespace per node and not one namespace with 127.0.0.2-4: inside one
// namespace a socket that is not bound gets the source address 127.0.0.1
// whatever address its node listens on, so a firewall rule on the node's
// address does not cut the node's own outgoing links (to etcd, to the other
// nodes). Matching them by uid or cgroup would need the daemon run as another
// user or moved into a cgroup. With a namespace per node the cut is simply
// "drop everything but loopback" inside that one namespace, in both
// directions, as if its cable were pulled: packets vanish, connections are
// not refused, so a dial to the cut node hangs instead of failing at once
// (that is how the test found the blocking dial src/net/tcp_probe.hpp
// explains). Healing deletes that rule; the TCP connections that outlived
// the cut may resume.
//
// The addresses exist only inside these namespaces; the test reaches the
// daemons through `ip netns exec HUB ...`. Names carry the test's pid, and
// namespaces left by a test process that died are removed by the next lab.
#pragma once

#include <sched.h>
#include <sys/stat.h>

#include <cstring>
#include <thread>

#include "fleet/control_helpers.hpp"

namespace ffleet::test {

// The full path of a system tool (tests spawn by path; root's sbin may not be
// on a user's PATH), or "" when it is not installed.
inline std::string system_tool(const std::string& name) {
  for (auto dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    std::string path = dir + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// Runs `fn` on a thread that has entered the network namespace `ns`, so the
// test itself can reach an address inside it (namespaces are per thread).
inline void in_netns(const std::string& ns, const std::function<void()>& fn) {
  std::string problem;
  std::thread worker([&] {
    int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      problem = "cannot enter network namespace " + ns + ": " + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return;
    }
    ::close(fd);
    fn();
  });
  worker.join();
  if (!problem.empty()) FAIL(problem);
}

class NetnsLab {
 public:
  static constexpr int control_port = 7400;

  // Why this machine cannot run a partition test ("" when it can): it needs
  // root, `ip` (iproute2) and `nft` (nftables), and a kernel that lets it
  // make namespaces and nftables rules (a container may not).
  static std::string unavailable() {
    if (::geteuid() != 0) return "not root: creating network namespaces needs root";
    if (system_tool("ip").empty()) return "ip (iproute2) is not installed";
    if (system_tool("nft").empty()) return "nft (nftables) is not installed";
    NetnsLab probe(std::vector<std::string>{});
    if (!probe.error_.empty()) return "cannot create network namespaces: " + probe.error_;
    std::string rule = probe.run_in(probe.hub(), {system_tool("nft"), "add", "table", "inet", "ffleet_probe"});
    return rule.empty() ? "" : "nftables does not work here: " + rule;
  }

  // Creates the hub and one namespace per node; check error() before use.
  explicit NetnsLab(const std::vector<std::string>& nodes) : scratch_("netns") {
    remove_stale();
    static int counter = 0;
    prefix_ = "ffcut-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-";
    if (!make_namespace("hub")) return;
    step({ip_, "-n", hub(), "link", "set", "lo", "up"});
    step({ip_, "-n", hub(), "link", "add", "br0", "type", "bridge"});
    step({ip_, "-n", hub(), "addr", "add", hub_ip() + "/24", "dev", "br0"});
    step({ip_, "-n", hub(), "link", "set", "br0", "up"});
    int i = 0;
    for (auto& node : nodes) {
      std::string address = "10.213.0." + std::to_string(10 + ++i);
      ips_[node] = address;
      if (!make_namespace(node)) return;
      std::string port = "v-" + node;  // the hub's end; a node name is short
      step({ip_, "-n", hub(), "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", netns(node)});
      step({ip_, "-n", hub(), "link", "set", port, "master", "br0", "up"});
      step({ip_, "-n", netns(node), "link", "set", "lo", "up"});
      step({ip_, "-n", netns(node), "addr", "add", address + "/24", "dev", "eth0"});
      step({ip_, "-n", netns(node), "link", "set", "eth0", "up"});
    }
  }

  ~NetnsLab() {
    // Reverse order: the nodes, then the hub.
    for (auto i = made_.rbegin(); i != made_.rend(); ++i) remove_namespace(*i);
  }

  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  // The first step that failed, with its output ("" = all went well).
  const std::string& error() const { return error_; }

  std::string hub() const { return prefix_ + "hub"; }
  std::string hub_ip() const { return "10.213.0.1"; }
  std::string netns(const std::string& node) const { return prefix_ + node; }
  std::string ip(const std::string& node) const { return ips_.at(node); }
  std::string control(const std::string& node) const { return ip(node) + ":" + std::to_string(control_port); }

  // The words that run a command inside namespace `ns`.
  std::vector<std::string> exec_in(const std::string& ns) const { return {ip_, "netns", "exec", ns}; }

  // Cuts `node` off: inside its namespace every packet but loopback is
  // dropped, coming in and going out.
  void cut(const std::string& node) {
    std::string rules = scratch_.write("cut.nft",
                                       "table inet ffleet_cut {\n"
                                       "  chain in { type filter hook input priority 0; policy drop; iif lo accept; }\n"
                                       "  chain out { type filter hook output priority 0; policy drop; oif lo accept; }\n"
                                       "}\n");
    auto problem = run_in(netns(node), {nft_, "-f", rules});
    if (!problem.empty()) FAIL("cannot cut " << node << ": " << problem);
  }

  void heal(const std::string& node) {
    auto problem = run_in(netns(node), {nft_, "delete", "table", "inet", "ffleet_cut"});
    if (!problem.empty()) FAIL("cannot heal " << node << ": " << problem);
  }

 private:
  // Runs a command; "" on success, else what it printed.
  std::string run(const std::vector<std::string>& args) {
    auto r = run_program(scratch_, args, {}, 30s);
    if (r.code == 0) return "";
    std::string words;
    for (auto& a : args) words += a + " ";
    return words + "exited " + std::to_string(r.code) + ": " + r.out + r.err;
  }

  std::string run_in(const std::string& ns, std::vector<std::string> args) {
    auto words = exec_in(ns);
    words.insert(words.end(), args.begin(), args.end());
    return run(words);
  }

  // A setup step: the first failure is kept and stops the rest.
  void step(const std::vector<std::string>& args) {
    if (error_.empty()) error_ = run(args);
  }

  bool make_namespace(const std::string& what) {
    std::string name = prefix_ + what;
    step({ip_, "netns", "add", name});
    if (error_.empty()) made_.push_back(name);
    return error_.empty();
  }

  // Kills whatever still runs in `name` (the test's own processes are gone
  // by now; this is the safety net for a failed one) and deletes it.
  void remove_namespace(const std::string& name) {
    auto pids = [&] {
      auto r = run_program(scratch_, {ip_, "netns", "pids", name}, {}, 30s);
      std::vector<pid_t> out;
      std::istringstream in(r.out);
      for (pid_t pid; in >> pid;) out.push_back(pid);
      return out;
    };
    eventually([&] {
      auto left = pids();
      for (pid_t pid : left) ::kill(pid, SIGKILL);
      return left.empty();
    });
    run({ip_, "netns", "del", name});
  }

  // Namespaces of test processes that died without cleaning up.
  void remove_stale() {
    auto r = run_program(scratch_, {ip_, "netns", "list"}, {}, 30s);
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      std::string name = line.substr(0, line.find(' '));
      if (name.rfind("ffcut-", 0) != 0) continue;
      pid_t owner = std::atoi(name.c_str() + 6);
      if (owner > 0 && owner != ::getpid() && !process_alive(owner)) remove_namespace(name);
    }
  }

  ScratchDir scratch_;
  std::string ip_ = system_tool("ip"), nft_ = system_tool("nft");
  std::string prefix_;
  std::string error_;
  std::vector<std::string> made_;
  std::map<std::string, std::string> ips_;
};

}  // namespace ffleet::test
