// The rule for job ids: ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$. Ids appear in
// command lines, file names and URLs, so they stay plain.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ffleet {

inline constexpr size_t max_job_id_length = 64;

// Why `id` is not a valid job id, or nullopt if it is.
std::optional<std::string> job_id_problem(std::string_view id);

}  // namespace ffleet
