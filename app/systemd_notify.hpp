// Readiness and reload notifications for systemd's Type=notify services
// (sd_notify from libsystemd). Outside systemd NOTIFY_SOCKET is not set and
// each call does nothing.
#pragma once

#include <string>

namespace ffleet {

// Sends `state`, e.g. "READY=1\nSTATUS=3 jobs"; false if it could not be sent
// (no NOTIFY_SOCKET is not a failure).
bool notify_systemd(const std::string& state);

}  // namespace ffleet
