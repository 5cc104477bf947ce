#include "src/job/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ffleet {

std::string rotated_name(const std::string& path, size_t n) { return path + "." + std::to_string(n); }

RotatingLogFile::RotatingLogFile(std::string path, uint64_t max_size, size_t keep)
    : path_(std::move(path)), max_size_(max_size), keep_(keep) {}

RotatingLogFile::~RotatingLogFile() { close(); }

void RotatingLogFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RotatingLogFile::set_rotation(uint64_t max_size, size_t keep) {
  max_size_ = max_size;
  keep_ = keep;
}

std::string RotatingLogFile::open() {
  close();
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  if (fd_ < 0) return "cannot open log file " + path_ + ": " + std::strerror(errno);
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    regular_ = S_ISREG(st.st_mode);
    size_ = regular_ ? static_cast<uint64_t>(st.st_size) : 0;
  }
  return "";
}

std::string RotatingLogFile::rotate() {
  close();
  if (keep_ == 0) {
    if (::truncate(path_.c_str(), 0) != 0 && errno != ENOENT)
      return "cannot start log file " + path_ + " over: " + std::strerror(errno);
  } else {
    // Oldest first, so nothing is overwritten before it moved on.
    for (size_t n = keep_; n > 1; --n) ::rename(rotated_name(path_, n - 1).c_str(), rotated_name(path_, n).c_str());
    if (::rename(path_.c_str(), rotated_name(path_, 1).c_str()) != 0 && errno != ENOENT)
      return "cannot rotate log file " + path_ + ": " + std::strerror(errno);
  }
  return open();
}

std::string RotatingLogFile::append(std::string_view text) {
  if (fd_ < 0)
    if (auto e = open(); !e.empty()) return e;
  if (regular_ && max_size_ > 0 && size_ > 0 && size_ + text.size() > max_size_)
    if (auto e = rotate(); !e.empty()) return e;
  while (!text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "cannot write log file " + path_ + ": " + std::strerror(n < 0 ? errno : EIO);
    text.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return "";
}

}  // namespace ffleet
