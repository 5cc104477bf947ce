// The bounds of loading one job file. A job file may come from a careless
// operator or, through reload and cluster apply, from anyone who can write
// it; whatever it holds, loading it must cost the daemon a bounded amount of
// memory and time. Every load (validate, start-up, reload) uses the same
// limits; docs/job-file.md lists them with their defaults.
#pragma once

#include <cstddef>

namespace ffleet {

struct LoadLimits {
  // The file as read. Real fleets of a thousand jobs are a few hundred KiB.
  size_t max_file_bytes = 4 << 20;
  // Collections inside collections. A job file needs six levels (top level,
  // jobs, a job, its outputs, an output, its options); yaml-cpp itself gives
  // up near 500 with no more than "bad file".
  size_t max_depth = 32;
  // Nodes (scalars, lists, maps) as written. yaml-cpp keeps each in memory
  // at about 550 bytes (measured: 900,000 nodes, 494 MiB), so this bounds
  // the memory of a load; a fleet of 10,000 jobs in the `args` form has
  // about 120,000.
  size_t max_nodes = 250000;
  // The file's size once every alias is spelled out: each scalar's bytes plus
  // `expanded_node_bytes` per node. Aliases are cheap to write and each one
  // is read again in full, so without this a small file can make the loader
  // walk gigabytes (anchors of aliases of anchors).
  size_t max_expanded_bytes = 16 << 20;
  // Jobs after `instances` expansion, and the bytes of text they hold (id,
  // binary, args, env, cwd) together and each.
  size_t max_jobs = 10000;
  size_t max_fleet_bytes = 64 << 20;
  size_t max_job_bytes = 1 << 20;
  // Errors reported; the rest are counted in one last "and N more errors".
  size_t max_errors = 100;
};

// What an alias-free node counts for max_expanded_bytes besides its text.
inline constexpr size_t expanded_node_bytes = 16;

}  // namespace ffleet
