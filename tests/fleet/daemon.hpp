// Runs `ffleet run` as a real process, as an operator would, and reads its
// --events file. Waiting is always "until this event, or a generous deadline".
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "wait.hpp"
#include "process_probe.hpp"

extern char** environ;

namespace ffleet::test {

using namespace std::chrono_literals;
using Json = nlohmann::json;


// A scratch directory removed at the end of the test.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& name) {
    path = std::filesystem::temp_directory_path() /
           ("ffleet-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name)) << text;
    return file(name);
  }
};

inline bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0; }

// Starts `args` (args[0] a path) with stdout and stderr to these files
// (created or emptied); returns its pid.
inline pid_t spawn_to_files(std::vector<std::string> args, const std::string& out, const std::string& err) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}


class Daemon {
 public:
  // control: the --control address ("" = off; "127.0.0.1:0" = any free port,
  // which the daemon logs as "control: listening on HOST:PORT"). exec_prefix:
  // words that run the daemon elsewhere and then exec it, so that pid() is
  // the daemon's (e.g. `ip netns exec NS`: in a network namespace).
  Daemon(const ScratchDir& dir, const std::string& job_file, std::vector<std::string> extra = {},
         std::string control = "", std::vector<std::string> exec_prefix = {})
      : events_path_(dir.file("events.jsonl")), log_path_(dir.file("daemon.log")) {
    std::vector<std::string> args = std::move(exec_prefix);
    args.insert(args.end(), {FFLEET_BINARY, "run", job_file, "--events", events_path_, "--control", control,
                             "--coalesce-ms", "20", "--sample-ms", "200"});
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = spawn_to_files(std::move(args), "/dev/null", log_path_);
  }

  ~Daemon() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }
  void signal(int sig) const { ::kill(pid_, sig); }

  // Waits for the daemon to exit; returns its exit code (-signal if killed).
  int wait_exit(std::chrono::milliseconds timeout = 60s) {
    bool done = eventually([&] { return !running(); }, timeout);
    if (!done) FAIL("the daemon did not exit; its log:\n" << log());
    return WIFEXITED(exit_status_) ? WEXITSTATUS(exit_status_) : -WTERMSIG(exit_status_);
  }

  std::string log() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // True while the daemon runs; an exit is remembered so waits fail fast.
  bool running() {
    if (reaped_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      exit_status_ = status;
      return false;
    }
    return true;
  }

  // Reads events appended since the last call.
  void read_events() {
    std::ifstream in(events_path_);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a line still being written: read it next time
      offset_ += line.size() + 1;
      events_.push_back(Json::parse(line));
    }
  }

  // The first unconsumed event matching `match`, waiting up to `timeout`.
  Json wait_event(const std::function<bool(const Json&)>& match, std::chrono::milliseconds timeout = 60s) {
    Json found;
    bool ok = eventually(
        [&] {
          if (!running()) return true;  // checked below
          read_events();
          consumed_.resize(events_.size(), false);
          for (size_t i = 0; i < events_.size(); ++i) {
            if (!consumed_[i] && match(events_[i])) {
              consumed_[i] = true;
              found = events_[i];
              return true;
            }
          }
          return false;
        },
        timeout);
    if (!ok || found.is_null()) FAIL("no such event (daemon running: " << running() << "); daemon log:\n" << log());
    return found;
  }

  // Counts matching events until `n` were seen (from the start of the stream).
  void wait_count(const std::function<bool(const Json&)>& match, size_t n, std::chrono::milliseconds timeout = 60s) {
    size_t seen = 0;
    bool ok = eventually(
        [&] {
          if (!running()) return true;
          read_events();
          size_t count = 0;
          for (auto& e : events_) count += match(e) ? 1 : 0;
          seen = count;
          return count >= n;
        },
        timeout);
    if (!ok || seen < n) FAIL("timed out waiting for " << n << " events; daemon log:\n" << log());
  }

  const std::vector<Json>& events() {
    read_events();
    return events_;
  }

 private:
  std::string events_path_, log_path_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_status_ = 0;
  size_t offset_ = 0;
  std::vector<Json> events_;
  std::vector<bool> consumed_;  // each event satisfies one wait at most
};

}  // namespace ffleet::test
