// ffmpeg prints whatever bytes its inputs carry (metadata titles, file
// names), and the splitter passes them on unchanged. JSON must be UTF-8 and
// nlohmann::json throws at dump() on anything else, so every child text
// that goes into JSON goes through here first.
#pragma once

#include <string>
#include <string_view>

namespace ffleet {

// `s` with every byte that is not part of a well-formed UTF-8 sequence
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) replaced
// by U+FFFD. NUL is well-formed and stays.
std::string valid_utf8(std::string_view s);

// Whether valid_utf8(s) == s.
bool is_valid_utf8(std::string_view s);

}  // namespace ffleet
