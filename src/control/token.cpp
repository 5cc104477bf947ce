#include "src/control/token.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ffleet {

namespace {

std::string trim(std::string s) {
  const char* space = " \t\r\n";
  auto first = s.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

}  // namespace

std::optional<std::string> load_token(const std::string& file, std::string* error) {
  if (file.empty()) {
    const char* env = std::getenv("FFLEET_TOKEN");
    return env ? trim(env) : std::string();
  }
  std::ifstream in(file);
  if (!in) {
    if (error) *error = "cannot read the token file " + file + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto token = trim(text.str());
  if (token.empty()) {
    if (error) *error = "the token file " + file + " is empty";
    return std::nullopt;
  }
  return token;
}

bool tokens_equal(std::string_view expected, std::string_view given) {
  // Length differences are not secret; the content is.
  if (expected.size() != given.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ given[i]);
  return diff == 0;
}

}  // namespace ffleet
