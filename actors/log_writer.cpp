#include "actors/log_writer.hpp"

#include <map>
#include <memory>

#include "src/job/log_file.hpp"
#include "src/util/logging.hpp"
#include "src/util/time_format.hpp"

namespace ffleet {

namespace {

struct OpenFile {
  std::unique_ptr<RotatingLogFile> file;
  caf::actor_addr owner;  // the job writing it: its end closes the file
  bool failing = false;  // the last write failed and was logged
};

struct log_writer_state {
  std::map<std::string, OpenFile> files;  // by path
  uint64_t write_errors = 0;
  static inline const char* name = "log-writer";
};

using writer_ptr = log_writer_actor::stateful_pointer<log_writer_state>;

bool write_batch(writer_ptr self, const LogFileBatch& batch) {
  const LogFileTarget& target = batch.target;
  auto& slot = self->state.files[target.path];
  if (!slot.file) {
    slot.file = std::make_unique<RotatingLogFile>(target.path, target.max_size, target.keep);
    slot.owner = self->current_sender() ? self->current_sender()->address() : caf::actor_addr();
    if (slot.owner) self->monitor(slot.owner);
  }
  slot.file->set_rotation(target.max_size, target.keep);
  auto error = slot.file->append(format_log_lines(batch.lines));
  if (error.empty()) {
    if (slot.failing) log_info("", "log file " + target.path + " is written again");
    slot.failing = false;
    return true;
  }
  ++self->state.write_errors;
  if (!slot.failing) log_error("", error + " (further errors on this file are counted, not logged)");
  slot.failing = true;
  return false;
}

// caf::unit_t: CAF 0.17.6 dereferences a null argument tuple for an actor
// spawned without arguments (UBSan stops the daemon there,
// caf/detail/init_fun_factory.hpp), so the writer is given an empty one.
log_writer_actor::behavior_type log_writer_impl(writer_ptr self, caf::unit_t) {
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& files = self->state.files;
    for (auto i = files.begin(); i != files.end();) i = i->second.owner == dm.source ? files.erase(i) : std::next(i);
  });
  return {
      [=](write_atom, const LogFileBatch& batch) { return write_batch(self, batch); },
      [=](close_atom, const std::string& path) { self->state.files.erase(path); },
      [=](errors_atom) { return self->state.write_errors; },
      [=](close_atom) {
        self->state.files.clear();
        self->quit();
        return true;
      },
  };
}

}  // namespace

std::string format_log_lines(const std::vector<LogEntry>& lines) {
  std::string out;
  for (auto& e : lines) {
    out += rfc3339(e.ts);
    out += ' ';
    out += e.text;
    out += '\n';
  }
  return out;
}

log_writer_actor spawn_log_writer(caf::actor_system& sys) { return sys.spawn<caf::detached>(log_writer_impl, caf::unit); }

}  // namespace ffleet
