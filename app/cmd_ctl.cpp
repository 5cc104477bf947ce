// `ffleet ctl`: talks to a running daemon over CAF networking (docs/control.md).
//
// One connection, one command, one reply, then exit with the reply's code:
// 0 ok, 1 failure (unknown job, refused, daemon unreachable or lost), 2 usage
// or an invalid job file on reload. The daemon sends JSON; this file only
// decides how to show it.
#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/control.hpp"
#include "app/commands.hpp"
#include "app/control_plane.hpp"
#include "app/ctl_client.hpp"
#include "app/nodes_table.hpp"
#include "app/report_text.hpp"
#include "app/status_table.hpp"
#include "src/control/command_table.hpp"
#include "src/control/token.hpp"
#include "src/util/printable.hpp"

namespace ffleet {

namespace {

struct CtlOptions {
  std::string connect = "127.0.0.1:7400";
  std::string token_file;
  std::string id;    // a job id, or a node name for drain/uncordon/forget
  std::string file;  // apply
  bool json = false;
  bool raw = false;
  uint32_t lines = default_log_lines;
};

using nlohmann::json;

// The terminal's width, so table rows do not wrap; 0 (no cut) when the
// output goes to a pipe or file and COLUMNS does not say.
size_t terminal_width() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) return static_cast<size_t>(std::strtoul(columns, nullptr, 10));
  return 0;
}

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// Text from the jobs (log lines, last lines, reasons) shown to a person: on
// a terminal its control characters are escaped, so a job cannot move the
// cursor, recolour or retitle the operator's terminal; to a pipe or file, or
// with --raw, it goes as it came.
void print_for_people(const std::string& text, bool raw) {
  print(raw || !isatty(STDOUT_FILENO) ? text : escape_controls_by_line(text));
}

std::string id_list(const json& ids) {
  if (!ids.is_array() || ids.empty()) return "(none)";
  std::string out;
  for (auto& id : ids) out += (out.empty() ? "" : " ") + id.get<std::string>();
  return out;
}

int show_failure(const ControlReply& reply) {
  auto body = json::parse(reply.body, nullptr, false);
  std::string message = body.is_object() && body.contains("error") ? body["error"].get<std::string>() : reply.body;
  std::fprintf(stderr, "ffleet ctl: %s\n", message.c_str());
  if (body.is_object() && body.contains("errors"))
    for (auto& e : body["errors"]) std::fprintf(stderr, "%s\n", e.get<std::string>().c_str());
  return reply.code != 0 ? reply.code : exit_runtime_failure;
}

int show(const std::string& command, const CtlOptions& opt, const ControlReply& reply) {
  if (reply.kind != "ok") return show_failure(reply);
  bool raw_json = opt.json && (command == "status" || command == "report" || command == "nodes");
  if (raw_json) {
    print(reply.body + "\n");
    return exit_ok;
  }
  auto body = json::parse(reply.body, nullptr, false);
  if (body.is_discarded()) {  // not ours to interpret: show it as it came
    print(reply.body + "\n");
    return exit_ok;
  }
  if (command == "status") print_for_people(format_status_table(body, terminal_width()), false);
  else if (command == "logs") print_for_people(format_log(body), opt.raw);
  else if (command == "report") print_for_people(format_reports(body), false);
  else if (command == "nodes") print_for_people(format_nodes_table(body), false);
  else if (command == "reload" || command == "apply")
    print("added: " + id_list(body["added"]) + "\nremoved: " + id_list(body["removed"]) +
          "\nchanged: " + id_list(body["changed"]) + "\n");
  else if (body.contains("job"))
    print(body["job"].get<std::string>() + ": " + body.value("message", std::string()) + "\n");
  else
    print(body.value("message", std::string()) + "\n");
  return exit_ok;
}

