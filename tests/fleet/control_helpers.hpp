// Helpers for the control-plane tests: run `ffleet ctl` (or any program) and
// capture what it prints, find the ports a daemon started with port 0 bound,
// and a small fleet of fake ffmpeg jobs.
//
// Ports: every daemon here listens on 127.0.0.1:0 (control and HTTP) and the
// test reads the port the system picked from the daemon's log line
// "control: listening on 127.0.0.1:PORT" / "http: listening on
// http://127.0.0.1:PORT/". No port ranges, no collisions under parallel ctest.
#pragma once

#include "daemon.hpp"

#include <regex>
#include <sstream>

namespace ffleet::test {

struct Finished {
  int code = -1;        // exit code, or -signal
  std::string out, err;
  double seconds = 0;   // wall time
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs `args` (argv[0] a path) to the end with `env` added to ours. Kills it
// after `timeout`: a hang is a test failure, never a hung test.
inline Finished run_program(const ScratchDir& dir, std::vector<std::string> args,
                            const std::vector<std::string>& env = {},
                            std::chrono::milliseconds timeout = 60s) {
  static int counter = 0;
  std::string tag = std::to_string(++counter);
  std::string out_path = dir.file("out-" + tag), err_path = dir.file("err-" + tag);
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) environment.emplace_back(*e);
  for (auto& add : env) {
    auto name = add.substr(0, add.find('=') + 1);
    environment.erase(std::remove_if(environment.begin(), environment.end(),
                                     [&](const std::string& e) { return e.rfind(name, 0) == 0; }),
                      environment.end());
    environment.push_back(add);
  }
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  auto start = std::chrono::steady_clock::now();
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  int status = 0;
  bool done = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  Finished f;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  f.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  f.out = slurp(out_path);
  f.err = slurp(err_path);
  if (!done) FAIL("still running after the timeout: " << args[0] << " ... stderr: " << f.err);
  return f;
}

// `ffleet ctl --connect 127.0.0.1:PORT <words...>`.
inline Finished ctl(const ScratchDir& dir, uint16_t port, std::vector<std::string> words,
                    const std::vector<std::string>& env = {}) {
  std::vector<std::string> args = {FFLEET_BINARY, "ctl", "--connect", "127.0.0.1:" + std::to_string(port)};
  args.insert(args.end(), words.begin(), words.end());
  return run_program(dir, args, env);
}

// The port the daemon logged for `what` ("control" or "http").
inline uint16_t listening_port(Daemon& d, const std::string& what) {
  std::regex pattern(what + R"(: listening on (?:http://)?\S*:(\d+))");
  std::smatch m;
  std::string log;
  bool found = eventually([&] {
    log = d.log();
    return std::regex_search(log, m, pattern);
  });
  if (!found) FAIL("the daemon never logged its " << what << " port; its log:\n" << log);
  return static_cast<uint16_t>(std::stoi(m[1].str()));
}

// Fake ffmpeg jobs: "cam-1" and "cam-2" start, "idle" waits for an order.
inline std::string fake_fleet(const std::string& extra_jobs = "") {
  return "version: 1\n"
         "defaults:\n"
         "  binary: " + helper("helper_fakeffmpeg") + "\n"
         "  args: [\"--interval-ms\", \"100\"]\n"
         "  reconnect_delay: 200ms\n"
         "  stop_timeout: 3s\n"
         "jobs:\n"
         "  - id: cam-1\n"
         "  - id: cam-2\n"
         "  - id: idle\n"
         "    autostart: false\n" + extra_jobs;
}

inline bool is_running_event(const Json& e) { return e["event"] == "state" && e["to"] == "running"; }

inline std::function<bool(const Json&)> running(const std::string& job, int run = 0) {
  return [job, run](const Json& e) { return is_running_event(e) && e["job"] == job && (run == 0 || e["run"] == run); };
}

inline std::function<bool(const Json&)> exited(const std::string& job) {
  return [job](const Json& e) { return e["event"] == "exit" && e["job"] == job; };
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace ffleet::test
