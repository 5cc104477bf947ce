// A job's log file with size-based rotation, as supervisord and logrotate do
// it: when the next write would pass max_size, FILE becomes FILE.1, FILE.1
// becomes FILE.2, ..., FILE.<keep> is dropped, and a new FILE begins.
// keep = 0 starts FILE over instead; max_size = 0 never rotates.
//
// Plain blocking I/O: only the log writer actor, on a thread of its own,
// uses it, so a slow disk never stalls a job or the reactor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ffleet {

class RotatingLogFile {
 public:
  RotatingLogFile(std::string path, uint64_t max_size, size_t keep);
  ~RotatingLogFile();
  RotatingLogFile(const RotatingLogFile&) = delete;
  RotatingLogFile& operator=(const RotatingLogFile&) = delete;

  // Opens (creates) the file for appending. "" when it worked, else why not.
  std::string open();
  // Appends `text` (whole lines), rotating first if it would pass max_size;
  // opens the file first if it is not open. "" or why it failed.
  std::string append(std::string_view text);
  void set_rotation(uint64_t max_size, size_t keep);

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  std::string rotate();
  void close();

  std::string path_;
  uint64_t max_size_;
  size_t keep_;
  int fd_ = -1;
  bool regular_ = true;  // only a regular file is rotated (never /dev/null or a pipe)
  uint64_t size_ = 0;
};

// "FILE.n"
std::string rotated_name(const std::string& path, size_t n);

}  // namespace ffleet
