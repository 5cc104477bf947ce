// The command-line options of a cluster node (`ffleet run --cluster ...`),
// checked before anything starts: a mistake is a usage error (exit 2).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "src/cluster/keys.hpp"
#include "src/etcd/etcd_client.hpp"

namespace ffleet {

struct ClusterOptions {
  std::string endpoints;  // --cluster; empty = not a cluster node
  std::string node;
  std::string advertise;
  std::vector<std::string> labels;  // KEY=VALUE
  int64_t capacity = -1;            // -1 = no limit
  std::string lease_ttl = "5s";
};

struct ClusterSettings {
  std::vector<etcd::Endpoint> endpoints;
  cluster::NodeInfo info;
  std::chrono::milliseconds lease_ttl{5000};
};

void add_cluster_options(CLI::App& run, ClusterOptions& options);

// Fills `out`, or says what is wrong. `control` is the --control address,
// advertised when --advertise is not given.
std::string resolve_cluster_options(const ClusterOptions& options, const std::string& control, ClusterSettings& out);

// The shortest lease etcd grants (it raises anything below) and so the
// shortest --lease-ttl.
constexpr std::chrono::milliseconds min_lease_ttl{2000};

}  // namespace ffleet
