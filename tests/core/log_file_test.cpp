// A job's log file: appends, rotates by size keeping log_keep files, starts
// over with log_keep 0, and never renames what is not a regular file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "src/job/log_file.hpp"
#include "src/job/log_file_budget.hpp"

using namespace ffleet;
namespace fs = std::filesystem;

namespace {
struct Dir {
  fs::path path = fs::temp_directory_path() / ("ffleet-logfile-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST_CASE("log file: appends to what is there and rotates when the next write would pass max_size", "[logfile]") {
  Dir dir;
  auto path = dir.file("cam.log");
  std::ofstream(path) << "old\n";
  RotatingLogFile log(path, 10, 2);
  CHECK(log.open() == "");
  CHECK(log.size() == 4);
  CHECK(log.append("aaaa\n") == "");        // 9 bytes: fits
  CHECK(read(path) == "old\naaaa\n");
  CHECK(log.append("bbbb\n") == "");        // 14 > 10: FILE -> FILE.1 first
  CHECK(read(path) == "bbbb\n");
  CHECK(read(path + ".1") == "old\naaaa\n");
  CHECK(log.append("cccc\n") == "");        // 10: still fits
  CHECK(log.append("dddd\n") == "");        // rotate again: .1 -> .2
  CHECK(log.append("eeee\n") == "");
  CHECK(log.append("ffff\n") == "");        // and again: the oldest (.2) is gone
  CHECK(read(path) == "ffff\n");
  CHECK(read(path + ".1") == "dddd\neeee\n");
  CHECK(read(path + ".2") == "bbbb\ncccc\n");
  CHECK_FALSE(fs::exists(path + ".3"));
}

TEST_CASE("log file: keep 0 starts the file over, max_size 0 never rotates", "[logfile]") {
  Dir dir;
  auto path = dir.file("a.log");
  RotatingLogFile cut(path, 6, 0);
  CHECK(cut.append("12345\n") == "");
  CHECK(cut.append("67890\n") == "");
  CHECK(read(path) == "67890\n");
  CHECK_FALSE(fs::exists(path + ".1"));

  auto other = dir.file("b.log");
  RotatingLogFile never(other, 0, 3);
  for (int i = 0; i < 100; ++i) CHECK(never.append("0123456789\n") == "");
  CHECK(fs::file_size(other) == 1100);
  CHECK_FALSE(fs::exists(other + ".1"));
}

TEST_CASE("log file: a missing folder and a full device are errors that say which file", "[logfile]") {
  Dir dir;
  RotatingLogFile missing(dir.file("no/such/dir.log"), 0, 1);
  auto e = missing.open();
  CHECK(e.find("cannot open log file " + dir.file("no/such/dir.log")) == 0);
  CHECK(e.find("No such file or directory") != std::string::npos);

  // /dev/full opens but every write fails; it is no regular file, so it is
  // never renamed however small max_size is.
  RotatingLogFile full("/dev/full", 1, 1);
  CHECK(full.open() == "");
  CHECK(full.append("x\n").find("cannot write log file /dev/full") == 0);
  CHECK(full.append("y\n").find("No space left on device") != std::string::npos);
  CHECK(fs::exists("/dev/full"));
  CHECK_FALSE(fs::exists("/dev/full.1"));
}

TEST_CASE("log file budget: lines beyond what may wait for the disk are dropped, counted and noted", "[logfile]") {
  LogFileBudget budget(100);
  WallTime now{};
  std::vector<LogEntry> line = {LogEntry{now, std::string(40, 'x')}};  // 69 bytes with its time stamp
  auto first = budget.admit(line, now);
  REQUIRE(first);
  CHECK(first->lines.size() == 1);
  CHECK(budget.in_flight() == 69);
  CHECK_FALSE(budget.admit(line, now));  // 138 > 100: dropped
  CHECK_FALSE(budget.admit(line, now));
  CHECK(budget.dropped() == 2);
  budget.written(first->bytes);          // the writer caught up
  auto next = budget.admit(line, now);
  REQUIRE(next);
  REQUIRE(next->lines.size() == 2);
  CHECK(next->lines[0].text == "ffleet: 2 lines are missing here: they came faster than the disk took them");
  CHECK(next->lines[1].text == line[0].text);
  CHECK(budget.dropped() == 2);
  budget.written(next->bytes);
  CHECK(budget.in_flight() == 0);
}