int run_ctl(const CtlOptions& opt, const std::string& command) {
  std::signal(SIGPIPE, SIG_IGN);  // a dropped connection is an error code, not a death
  std::string error;
  auto daemon = parse_host_port(opt.connect, &error);
  if (!daemon) {
    std::fprintf(stderr, "ffleet ctl: --connect %s\n", error.c_str());
    return exit_usage;
  }
  auto token = load_token(opt.token_file, &error);
  if (!token) {
    std::fprintf(stderr, "ffleet ctl: %s\n", error.c_str());
    return exit_usage;
  }
  std::vector<std::string> words = {command};
  if (!opt.id.empty()) words.push_back(opt.id);
  if (command == "apply") {  // the file is read here, on the client's side
    std::ifstream in(opt.file);
    if (!in) {
      std::fprintf(stderr, "ffleet ctl: cannot read %s\n", opt.file.c_str());
      return exit_usage;
    }
    std::stringstream text;
    text << in.rdbuf();
    words.push_back(opt.file);
    words.push_back(text.str());
  }
  if (command == "logs") words.push_back(std::to_string(opt.lines));

  CallOutcome outcome;
  {
    // Small on purpose: one command needs no more than two workers, and no
    // middleman worker threads.
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", 2);
    cfg.set("middleman.workers", 0);
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    configure_control_plane(cfg, ControlRole::ctl);
    caf::actor_system sys{cfg};
    outcome = call_daemon(sys, *daemon, ControlRequest{*token, std::move(words)});
  }
  if (!outcome.answered) {
    std::fprintf(stderr, "ffleet ctl: %s\n", outcome.error.c_str());
    return exit_runtime_failure;
  }
  return show(command, opt, outcome.reply);
}

}  // namespace

std::function<int()> add_ctl_command(CLI::App& app) {
  auto opt = std::make_shared<CtlOptions>();
  auto* cmd = app.add_subcommand("ctl", "Control a running fleet");
  cmd->add_option("--connect", opt->connect, "The daemon's --control address (HOST:PORT)")->capture_default_str();
  cmd->add_option("--token-file", opt->token_file, "File holding the control token (or set FFLEET_TOKEN)");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --connect may also follow the command

  // One subcommand per command of the control protocol's table.
  for (auto& c : control_commands()) {
    if (!c.in_ctl) continue;
    auto* sub = cmd->add_subcommand(std::string(c.name), std::string(c.help));
    if (c.args == CommandArgs::optional_job) sub->add_option("ID", opt->id, "A job id");
    if (c.args == CommandArgs::job || c.args == CommandArgs::job_and_count)
      sub->add_option("ID", opt->id, "A job id")->required();
  }
  cmd->get_subcommand("status")->add_flag("--json", opt->json, "Print the status as JSON (the objects of docs/control.md)");
  cmd->get_subcommand("logs")->add_option("-n,--lines", opt->lines, "How many lines")->capture_default_str();
  cmd->get_subcommand("report")->add_flag("--json", opt->json, "Print the run reports as JSON");
  cmd->get_subcommand("logs")->add_flag(
      "--raw", opt->raw, "Print control characters as they are (on a terminal they are escaped: \\n, \\x1b)");

  // The cluster's commands (docs/cluster.md); a single node refuses them.
  auto* nodes = cmd->add_subcommand("nodes", "Cluster: list the nodes, their state and job counts");
  nodes->add_flag("--json", opt->json, "Print the nodes as JSON");
  cmd->add_subcommand("apply", "Cluster: apply a job file (read here) to the whole cluster")
      ->add_option("FILE", opt->file, "The job file")
      ->required();
  for (auto [name, help] : {std::pair{"drain", "Cluster: move every job off NODE, place nothing new there"},
                            std::pair{"uncordon", "Cluster: let NODE take jobs again"},
                            std::pair{"forget", "Cluster: remove a down NODE from the list"}}) {
    cmd->add_subcommand(name, help)->add_option("NODE", opt->id, "A node name")->required();
  }

  return [opt, cmd] {
    auto chosen = cmd->get_subcommands();
    return run_ctl(*opt, chosen.empty() ? std::string() : chosen.front()->get_name());
  };
}

}  // namespace ffleet
