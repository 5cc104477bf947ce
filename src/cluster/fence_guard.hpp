// The fence guard as the node agent sees it: something that is not frozen
// with the daemon and kills every job process group the daemon has not
// reaped once a deadline passes unfed. The spawn helper process provides it
// (src/process/spawner.hpp: SpawnHelper::fence_until/fence_release); the
// agent only needs these two calls, so it does not depend on how.
#pragma once

#include <chrono>

namespace ffleet::cluster {

class FenceGuard {
 public:
  virtual ~FenceGuard() = default;
  // Kill every job at `deadline` unless called again with a later one first.
  virtual void fence_until(std::chrono::steady_clock::time_point deadline) = 0;
  // Disarm (a clean leave: no job is left to guard).
  virtual void fence_release() = 0;
};

}  // namespace ffleet::cluster
