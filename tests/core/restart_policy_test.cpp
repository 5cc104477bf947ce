// Restart delays, backoff, jitter, the limit-kill spread and giving up.
#include <catch2/catch.hpp>

#include <set>

#include "src/job/restart_policy.hpp"

using namespace std::chrono_literals;
using ffleet::RestartPolicy;
using ffleet::RestartSettings;

TEST_CASE("restart policy: without backoff the delay is always reconnect_delay", "[restart]") {
  RestartSettings s;
  s.reconnect_delay = 2s;
  RestartPolicy p(s, 1);
  auto t = RestartPolicy::Clock::now();
  for (int i = 0; i < 10; ++i) {
    auto d = p.next(t + std::chrono::seconds(i), 10ms, false);
    CHECK_FALSE(d.give_up);
    CHECK(d.delay == 2s);
  }
}

TEST_CASE("restart policy: backoff grows by factor up to max and resets after a long run", "[restart]") {
  RestartSettings s;
  s.reconnect_delay = 1s;
  s.backoff = true;
  s.backoff_factor = 2;
  s.backoff_max = 10s;
  s.backoff_reset_after = 60s;
  s.backoff_jitter = 0;
  RestartPolicy p(s, 1);
  auto t = RestartPolicy::Clock::now();
  std::vector<std::chrono::milliseconds> seen;
  for (int i = 0; i < 6; ++i) seen.push_back(p.next(t, 100ms, false).delay);
  CHECK(seen == std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 10s, 10s});
  CHECK(p.next(t, 61s, false).delay == 1s);  // a healthy run resets the backoff
  CHECK(p.next(t, 100ms, false).delay == 2s);
}

TEST_CASE("restart policy: jitter spreads each delay within +-jitter", "[restart]") {
  RestartSettings s;
  s.reconnect_delay = 10s;
  s.backoff = true;
  s.backoff_factor = 1;
  s.backoff_jitter = 0.1;
  RestartPolicy p(s, 42);
  auto t = RestartPolicy::Clock::now();
  bool varied = false;
  std::chrono::milliseconds first = p.next(t, 0ms, false).delay;
  for (int i = 0; i < 200; ++i) {
    auto d = p.next(t, 0ms, false).delay;
    CHECK(d >= 9000ms);
    CHECK(d <= 11000ms);
    varied = varied || d != first;
  }
  CHECK(varied);
}

TEST_CASE("restart policy: a limit kill adds a random spread so a fleet does not restart in lockstep", "[restart]") {
  RestartSettings s;
  s.reconnect_delay = 0ms;
  RestartPolicy p(s, 7);
  auto t = RestartPolicy::Clock::now();
  std::set<int64_t> delays;
  for (int i = 0; i < 50; ++i) {
    auto d = p.next(t, 0ms, true).delay;
    CHECK(d >= 0ms);
    CHECK(d <= 1000ms);
    delays.insert(d.count());
  }
  CHECK(delays.size() > 10);
  CHECK(p.next(t, 0ms, false).delay == 0ms);  // no spread without a limit kill
}

TEST_CASE("restart policy: more than max_restarts within the window gives up", "[restart]") {
  RestartSettings s;
  s.reconnect_delay = 0ms;
  s.max_restarts = 3;
  s.restart_window = 10s;
  RestartPolicy p(s, 1);
  auto t = RestartPolicy::Clock::now();
  CHECK_FALSE(p.next(t, 0ms, false).give_up);
  CHECK_FALSE(p.next(t + 1s, 0ms, false).give_up);
  CHECK_FALSE(p.next(t + 2s, 0ms, false).give_up);
  auto d = p.next(t + 3s, 0ms, false);
  CHECK(d.give_up);
  CHECK(d.restarts_in_window == 3);
}

TEST_CASE("restart policy: restarts older than the window are forgotten", "[restart]") {
  RestartSettings s;
  s.max_restarts = 2;
  s.restart_window = 10s;
  RestartPolicy p(s, 1);
  auto t = RestartPolicy::Clock::now();
  CHECK_FALSE(p.next(t, 0ms, false).give_up);
  CHECK_FALSE(p.next(t + 1s, 0ms, false).give_up);
  CHECK_FALSE(p.next(t + 12s, 0ms, false).give_up);  // the first two fell out of the window
}

TEST_CASE("restart policy: an operator start forgets the restart history", "[restart]") {
  RestartSettings s;
  s.max_restarts = 1;
  RestartPolicy p(s, 1);
  auto t = RestartPolicy::Clock::now();
  CHECK_FALSE(p.next(t, 0ms, false).give_up);
  CHECK(p.next(t, 0ms, false).give_up);
  p.reset();
  CHECK_FALSE(p.next(t, 0ms, false).give_up);
}
