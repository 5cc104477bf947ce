// The small pieces under the loader: did-you-mean, the id rule, placeholders.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/did_you_mean.hpp"
#include "config/job_id.hpp"
#include "config/placeholders.hpp"

TEST_CASE("did you mean: Levenshtein distance", "[did_you_mean]") {
  CHECK(ffleet::edit_distance("", "") == 0);
  CHECK(ffleet::edit_distance("abc", "") == 3);
  CHECK(ffleet::edit_distance("", "abc") == 3);
  CHECK(ffleet::edit_distance("kitten", "sitting") == 3);
  CHECK(ffleet::edit_distance("stale_timout", "stale_timeout") == 1);
  CHECK(ffleet::edit_distance("reconect", "reconnect") == 1);
  CHECK(ffleet::edit_distance("ab", "ba") == 2);
}

TEST_CASE("did you mean: the closest key within 2 edits, else none", "[did_you_mean]") {
  const std::vector<std::string_view> keys = {"stop_timeout", "stale_timeout", "timeout", "cwd"};
  CHECK(ffleet::closest_match("stale_timout", keys) == std::optional<std::string>("stale_timeout"));
  CHECK(ffleet::closest_match("stop_timeuot", keys) == std::optional<std::string>("stop_timeout"));
  CHECK(ffleet::closest_match("timeot", keys) == std::optional<std::string>("timeout"));
  CHECK(ffleet::closest_match("cw", keys) == std::optional<std::string>("cwd"));
  CHECK(ffleet::closest_match("xyzzy", keys) == std::nullopt);
  CHECK(ffleet::closest_match("tmot", keys) == std::nullopt);  // 3 edits from timeout
  CHECK(ffleet::closest_match("x", {}) == std::nullopt);
  // Ties go to the earlier candidate.
  CHECK(ffleet::closest_match("ab", {"aa", "bb"}) == std::optional<std::string>("aa"));
}

TEST_CASE("job id: ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", "[job_id]") {
  for (std::string ok : std::vector<std::string>{"a", "Z", "0", "cam-1", "cam_1.main", "9lives", "a-", std::string(64, 'x')})
    CHECK_FALSE(ffleet::job_id_problem(ok).has_value());
  CHECK(ffleet::job_id_problem("") == std::optional<std::string>("it is empty"));
  CHECK(ffleet::job_id_problem(std::string(65, 'x')) == std::optional<std::string>("longer than 64 characters"));
  CHECK(ffleet::job_id_problem("-a") == std::optional<std::string>("it must start with a letter or a digit"));
  CHECK(ffleet::job_id_problem(".a") == std::optional<std::string>("it must start with a letter or a digit"));
  CHECK(ffleet::job_id_problem("_a") == std::optional<std::string>("it must start with a letter or a digit"));
  for (std::string bad : std::vector<std::string>{"cam 1", "cam/1", "cam{index}", "käse", "a:b"})
    CHECK(ffleet::job_id_problem(bad) == std::optional<std::string>("use only letters, digits, '.', '_' and '-'"));
}

TEST_CASE("placeholders: {id} and {index}, nothing else", "[placeholders]") {
  using ffleet::expand_placeholders;
  CHECK(expand_placeholders("rtmp://out/{id}", "cam-1", 0) == "rtmp://out/cam-1");
  CHECK(expand_placeholders("{index}{index}-{id}{id}", "x", 12) == "1212-xx");
  CHECK(expand_placeholders("drawtext=text='%{localtime}'", "x", 1) == "drawtext=text='%{localtime}'");
  CHECK(expand_placeholders("{ID} {Index} {idx} {} { id } {{id}}", "x", 1) == "{ID} {Index} {idx} {} { id } {x}");
  CHECK(expand_placeholders("{id", "x", 1) == "{id");
  CHECK(expand_placeholders("", "x", 1).empty());
  // A replacement is not searched again.
  CHECK(expand_placeholders("{id}", "{index}", 7) == "{index}");
}

TEST_CASE("placeholders: in binary, args, cwd and env values of a spec", "[placeholders]") {
  ffleet::JobSpec spec;
  spec.id = "w-3";
  spec.binary = "/opt/{id}";
  spec.args = {"{index}", "a{id}b"};
  spec.cwd = "/srv/{index}";
  spec.env = {{"SLOT", "{index}"}};
  spec.inherit_env = {"{id}"};
  ffleet::expand_placeholders(spec, 3);
  CHECK(spec.binary == "/opt/w-3");
  CHECK(spec.args == std::vector<std::string>{"3", "aw-3b"});
  CHECK(spec.cwd == "/srv/3");
  CHECK(spec.env.at("SLOT") == "3");
  CHECK(spec.inherit_env == std::vector<std::string>{"{id}"});  // names, not values
}
