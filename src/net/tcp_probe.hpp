// Whether a TCP endpoint accepts a connection within a time limit.
//
// Why: CAF 0.17's middleman dials with a blocking connect() on its one
// thread. To an address whose packets vanish (a node cut off from the
// network) that connect waits for the kernel's SYN retries, about two
// minutes, and every other dial of the process queues behind it. Probing
// first, with a deadline, keeps a dead address from stalling the links to
// the live ones (actors/cluster/cluster_control.cpp).
#pragma once

#include <chrono>

#include "src/control/host_port.hpp"

namespace ffleet {

// Blocks for at most `timeout` (plus name resolution); true when the
// endpoint accepted a TCP connection, which is closed again at once.
bool tcp_answers(const HostPort& at, std::chrono::milliseconds timeout);

}  // namespace ffleet
