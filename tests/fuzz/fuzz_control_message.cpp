// A peer's bytes on the control port, through the decoding they meet: the
// frame guard (src/control/frame_guard.hpp) over the whole stream, cut into
// pieces of any size; the 32-byte BASP frame header as CAF reads it; then the
// payload through CAF's binary
// deserializer, both as the type-erased caf::message the middleman builds
// (with the control plane's message types registered) and as ffleet's
// ControlRequest.
//
// Invariants: the guard's verdict does not depend on how the stream is cut;
// it decodes a header exactly as CAF does, and a header it lets through
// after the handshake is one CAF itself accepts (basp::valid) within the
// limit. Decoding either fails or gives a value that prints, and a
// decoded ControlRequest survives a round trip (serialize, deserialize, same
// value); a decoded header is judged valid or not without crashing. ASan's allocation limit
// (-malloc_limit_mb) catches a length field that makes CAF allocate what
// the bytes do not contain.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/basp/header.hpp>

#include "actors/messages.hpp"
#include "src/control/frame_guard.hpp"
#include "tests/fuzz/control_types.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

caf::actor_system& control_system() {
  static caf::actor_system* sys = [] {
    auto* cfg = new caf::actor_system_config;
    ffleet::fuzz::register_control_types(*cfg);
    cfg->set("scheduler.max-threads", 1);
    cfg->set("logger.verbosity", caf::atom("quiet"));
    return new caf::actor_system(*cfg);
  }();
  return *sys;
}

template <class T>
std::vector<char> serialize(caf::actor_system& sys, T& value) {
  std::vector<char> bytes;
  caf::binary_serializer sink(sys, bytes);
  FUZZ_CHECK(!sink(value), "a decoded value serializes");
  return bytes;
}

void check_request_round_trip(caf::actor_system& sys, ffleet::ControlRequest& request) {
  auto bytes = serialize(sys, request);
  ffleet::ControlRequest again;
  caf::binary_deserializer source(sys, bytes);
  FUZZ_CHECK(!source(again), "a serialized request decodes");
  FUZZ_CHECK(again.token == request.token && again.command == request.command, "the round trip keeps the request");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& sys = control_system();
  const char* bytes = reinterpret_cast<const char*>(data);

  // The guard on the whole stream, whole and in pieces of 1..37 bytes.
  ffleet::FrameGuard whole, pieces;
  whole.feed(data, size);
  for (size_t pos = 0, n = 1; pos < size; pos += n, n = n % 37 + 1) pieces.feed(data + pos, std::min(n, size - pos));
  FUZZ_CHECK(whole.refused() == pieces.refused() && whole.frames() == pieces.frames(),
             "the guard's verdict does not depend on how the bytes arrive");

  // The frame header: what CAF reads before it knows anything of the peer.
  if (size >= caf::io::basp::header_size) {
    caf::io::basp::header hdr;
    caf::binary_deserializer source(sys, bytes, caf::io::basp::header_size);
    if (!source(hdr)) {
      auto mine = ffleet::decode_frame_header(data);
      FUZZ_CHECK(mine.operation == static_cast<uint8_t>(hdr.operation) && mine.flags == hdr.flags &&
                     mine.payload_len == hdr.payload_len && mine.operation_data == hdr.operation_data &&
                     mine.source_actor == hdr.source_actor && mine.dest_actor == hdr.dest_actor,
                 "the guard decodes a header as CAF does");
      ffleet::FrameLimits limits;
      if (ffleet::check_frame_header(mine, 1, 1, limits).empty()) {
        FUZZ_CHECK(caf::io::basp::valid(hdr), "a header the guard passes is one CAF accepts");
        FUZZ_CHECK(hdr.payload_len <= std::max(limits.payload, limits.handshake_payload), "within the limit");
      }
    }
  }
  const char* payload = size >= caf::io::basp::header_size ? bytes + caf::io::basp::header_size : bytes;
  size_t payload_size = size >= caf::io::basp::header_size ? size - caf::io::basp::header_size : size;

  // The payload as a message of any registered type, as the middleman
  // decodes it. Not serialized again: the daemon never sends a peer's
  // message on, and CAF 0.17's serializer never returns for an infinite
  // double (tests/fuzz/crashes/README.md), which a peer can encode.
  {
    caf::message msg;
    caf::binary_deserializer source(sys, payload, payload_size);
    if (!source(msg)) {
      FUZZ_CHECK(!caf::to_string(msg).empty(), "a decoded message prints");  // as an "unexpected message" log does
      if (msg.match_elements<ffleet::ControlRequest>())
        check_request_round_trip(sys, msg.get_mutable_as<ffleet::ControlRequest>(0));
    }
  }
  // The payload as ffleet's request itself.
  {
    ffleet::ControlRequest request;
    caf::binary_deserializer source(sys, payload, payload_size);
    if (!source(request)) check_request_round_trip(sys, request);
  }
  return 0;
}
