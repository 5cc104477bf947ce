#include "config/placeholders.hpp"

namespace ffleet {

std::string expand_placeholders(std::string_view text, std::string_view id, size_t index) {
  constexpr std::string_view id_marker = "{id}";
  constexpr std::string_view index_marker = "{index}";
  std::string out;
  out.reserve(text.size());
  // One pass, so a replacement is never itself searched for markers.
  for (size_t i = 0; i < text.size();) {
    std::string_view rest = text.substr(i);
    if (rest.substr(0, id_marker.size()) == id_marker) {
      out += id;
      i += id_marker.size();
    } else if (rest.substr(0, index_marker.size()) == index_marker) {
      out += std::to_string(index);
      i += index_marker.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

void expand_placeholders(JobSpec& spec, size_t index) {
  auto expand = [&](std::string& text) { text = expand_placeholders(text, spec.id, index); };
  expand(spec.binary);
  for (std::string& arg : spec.args) expand(arg);
  expand(spec.cwd);
  expand(spec.log_file);
  for (auto& [name, value] : spec.env) expand(value);
}

}  // namespace ffleet
