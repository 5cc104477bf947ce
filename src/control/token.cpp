#include "src/control/token.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ffleet {

namespace {

// A token is one line; a bigger file is a mistake (a wrong path, a log file).
constexpr off_t max_token_file_bytes = 4096;

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
  auto fail = [&](const std::string& why) -> std::optional<std::string> {
    if (error) *error = "the token file " + file + " " + why;
    return std::nullopt;
  };
  // Non-blocking open: a FIFO without a writer must not hang the start.
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (error) *error = "cannot read the token file " + file + ": " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st{};
  bool stat_ok = fstat(fd, &st) == 0;
  if (!stat_ok || !S_ISREG(st.st_mode) || st.st_size > max_token_file_bytes) {
    close(fd);
    if (stat_ok && S_ISDIR(st.st_mode)) return fail("is a directory");
    if (stat_ok && !S_ISREG(st.st_mode)) return fail("is not a regular file");
    if (stat_ok) return fail("is larger than " + std::to_string(max_token_file_bytes) + " bytes: it holds one token");
    return fail(std::string("cannot be read: ") + std::strerror(errno));
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  ssize_t n = read(fd, text.data(), text.size());
  int read_errno = errno;
  close(fd);
  if (n < 0) return fail(std::string("cannot be read: ") + std::strerror(read_errno));
  text.resize(static_cast<size_t>(n));
  auto token = trim(text);
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
