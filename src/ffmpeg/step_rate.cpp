#include "src/ffmpeg/step_rate.hpp"

#include <algorithm>

namespace ffleet {

void StepRate::add(double position_s, int64_t counter) {
  latest_position_s_ = std::max(latest_position_s_, position_s);
  if (last_counter_ && counter < *last_counter_) steps_.clear();  // a counter that restarts: start over
  if (last_counter_ && counter > *last_counter_) {
    steps_.push_back(Step{position_s, counter});
    while (steps_.size() > 2 && steps_[1].position_s <= steps_.back().position_s - span_s_) steps_.pop_front();
  }
  last_counter_ = counter;
}

std::optional<double> StepRate::per_second() const {
  if (steps_.size() < 2) return std::nullopt;
  double end = steps_.back().position_s;
  if (latest_position_s_ - end > span_s_) end = latest_position_s_;
  double span = end - steps_.front().position_s;
  if (span <= 0) return std::nullopt;
  return static_cast<double>(steps_.back().counter - steps_.front().counter) / span;
}

}  // namespace ffleet
