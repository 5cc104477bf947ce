// "ffleet bogus" should say what is wrong, not "A subcommand is required":
// finds the first word on the command line that should name a command but
// names none, at any level (`ffleet bogus`, `ffleet ctl bogus`).
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace ffleet {

// The message for the first unknown command word, e.g.
// "unknown command: bogus (commands: run, validate, ctl, version)", or
// nothing when every command word is known (CLI11 then reports the rest).
std::optional<std::string> find_unknown_command(CLI::App& app, int argc, const char* const* argv);

}  // namespace ffleet
