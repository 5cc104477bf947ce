// The control port's first line of defence: a check of every BASP frame a
// peer sends, before CAF reads it.
//
// CAF 0.17 trusts the length field of a frame header: it allocates (and
// zero-fills) `payload_len` bytes before the payload arrives, so one 32-byte
// header claiming 4 GiB ends the daemon, and nothing is logged. The guard
// reads the byte stream a peer sends, header by header, and refuses the
// connection at the first header that CAF would reject, that is not legal in
// the direction peer -> daemon, or whose payload is larger than the limit.
//
// Pure: bytes in, verdict out, no I/O (fuzzed by tests/fuzz). The relay that
// uses it is app/control_guard.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ffleet {

// Size of a BASP header on the wire (caf/io/basp/header.hpp: operation,
// two padding bytes, flags, payload_len u32, operation_data u64,
// source_actor u64, dest_actor u64; integers in network byte order).
constexpr size_t basp_header_size = 32;

struct FrameLimits {
  // A handshake carries the peer's node id and application identifiers:
  // a few dozen bytes.
  uint32_t handshake_payload = 64 * 1024;
  // Every later frame: one serialized message.
  uint32_t payload = 1024 * 1024;
};

// One decoded header, as CAF would see it.
struct FrameHeader {
  uint8_t operation = 0;
  uint8_t padding1 = 0, padding2 = 0;
  uint8_t flags = 0;
  uint32_t payload_len = 0;
  uint64_t operation_data = 0;
  uint64_t source_actor = 0;
  uint64_t dest_actor = 0;
};

FrameHeader decode_frame_header(const uint8_t* bytes);  // basp_header_size bytes

// A connecting peer sends at most this many handshakes (its own, then one
// selecting the connection once it has the daemon's).
constexpr uint64_t max_handshakes = 2;

// "" when a connecting peer may send this header after `frames_before`
// frames, `handshakes_before` of them handshakes; else why not, for the log.
std::string check_frame_header(const FrameHeader& header, uint64_t frames_before, uint64_t handshakes_before,
                               const FrameLimits& limits);

// Follows one peer's stream across reads of any size.
class FrameGuard {
 public:
  explicit FrameGuard(FrameLimits limits = {}) : limits_(limits) {}

  // Inspects the next `size` bytes the peer sent. True while everything so
  // far is acceptable (a header cut in two is judged when complete); false
  // once refused, and from then on (see reason()).
  bool feed(const uint8_t* data, size_t size);

  bool refused() const { return !reason_.empty(); }
  const std::string& reason() const { return reason_; }
  // True while a frame is incomplete: a header part or a payload is missing.
  bool frame_incomplete() const { return header_fill_ > 0 || in_payload(); }
  uint64_t frames() const { return frames_; }

 private:
  bool in_payload() const { return payload_left_ > 0; }

  FrameLimits limits_;
  uint8_t header_[basp_header_size] = {};
  size_t header_fill_ = 0;
  uint64_t payload_left_ = 0;
  uint64_t frames_ = 0;  // headers accepted
  uint64_t handshakes_ = 0;
  std::string reason_;
};

}  // namespace ffleet
