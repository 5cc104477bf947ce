#include "src/line_splitter.hpp"

namespace ffleet::detail {

const char* find_line_break(const char* p, const char* end) {
  for (; p < end; ++p) {
    // Both terminators are below 14: one compare rejects almost every byte.
    unsigned char c = static_cast<unsigned char>(*p);
    if (c <= '\r' && (c == '\n' || c == '\r')) return p;
  }
  return end;
}

}  // namespace ffleet::detail
