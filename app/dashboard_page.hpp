// The web dashboard: one self-contained page (HTML, CSS and JavaScript
// inline; no CDN, works offline) served at GET /. It reads everything through
// the public HTTP API, like any other client.
#pragma once

#include <string_view>

namespace ffleet {

std::string_view dashboard_page();

}  // namespace ffleet
