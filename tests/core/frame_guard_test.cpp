// The control port's frame check: what a connecting peer may send before CAF
// reads it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "src/control/frame_guard.hpp"

using namespace ffleet;

namespace {

// A BASP header as CAF writes it (network byte order), with a payload of
// `payload` bytes following when `with_payload`.
std::vector<uint8_t> frame(uint8_t op, uint32_t payload_len, uint64_t op_data = 0, uint64_t source = 0,
                           uint64_t dest = 0, bool with_payload = true) {
  std::vector<uint8_t> out = {op, 0, 0, 0};
  auto put = [&](uint64_t x, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(x >> (8 * i)));
  };
  put(payload_len, 4);
  put(op_data, 8);
  put(source, 8);
  put(dest, 8);
  if (with_payload) out.resize(out.size() + payload_len, 0xab);
  return out;
}

bool feed(FrameGuard& g, const std::vector<uint8_t>& bytes) { return g.feed(bytes.data(), bytes.size()); }

}  // namespace

TEST_CASE("frame guard: the header layout is CAF's, 32 bytes, big-endian") {
  auto bytes = frame(2, 0x01020304, 0x1112131415161718, 7, 9, false);
  REQUIRE(bytes.size() == basp_header_size);
  auto h = decode_frame_header(bytes.data());
  CHECK(h.operation == 2);
  CHECK(h.payload_len == 0x01020304u);
  CHECK(h.operation_data == 0x1112131415161718u);
  CHECK(h.source_actor == 7u);
  CHECK(h.dest_actor == 9u);
}

// The order CAF 0.17's connecting side was seen to use: its handshake, a
// second one after the daemon's, then messages, monitors, downs, heartbeats.
TEST_CASE("frame guard: two handshakes, then messages and heartbeats, pass in pieces of any size") {
  std::vector<uint8_t> stream;
  for (auto& f : {frame(1, 32), frame(1, 32), frame(2, 5000, 0, 3, 4), frame(6, 0), frame(4, 40), frame(5, 12, 0, 8, 0),
                  frame(3, 70, 0, 1, 2)})
    stream.insert(stream.end(), f.begin(), f.end());
  for (size_t piece : {size_t(1), size_t(7), size_t(31), size_t(32), size_t(33), size_t(4096), stream.size()}) {
    FrameGuard g;
    for (size_t at = 0; at < stream.size(); at += piece)
      REQUIRE(g.feed(stream.data() + at, std::min(piece, stream.size() - at)));
    CHECK(g.frames() == 7);
    CHECK_FALSE(g.frame_incomplete());
  }
}

TEST_CASE("frame guard: the 512 MiB and 4 GiB claims are refused at the header, before any payload") {
  for (uint32_t claim : {uint32_t(512u << 20), uint32_t(0xFFFFFFFFu)}) {
    FrameGuard g;
    CHECK_FALSE(feed(g, frame(1, claim, 0, 0, 0, false)));
    CHECK(g.reason().find("limit") != std::string::npos);
  }
  FrameGuard after_handshake;
  REQUIRE(feed(after_handshake, frame(1, 100)));
  CHECK_FALSE(feed(after_handshake, frame(2, (1u << 20) + 1, 0, 1, 2, false)));
  FrameLimits roomy;
  roomy.payload = 8u << 20;
  FrameGuard configured(roomy);
  REQUIRE(feed(configured, frame(1, 100)));
  CHECK(feed(configured, frame(2, (1u << 20) + 1, 0, 1, 2, false)));
}

TEST_CASE("frame guard: refused once, refused for good") {
  FrameGuard g;
  CHECK_FALSE(feed(g, frame(9, 0)));
  auto reason = g.reason();
  CHECK(reason == "expected a handshake, got operation 9");
  CHECK_FALSE(feed(g, frame(1, 10)));
  CHECK(g.reason() == reason);
}

TEST_CASE("frame guard: out of order or malformed frames are refused with a reason") {
  struct Case {
    std::vector<std::vector<uint8_t>> frames;
    const char* reason;
  };
  std::vector<Case> cases = {
      {{frame(2, 10, 0, 1, 2)}, "expected a handshake, got operation 2"},
      {{frame(0, 10, 1)}, "expected a handshake, got operation 0"},
      {{frame(1, 10, 0, 5, 0)}, "handshake naming actors"},
      {{frame(1, 10), frame(1, 10), frame(1, 10)}, "a third handshake"},
      {{frame(1, 10), frame(0, 10, 1)}, "a server handshake from the connecting side"},
      {{frame(1, 10), frame(2, 10, 0, 1, 0)}, "message without receiver or payload"},
      {{frame(1, 10), frame(3, 0, 0, 1, 2)}, "message without receiver or payload"},
      {{frame(1, 10), frame(4, 10, 1)}, "malformed monitor message"},
      {{frame(1, 10), frame(5, 10, 0, 0, 0)}, "malformed down message"},
      {{frame(1, 10), frame(6, 1)}, "malformed heartbeat"},
      {{frame(1, 10), frame(7, 0)}, "unknown operation 7"},
      {{frame(1, 10), frame(255, 0)}, "unknown operation 255"},
  };
  for (auto& c : cases) {
    FrameGuard g;
    bool ok = true;
    for (auto& f : c.frames) ok = feed(g, f) && ok;
    CHECK_FALSE(ok);
    CHECK(g.reason() == c.reason);
  }
}

TEST_CASE("frame guard: a frame cut short is incomplete, not refused") {
  FrameGuard g;
  auto f = frame(1, 100);
  REQUIRE(g.feed(f.data(), 20));
  CHECK(g.frame_incomplete());
  REQUIRE(g.feed(f.data() + 20, 50));
  CHECK(g.frame_incomplete());
  REQUIRE(g.feed(f.data() + 70, f.size() - 70));
  CHECK_FALSE(g.frame_incomplete());
}
