// {id} and {index} in job strings, so one entry (or the defaults) can serve
// many jobs: `args: [..., "rtmp://out/{id}"]`, `cwd: /srv/cam{index}`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/job_spec.hpp"

namespace ffleet {

// `text` with every "{id}" replaced by `id` and every "{index}" by `index`.
// Any other brace is left alone: ffmpeg arguments use them too
// (drawtext's "%{localtime}"), and there is no escape to learn.
std::string expand_placeholders(std::string_view text, std::string_view id, size_t index);

// The same in every string of `spec` that names something to run: binary,
// args, cwd, log_file and the values of env; with spec.id as {id}. Not in env names
// or inherit_env, which name variables, not values.
void expand_placeholders(JobSpec& spec, size_t index);

}  // namespace ffleet
