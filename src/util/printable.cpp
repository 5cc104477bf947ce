#include "src/util/printable.hpp"

namespace ffleet {

namespace {

bool is_c0_or_del(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

// A C1 control in UTF-8: 0xC2 followed by 0x80..0x9F.
bool is_c1_at(std::string_view s, size_t i) {
  return static_cast<unsigned char>(s[i]) == 0xc2 && i + 1 < s.size() &&
         static_cast<unsigned char>(s[i + 1]) >= 0x80 && static_cast<unsigned char>(s[i + 1]) <= 0x9f;
}

void append_hex(std::string& out, unsigned char c) {
  static const char digits[] = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4];
  out += digits[c & 15];
}

}  // namespace

bool has_controls(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (is_c0_or_del(static_cast<unsigned char>(s[i])) || is_c1_at(s, i)) return true;
  return false;
}

std::string escape_controls(std::string_view s) {
  if (!has_controls(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (is_c0_or_del(c)) {
      append_hex(out, c);
    } else if (is_c1_at(s, i)) {
      append_hex(out, static_cast<unsigned char>(s[++i]));  // the code point's value
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string escape_controls_by_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      out += escape_controls(text.substr(start));
      break;
    }
    out += escape_controls(text.substr(start, end - start));
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string shorten_for_message(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return escape_controls(s);
  size_t cut = max_bytes;
  // Back up over UTF-8 continuation bytes so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  return escape_controls(s.substr(0, cut)) + "...";
}

}  // namespace ffleet
