// Control characters written out for text logs and terminals; long values cut.
#include <catch2/catch.hpp>

#include <string>

#include "src/util/printable.hpp"

using namespace ffleet;

TEST_CASE("printable: newlines, escapes, DEL and C1 controls are written out, while text, tabs and UTF-8 stay", "[printable]") {
  CHECK(escape_controls("plain text\twith a tab, \xc3\xa9t\xc3\xa9") == "plain text\twith a tab, \xc3\xa9t\xc3\xa9");
  CHECK(escape_controls("a\nFORGED 2026-01-01 INFO fleet stopped") == "a\\nFORGED 2026-01-01 INFO fleet stopped");
  CHECK(escape_controls("\x1b[31mred\x1b[0m\r") == "\\x1b[31mred\\x1b[0m\\r");
  CHECK(escape_controls(std::string("nul\0del\x7f", 8)) == "nul\\x00del\\x7f");
  CHECK(escape_controls("csi \xc2\x9b" "31m") == "csi \\x9b31m");  // U+009B, a one-character ESC [
  CHECK(escape_controls("\xc2\xa0") == "\xc2\xa0");                 // U+00A0 is text
  CHECK_FALSE(has_controls("ok\t\xe2\x9c\x93"));
  CHECK(has_controls("bell\a"));
}

TEST_CASE("printable: by line keeps the line breaks and escapes within each line", "[printable]") {
  CHECK(escape_controls_by_line("one\x1b]0;title\x07\ntwo\r\n") == "one\\x1b]0;title\\x07\ntwo\\r\n");
  CHECK(escape_controls_by_line("") == "");
}

TEST_CASE("printable: shortened values never split a UTF-8 character and say they were cut", "[printable]") {
  CHECK(shorten_for_message("short", 10) == "short");
  CHECK(shorten_for_message(std::string(50 << 20, 'x'), 8) == "xxxxxxxx...");
  CHECK(shorten_for_message("ab\xc3\xa9" "cd", 3) == "ab...");
  CHECK(shorten_for_message("a\nbcdef", 3) == "a\\nb...");
}
