// Text from outside (a job's stderr, an id in a request, a value in a job
// file) shown where a control character would do harm: a newline forges a
// line in a text log, an escape sequence takes over the operator's terminal.
#pragma once

#include <string>
#include <string_view>

namespace ffleet {

// `s` with control characters written out: \n, \r, and \xNN for the other
// C0 bytes, DEL and the C1 controls (U+0080..U+009F, which some terminals
// obey like ESC [). Tabs and every other byte stay as they are, so ordinary
// text, UTF-8 included, is unchanged.
std::string escape_controls(std::string_view s);

// escape_controls on each line of `text`, keeping the line breaks: for
// multi-line output to a terminal.
std::string escape_controls_by_line(std::string_view text);

// Whether escape_controls(s) would change anything.
bool has_controls(std::string_view s);

// At most `max_bytes` of `s` (never cutting a UTF-8 sequence), with "..."
// when cut, and control characters escaped: how a message quotes a value
// that may be huge (a 50 MB id) or hostile.
std::string shorten_for_message(std::string_view s, size_t max_bytes);

}  // namespace ffleet
