#include "app/cluster_options.hpp"

#include "config/job_id.hpp"
#include "config/values.hpp"
#include "src/control/host_port.hpp"

namespace ffleet {

void add_cluster_options(CLI::App& run, ClusterOptions& o) {
  const char* group = "Cluster (docs/cluster.md)";
  run.add_option("--cluster", o.endpoints, "Join a cluster: etcd client URLs, comma-separated (http://HOST:PORT,...)")
      ->group(group);
  run.add_option("--node", o.node, "This node's unique name (same rule as a job id)")->group(group);
  run.add_option("--advertise", o.advertise, "HOST:PORT the other nodes dial (default: --control)")->group(group);
  run.add_option("--label", o.labels, "A node label KEY=VALUE that jobs can require (repeatable)")->group(group);
  run.add_option("--capacity", o.capacity, "At most N jobs on this node (default: no limit)")->group(group);
  run.add_option("--lease-ttl", o.lease_ttl, "A node silent this long has stopped its jobs and loses them (>= 2s)")
      ->capture_default_str()
      ->group(group);
}

std::string resolve_cluster_options(const ClusterOptions& o, const std::string& control, ClusterSettings& out) {
  std::string error;
  auto endpoints = etcd::parse_endpoints(o.endpoints, &error);
  if (!endpoints) return "--cluster: " + error;
  out.endpoints = *endpoints;
  if (o.node.empty()) return "--node NAME is required with --cluster";
  if (auto problem = job_id_problem(o.node)) return "--node: " + *problem;
  out.info.name = o.node;
  std::string address = o.advertise.empty() ? control : o.advertise;
  const char* flag = o.advertise.empty() ? "--control" : "--advertise";
  if (address.empty()) return "a cluster node needs --control (the other nodes dial it)";
  auto at = parse_host_port(address, &error);
  if (!at) return std::string(flag) + " " + error;
  if (at->port == 0) return std::string(flag) + " " + address + ": the other nodes need a fixed port";
  out.info.address = at->to_string();
  for (auto& label : o.labels) {
    auto eq = label.find('=');
    if (eq == std::string::npos || eq == 0) return "--label " + label + ": expected KEY=VALUE";
    out.info.labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  if (o.capacity < -1 || o.capacity > 1000000) return "--capacity must be between 0 and 1000000";
  if (o.capacity >= 0) out.info.capacity = static_cast<uint32_t>(o.capacity);
  auto ttl = parse_duration(o.lease_ttl);
  if (!ttl.ok()) return "--lease-ttl: " + ttl.error;
  out.lease_ttl = std::chrono::duration_cast<std::chrono::milliseconds>(*ttl.value);
  if (out.lease_ttl < min_lease_ttl) return "--lease-ttl " + o.lease_ttl + ": at least 2s (etcd's shortest lease)";
  return "";
}

}  // namespace ffleet
