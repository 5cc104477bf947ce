// `ffleet ctl`: talks to a running daemon over CAF networking (docs/control.md).
//
// One connection, one command, one reply (one per id for `start ID...` or
// `--all`; a poll every follow_interval for `logs -f`), then exit with the
// reply's code (the worst one for several ids): 0 ok, 1 failure (unknown
// job, refused, daemon unreachable or lost), 2 usage or an invalid job file
// on reload. The daemon sends JSON; this file only
// decides how to show it.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <thread>

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
  std::string id;                // a job id, or a node name for drain/uncordon/forget
  std::vector<std::string> ids;  // start/stop/restart/kill
  bool all = false;              // start/stop/restart/kill every job
  std::string file;              // apply
  bool json = false;
  bool raw = false;
  bool follow = false;           // logs -f
  uint32_t lines = default_log_lines;
};

// How often `logs -f` asks for new lines.
constexpr std::chrono::milliseconds follow_interval{250};

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

bool is_job_command(const std::string& command) {
  return command == "start" || command == "stop" || command == "restart" || command == "kill";
}

// One log entry for `logs --json`: a JSON object a line, so a follower can
// be piped into jq.
void print_log_json(const json& entries) {
  for (auto& e : entries) print(e.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

// start/stop/restart/kill for several ids (or --all): one request each, all
// sent at once; the exit code is the worst of them.
int run_job_commands(caf::actor_system& sys, const control_actor& remote, const std::string& token,
                     const std::string& command, const CtlOptions& opt) {
  std::vector<std::string> ids = opt.ids;
  if (opt.all) {
    auto listed = call_connected(sys, remote, {ControlRequest{token, {"status"}}}).front();
    if (!listed.answered) {
      std::fprintf(stderr, "ffleet ctl: %s\n", listed.error.c_str());
      return exit_runtime_failure;
    }
    if (listed.reply.kind != "ok") return show_failure(listed.reply);
    for (auto& job : json::parse(listed.reply.body, nullptr, false))
      if (job.is_object() && job.contains("id")) ids.push_back(job["id"].get<std::string>());
    if (ids.empty()) {
      print("no jobs\n");
      return exit_ok;
    }
  }
  std::vector<ControlRequest> requests;
  for (auto& id : ids) requests.push_back(ControlRequest{token, {command, id}});
  int worst = exit_ok;
  for (auto& outcome : call_connected(sys, remote, std::move(requests))) {
    int code = exit_runtime_failure;
    if (!outcome.answered) std::fprintf(stderr, "ffleet ctl: %s\n", outcome.error.c_str());
    else code = show(command, opt, outcome.reply);
    worst = std::max(worst, code);
  }
  return worst;
}

// `logs ID -f`: the last lines, then every new one as it comes, until the
// daemon goes away or ctl is interrupted. A gap in the line numbers (the
// job wrote more than its log_lines between two polls) is said, not hidden.
int follow_logs(caf::actor_system& sys, const control_actor& remote, const std::string& token,
                const CtlOptions& opt) {
  uint64_t last = 0;
  uint32_t want = opt.lines;
  for (;;) {
    std::vector<std::string> words = {"logs", opt.id, std::to_string(want)};
    if (last > 0) words.push_back(std::to_string(last));
    auto outcome = call_connected(sys, remote, {ControlRequest{token, std::move(words)}}).front();
    if (!outcome.answered) {
      std::fprintf(stderr, "ffleet ctl: %s\n", outcome.error.c_str());
      return exit_runtime_failure;
    }
    if (outcome.reply.kind != "ok") return show_failure(outcome.reply);
    auto entries = json::parse(outcome.reply.body, nullptr, false);
    if (entries.is_array() && !entries.empty()) {
      uint64_t first = entries.front().value("seq", uint64_t{0});
      if (last > 0 && first > last + 1)
        std::fprintf(stderr, "ffleet ctl: %llu lines were written faster than they could be followed\n",
                     static_cast<unsigned long long>(first - last - 1));
      if (opt.json) print_log_json(entries);
      else print_for_people(format_log(entries), opt.raw);
      std::fflush(stdout);
      last = entries.back().value("seq", last);
    }
    want = std::numeric_limits<uint32_t>::max();  // after the first answer: everything new
    std::this_thread::sleep_for(follow_interval);
  }
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
  if (is_job_command(command) && opt.all == !opt.ids.empty()) {
    std::fprintf(stderr, "ffleet ctl %s: give one or more job ids, or --all\n", command.c_str());
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

  // Small on purpose: one command needs no more than two workers, and no
  // middleman worker threads.
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.set("middleman.workers", 0);
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  configure_control_plane(cfg, ControlRole::ctl);
  caf::actor_system sys{cfg};
  auto remote = connect_daemon(sys, *daemon, &error);
  if (!remote) {
    std::fprintf(stderr, "ffleet ctl: %s\n", error.c_str());
    return exit_runtime_failure;
  }
  if (is_job_command(command)) return run_job_commands(sys, remote, *token, command, opt);
  if (command == "logs" && opt.follow) return follow_logs(sys, remote, *token, opt);
  auto outcome = call_connected(sys, remote, {ControlRequest{*token, std::move(words)}}).front();
  if (!outcome.answered) {
    std::fprintf(stderr, "ffleet ctl: %s\n", outcome.error.c_str());
    return exit_runtime_failure;
  }
  if (command == "logs" && opt.json && outcome.reply.kind == "ok") {
    print_log_json(json::parse(outcome.reply.body, nullptr, false));
    return exit_ok;
  }
  return show(command, opt, outcome.reply);
}

}  // namespace

std::function<int()> add_ctl_command(CLI::App& app) {
  auto opt = std::make_shared<CtlOptions>();
  auto* cmd = app.add_subcommand("ctl", "Control a running fleet");
  cmd->add_option("--connect", opt->connect, "The daemon's --control address (HOST:PORT)")
      ->envname("FFLEET_CONNECT")
      ->capture_default_str();
  cmd->add_option("--token-file", opt->token_file, "File holding the control token (or set FFLEET_TOKEN)");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --connect may also follow the command

  // One subcommand per command of the control protocol's table.
  // start/stop/restart/kill take several ids or --all.
  for (auto& c : control_commands()) {
    if (!c.in_ctl) continue;
    auto* sub = cmd->add_subcommand(std::string(c.name), std::string(c.help));
    if (c.args == CommandArgs::optional_job) sub->add_option("ID", opt->id, "A job id");
    if (c.args == CommandArgs::job && is_job_command(std::string(c.name))) {
      sub->add_option("ID", opt->ids, "One or more job ids");
      sub->add_flag("--all", opt->all, "Every job of the fleet");
    } else if (c.args == CommandArgs::job || c.args == CommandArgs::job_and_count) {
      sub->add_option("ID", opt->id, "A job id")->required();
    }
  }
  cmd->get_subcommand("status")->add_flag("--json", opt->json, "Print the status as JSON (the objects of docs/control.md)");
  auto* logs = cmd->get_subcommand("logs");
  logs->add_option("-n,--lines", opt->lines, "How many lines")->capture_default_str();
  logs->add_flag("-f,--follow", opt->follow, "Keep printing new lines as the job writes them (Ctrl-C ends)");
  logs->add_flag("--json", opt->json, "One JSON object a line: {\"ts\", \"text\", \"seq\"}");
  logs->add_flag(
      "--raw", opt->raw, "Print control characters as they are (on a terminal they are escaped: \\n, \\x1b)");
  cmd->get_subcommand("report")->add_flag("--json", opt->json, "Print the run reports as JSON");

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
