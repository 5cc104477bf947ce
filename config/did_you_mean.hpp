// Suggestions for misspelt keys: "stale_timout" -> "stale_timeout".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ffleet {

// Levenshtein distance: insertions, deletions and substitutions.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is at most 2 edits away (ties go to
// the earlier candidate). Further than that a guess misleads more than it helps.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string_view>& candidates);

}  // namespace ffleet
