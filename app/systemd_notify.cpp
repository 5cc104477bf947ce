#include "app/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

namespace ffleet {

bool notify_systemd(const std::string& state) {
  // unset_environment = 0: the variable stays for a later call (reload,
  // stop); jobs do not inherit it unless a job file lists it in inherit_env.
  return sd_notify(0, state.c_str()) >= 0;
}

}  // namespace ffleet
