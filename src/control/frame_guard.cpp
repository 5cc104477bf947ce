#include "src/control/frame_guard.hpp"

#include <algorithm>

namespace ffleet {

namespace {

// The operations of caf/io/basp/message_type.hpp.
enum : uint8_t {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};

uint64_t big_endian(const uint8_t* p, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i) x = (x << 8) | p[i];
  return x;
}

// What CAF 0.17 itself demands of a header (basp::valid); a header failing
// it makes CAF drop the connection without a word.
std::string caf_rule(const FrameHeader& h) {
  switch (h.operation) {
    case client_handshake:
      return h.source_actor == 0 && h.dest_actor == 0 ? "" : "handshake naming actors";
    case direct_message:
    case routed_message:
      return h.dest_actor != 0 && h.payload_len != 0 ? "" : "message without receiver or payload";
    case monitor_message:
      return h.payload_len != 0 && h.operation_data == 0 ? "" : "malformed monitor message";
    case down_message:
      return h.source_actor != 0 && h.dest_actor == 0 && h.payload_len != 0 && h.operation_data == 0
                 ? ""
                 : "malformed down message";
    case heartbeat:
      return h.source_actor == 0 && h.dest_actor == 0 && h.payload_len == 0 && h.operation_data == 0
                 ? ""
                 : "malformed heartbeat";
    default:
      return "unknown operation " + std::to_string(h.operation);
  }
}

}  // namespace

FrameHeader decode_frame_header(const uint8_t* b) {
  FrameHeader h;
  h.operation = b[0];
  h.padding1 = b[1];
  h.padding2 = b[2];
  h.flags = b[3];
  h.payload_len = static_cast<uint32_t>(big_endian(b + 4, 4));
  h.operation_data = big_endian(b + 8, 8);
  h.source_actor = big_endian(b + 16, 8);
  h.dest_actor = big_endian(b + 24, 8);
  return h;
}

std::string check_frame_header(const FrameHeader& h, uint64_t frames_before, uint64_t handshakes_before,
                               const FrameLimits& limits) {
  // The connecting side (CAF 0.17, observed): its handshake at once, a second
  // one (flag "select this connection") after the daemon's, then messages.
  // The daemon accepted, so a server handshake never comes from the peer.
  if (frames_before == 0 && h.operation != client_handshake)
    return "expected a handshake, got operation " + std::to_string(h.operation);
  if (h.operation == server_handshake) return "a server handshake from the connecting side";
  if (h.operation == client_handshake && handshakes_before >= max_handshakes) return "a third handshake";
  if (auto broken = caf_rule(h); !broken.empty()) return broken;
  uint32_t limit = h.operation == client_handshake ? limits.handshake_payload : limits.payload;
  if (h.payload_len > limit)
    return "frame of " + std::to_string(h.payload_len) + " bytes, the limit is " + std::to_string(limit);
  return "";
}

bool FrameGuard::feed(const uint8_t* data, size_t size) {
  while (size > 0 && !refused()) {
    if (payload_left_ > 0) {  // payload bytes pass unread
      auto n = static_cast<size_t>(std::min<uint64_t>(payload_left_, size));
      payload_left_ -= n;
      data += n;
      size -= n;
      continue;
    }
    auto n = std::min(basp_header_size - header_fill_, size);
    std::copy(data, data + n, header_ + header_fill_);
    header_fill_ += n;
    data += n;
    size -= n;
    if (header_fill_ < basp_header_size) break;
    header_fill_ = 0;
    auto header = decode_frame_header(header_);
    reason_ = check_frame_header(header, frames_, handshakes_, limits_);
    if (refused()) break;
    ++frames_;
    if (header.operation == 1) ++handshakes_;
    payload_left_ = header.payload_len;
  }
  return !refused();
}

}  // namespace ffleet
