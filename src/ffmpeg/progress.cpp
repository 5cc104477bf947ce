#include "src/ffmpeg/progress.hpp"

namespace ffleet {

bool Progress::operator==(const Progress& o) const {
  return frame == o.frame && fps == o.fps && q == o.q && size_bytes == o.size_bytes &&
         time_s == o.time_s && bitrate_kbps == o.bitrate_kbps && speed == o.speed &&
         dup == o.dup && drop == o.drop;
}

void to_json(nlohmann::json& j, const Progress& p) {
  j = nlohmann::json{
      {"frame", p.frame},           {"fps", p.fps},     {"q", p.q},
      {"size_bytes", p.size_bytes}, {"time_s", p.time_s}, {"bitrate_kbps", p.bitrate_kbps},
      {"speed", p.speed},           {"dup", p.dup},     {"drop", p.drop},
  };
}

}  // namespace ffleet
