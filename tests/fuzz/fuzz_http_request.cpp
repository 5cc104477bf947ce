// One HTTP connection's bytes through cpp-httplib's request handling with
// ffleet's API routes (add_api_routes), the way cpp-httplib's own server
// fuzzer drives it: Server::process_request on a stream that reads the input
// and collects the response.
//
// The control actor is replaced by a recorder. Invariants: whatever the
// bytes, every command that reaches the control actor is one the API
// defines, with a job id of the allowed form and a numeric line count, and
// the server writes a well-formed status line.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <httplib.h>

#include "app/http_api.hpp"
#include "config/job_id.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

class FuzzedStream : public httplib::Stream {
 public:
  FuzzedStream(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size = std::min(size, size_ - pos_);
    std::memcpy(ptr, data_ + pos_, size);
    pos_ += size;
    return static_cast<ssize_t>(size);
  }
  ssize_t write(const char* ptr, size_t size) override {
    response_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return -1; }

  const std::string& response() const { return response_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string response_;
};

// process_request is protected: the fuzzer is a server of its own.
class FuzzableServer : public httplib::Server {
 public:
  void serve(httplib::Stream& stream) {
    bool closed = false;
    process_request(stream, /*close_connection=*/true, closed, nullptr);
  }
};

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// What add_api_routes may ask of the control actor.
void check_command(const std::vector<std::string>& command) {
  static const std::set<std::string> no_id = {"status", "reload", "metrics", "ping", "nodes"};
  static const std::set<std::string> with_id = {"status", "logs", "report", "start", "stop", "restart", "kill"};
  FUZZ_CHECK(!command.empty(), "a command has a verb");
  const std::string& verb = command[0];
  if (command.size() == 1) {
    FUZZ_CHECK(no_id.count(verb), "a known command without a job");
    return;
  }
  FUZZ_CHECK(with_id.count(verb), "a known command with a job");
  // Any one path segment reaches the control actor as the id: whether it
  // names a job is the control actor's to say (unknown job, 404).
  FUZZ_CHECK(!command[1].empty() && command[1].find('/') == std::string::npos, "the id is one path segment");
  if (verb == "logs")
    FUZZ_CHECK((command.size() == 3 || command.size() == 4) && is_number(command[2]) &&
                   (command.size() == 3 || is_number(command[3])),
               "logs takes a line count and, following, the number after which");
  else FUZZ_CHECK(command.size() == 2, "one job id");
}

FuzzableServer& server() {
  static FuzzableServer* s = [] {
    auto* srv = new FuzzableServer;
    ffleet::add_api_routes(*srv, [](std::vector<std::string> command) {
      check_command(command);
      return ffleet::ControlReply{0, "ok", "{}"};
    });
    return srv;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedStream stream(data, size);
  server().serve(stream);
  const std::string& out = stream.response();
  static const bool show = std::getenv("FUZZ_SHOW_RESPONSE") != nullptr;  // to check the seeds reach the routes
  if (show) std::fprintf(stderr, "---\n%s\n", out.c_str());
  if (!out.empty()) {
    FUZZ_CHECK(out.rfind("HTTP/1.1 ", 0) == 0 && out.size() >= 12, "a status line");
    FUZZ_CHECK(is_number(out.substr(9, 3)) && out[9] >= '1' && out[9] <= '5', "a three-digit status");
  }
  return 0;
}
