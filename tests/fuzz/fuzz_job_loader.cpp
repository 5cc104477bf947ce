// The job-file loader on arbitrary text, as `ffleet validate`, start-up and
// reload feed it.
//
// Invariants: a result is all or nothing (a fleet exactly when there is no
// error); errors are bounded by the limits and each names the file and says
// something; a loaded fleet holds no more jobs than the limit, with valid,
// distinct ids. Hangs and runaway memory (yaml-cpp documents
// without end, alias bombs) show up as libFuzzer timeouts and OOMs: run it
// with -timeout and -rss_limit_mb (see scripts in this folder).
#include <cstdint>
#include <set>
#include <string>

#include "config/job_id.hpp"
#include "config/load_limits.hpp"
#include "config/loader.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string file = "fuzz.yaml";
  const ffleet::LoadLimits limits;  // the defaults every load uses
  auto result = ffleet::load_job_text(std::string(reinterpret_cast<const char*>(data), size), file, limits);

  FUZZ_CHECK(result.ok() == result.errors.empty(), "a fleet exactly when there is no error");
  FUZZ_CHECK(result.errors.size() <= limits.max_errors + 1, "at most max_errors errors, then one \"and N more\"");
  for (const auto& e : result.errors) {
    FUZZ_CHECK(e.file == file, "every error names the file");
    FUZZ_CHECK(!e.message.empty(), "every error says something");
    FUZZ_CHECK(e.line >= 0 && e.col >= 0, "positions are not negative");
    FUZZ_CHECK(e.to_string().rfind(file + ":", 0) == 0, "messages start with FILE:");
  }
  if (result.ok()) {
    FUZZ_CHECK(result.fleet->jobs.size() <= limits.max_jobs, "no more jobs than the limit");
    std::set<std::string> ids;
    for (const auto& job : result.fleet->jobs) {
      FUZZ_CHECK(!ffleet::job_id_problem(job.id), "loaded ids are valid");
      FUZZ_CHECK(ids.insert(job.id).second, "loaded ids are distinct");
    }
  }
  return 0;
}
