// The routes of the HTTP API: each maps a method and path onto a command of
// the control actor and its reply onto a status code. Authentication happens
// before routing (see http_server.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace httplib {
class Server;
struct Response;
}

namespace ffleet {

// One command to the control actor, answered on the calling thread.
using ControlCall = std::function<ControlReply(std::vector<std::string> command)>;

// Asks `control` from a thread that is not an actor (an HTTP handler). Never
// waits longer than control_reply_timeout.
ControlReply ask_control(caf::actor_system& sys, const control_actor& control, const std::string& token,
                         std::vector<std::string> command);

// Every HTTP error body: {"error": message}, as the control actor's.
void send_json_error(httplib::Response& res, int status, const std::string& message);

// The HTTP status for a reply's kind: ok 200, bad_request 400,
// unauthorized 401, unknown_job 404, refused 409, invalid_file 422,
// timeout 504, anything else 500.
int http_status(const std::string& kind);

// GET /api/v1/jobs[/{id}[/log|/report]] (log?follow=1: a stream, see
// http_log_follow.hpp), POST /api/v1/jobs/{id}/{action},
// POST /api/v1/reload, GET /metrics, GET /healthz.
void add_api_routes(httplib::Server& server, ControlCall call);

}  // namespace ffleet
