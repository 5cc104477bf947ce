// The control token: a shared secret that every control message and HTTP
// request must carry once one is configured. Read once, at start-up.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ffleet {

// The token from `file` when one is named, else from the environment
// variable FFLEET_TOKEN; "" when neither is set. Surrounding whitespace (the
// newline an editor adds) is dropped. An unreadable or empty file, a
// directory, anything but a regular file, or a file over 4 KiB is an error:
// nullopt, with the reason in `error`.
std::optional<std::string> load_token(const std::string& file, std::string* error);

// Compares without an early exit, so the time taken does not tell an
// attacker how many leading characters were right.
bool tokens_equal(std::string_view expected, std::string_view given);

}  // namespace ffleet
