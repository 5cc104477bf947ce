// Base64 (RFC 4648, with padding): etcd's JSON gateway carries every key and
// value this way.
#pragma once

#include <optional>
#include <string>

namespace ffleet::etcd {

std::string base64_encode(const std::string& bytes);
// Nothing if `text` is not valid base64.
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace ffleet::etcd
