// Writes the seed corpus of fuzz_control_message: real frames as `ffleet ctl`
// sends them (a BASP header, then a message holding a ControlRequest), a
// reply, and the header that claims a 512 MiB payload. Run from the build
// directory: make_control_seeds tests/fuzz/corpus/control_message
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/io/basp/message_type.hpp>

#include "actors/messages.hpp"
#include "tests/fuzz/control_types.hpp"

namespace {

std::vector<char> frame(caf::actor_system& sys, caf::io::basp::message_type op, uint32_t claimed_len,
                        caf::message* payload) {
  std::vector<char> body;
  if (payload) {
    caf::binary_serializer sink(sys, body);
    if (auto err = sink(*payload)) std::fprintf(stderr, "serialize: %s\n", sys.render(err).c_str());
  }
  caf::io::basp::header hdr{op, 0, claimed_len ? claimed_len : static_cast<uint32_t>(body.size()), 0, 1, 2};
  std::vector<char> out;
  caf::binary_serializer sink(sys, out);
  if (auto err = sink(hdr)) std::fprintf(stderr, "serialize: %s\n", sys.render(err).c_str());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

void write(const std::string& dir, const std::string& name, const std::vector<char>& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  caf::actor_system_config cfg;
  ffleet::fuzz::register_control_types(cfg);
  caf::actor_system sys{cfg};
  using caf::io::basp::message_type;

  auto status = caf::make_message(ffleet::ControlRequest{"secret", {"status"}});
  auto logs = caf::make_message(ffleet::ControlRequest{"", {"logs", "cam-1", "20"}});
  auto reply = caf::make_message(ffleet::ControlReply{0, "ok", "{\"jobs\":[]}"});
  write(dir, "status_request", frame(sys, message_type::direct_message, 0, &status));
  write(dir, "logs_request", frame(sys, message_type::direct_message, 0, &logs));
  write(dir, "reply", frame(sys, message_type::direct_message, 0, &reply));
  write(dir, "heartbeat", frame(sys, message_type::heartbeat, 0, nullptr));
  write(dir, "huge_length_claim", frame(sys, message_type::client_handshake, 512u << 20, nullptr));
  return 0;
}
