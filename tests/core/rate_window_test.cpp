// The moving average behind the status fps and bitrate.
#include <catch2/catch.hpp>

#include <chrono>

#include "src/ffmpeg/rate_window.hpp"

using namespace ffleet;
using namespace std::chrono_literals;
using Catch::Detail::Approx;

TEST_CASE("rate window: nothing before start, nothing while the history is shorter than min_span") {
  RateWindow w(10s, 1000ms);
  SteadyTime t = SteadyTime{} + 1h;
  CHECK_FALSE(w.per_second(t));
  w.start(t);
  w.add(t + 500ms, 50);
  CHECK_FALSE(w.per_second(t + 500ms));
  w.add(t + 1000ms, 50);
  CHECK(*w.per_second(t + 1000ms) == Approx(100));
}

TEST_CASE("rate window: divides by exactly the time its amounts cover, wherever updates fall on the buckets") {
  for (auto step : {100ms, 300ms, 500ms, 700ms, 1000ms, 1300ms}) {
    INFO("an update every " << step.count() << " ms");
    RateWindow w(10s);
    SteadyTime t = SteadyTime{} + 1h + 123ms;
    w.start(t);
    double per_ms = 0.04;  // 40 units a second
    for (int i = 0; i < 200; ++i) {
      t += step;
      w.add(t, per_ms * static_cast<double>(step.count()));
      if (i > 20) REQUIRE(*w.per_second(t) == Approx(40));
    }
  }
}

TEST_CASE("rate window: old amounts fall out after the window") {
  RateWindow w(10s);
  SteadyTime t = SteadyTime{} + 1h;
  w.start(t);
  for (int i = 0; i < 20; ++i) w.add(t += 500ms, 100);  // 200/s
  CHECK(*w.per_second(t) == Approx(200));
  for (int i = 0; i < 30; ++i) w.add(t += 500ms, 10);   // 20/s
  CHECK(*w.per_second(t) == Approx(20));
  for (int i = 0; i < 30; ++i) w.add(t += 500ms, 0);    // stalled
  CHECK(*w.per_second(t) == 0);
}

TEST_CASE("rate window: a window with no update at all reads 0") {
  RateWindow w(10s);
  SteadyTime t = SteadyTime{} + 1h;
  w.start(t);
  w.add(t + 1s, 100);
  CHECK(*w.per_second(t + 1s) == Approx(100));
  CHECK(*w.per_second(t + 60s) == 0);
}
