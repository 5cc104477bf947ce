// GET /api/v1/jobs/{id}/log?follow=1: a job's log as server-sent events,
// one `id: SEQ` + `data: {"ts", "text", "seq"}` per line, the last `n`
// lines first, then every new one. A client that reconnects with
// Last-Event-ID (EventSource does so by itself) resumes after that line.
//
// The stream asks the control actor for "lines after SEQ" a few times a
// second from its HTTP thread, like `ctl logs -f`: no actor holds a
// reference to the stream, and it ends by itself when the job is removed or
// the fleet shuts down (the question then fails).
#pragma once

#include <string>

#include "app/http_api.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ffleet {

// Streams that may be open at once: each holds one HTTP thread.
constexpr int max_log_follows = 4;

// Starts the stream for job `id` on `res`, or answers 503 when
// max_log_follows are already open (or 404 when the job is unknown).
void follow_log(const httplib::Request& req, httplib::Response& res, ControlCall call, const std::string& id,
                uint32_t lines);

}  // namespace ffleet
