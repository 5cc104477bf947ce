// The node agent's fence guard (src/cluster/fence_guard.hpp) is the spawn
// helper's: the helper is the one process beside the daemon that knows every
// job process (it spawned them), is not frozen with the daemon, and already
// runs the guard (src/process/spawner.hpp, fence_until/fence_release). This
// adapter only lets the agent hold it without depending on src/process.
#pragma once

#include "src/cluster/fence_guard.hpp"
#include "src/process/spawner.hpp"

namespace ffleet {

class HelperFence : public cluster::FenceGuard {
 public:
  // `helper` outlives the agent: run_fleet creates it first and drops it last.
  explicit HelperFence(SpawnHelper& helper) : helper_(helper) {}
  void fence_until(std::chrono::steady_clock::time_point deadline) override { helper_.fence_until(deadline); }
  void fence_release() override { helper_.fence_release(); }

 private:
  SpawnHelper& helper_;
};

}  // namespace ffleet
